package stix

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

func readFile(t *testing.T, name string, opts indicator.ReadOptions) (*indicator.Collection, error) {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Name == "" {
		opts.Name = name
	}
	return Decode(bytes.NewReader(data), opts)
}

func find(c *indicator.Collection, key string) *indicator.Indicator {
	for i := range c.Indicators {
		if c.Indicators[i].Key() == key {
			return &c.Indicators[i]
		}
	}
	return nil
}

func TestDecodeBundle(t *testing.T) {
	c, err := readFile(t, "testdata/apt28.json", indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, ind := range c.Indicators {
		keys = append(keys, ind.Key())
	}
	want := []string{
		"sha256:ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c",
		"domain:accounts-google.com", "ipv4:185.86.148.227", "url:http://accounts-google.com/ServiceLogin?x=1",
		"yara:XAgent_Strings",
		"email:noreply@accounts-google.com",
		"filename:update.exe",
	}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("indicators:\n got %q\nwant %q", keys, want)
	}

	h := find(c, want[0])
	if h.ID != "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f" || h.Source != "CERT-Test" || h.TLP != indicator.TLPAmber ||
		h.Confidence != 85 || h.Description != "SHA-256 of the X-Agent dropper seen in the spear-phishing wave" ||
		!reflect.DeepEqual(h.Tags, []string{"apt28", "dropper"}) || !reflect.DeepEqual(h.Threats, []string{"X-Agent"}) ||
		!h.ValidFrom.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) || !h.ValidUntil.Equal(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)) ||
		!h.Modified.Equal(time.Date(2024, 3, 2, 11, 0, 0, 0, time.UTC)) || h.Informational {
		t.Errorf("hash indicator: %+v", *h)
	}
	// GREEN by its TLP 1.0 id and RED by a marking defined later in the
	// bundle: the most restrictive wins. The threat comes from a
	// relationship that precedes both objects.
	d := find(c, "domain:accounts-google.com")
	if d.TLP != indicator.TLPRed || d.Description != "Phishing infrastructure" || !reflect.DeepEqual(d.Threats, []string{"APT28"}) {
		t.Errorf("domain indicator: %+v", *d)
	}
	if u := find(c, "url:http://accounts-google.com/ServiceLogin?x=1"); u.ID != d.ID || u.TLP != indicator.TLPRed {
		t.Errorf("url indicator: %+v", *u)
	}
	y := find(c, "yara:XAgent_Strings")
	if y.TLP != indicator.TLPAmberStrict || !strings.HasPrefix(y.Rule, "rule XAgent_Strings {") || y.Source != "" {
		t.Errorf("yara indicator: %+v", *y)
	}
	if e := find(c, "email:noreply@accounts-google.com"); !e.Informational || len(e.Tags) != 0 {
		t.Errorf("informational indicator: %+v", *e)
	}

	apt28, ok := c.Threat("Fancy Bear")
	if !ok || apt28.Name != "APT28" || apt28.Kind != "intrusion-set" || !reflect.DeepEqual(apt28.Aliases, []string{"Fancy Bear", "Sofacy", "STRONTIUM"}) {
		t.Errorf("APT28 threat: %+v %v", apt28, ok)
	}
	xa, _ := c.Threat("CHOPSTICK")
	if xa.Name != "X-Agent" || xa.Kind != "malware" {
		t.Errorf("X-Agent threat: %+v", xa)
	}

	wantSkipped := map[string]int{"attack-pattern": 1, "x-mitre-tactic": 1, "sighting": 1, "relationship/uses": 1}
	if !reflect.DeepEqual(c.Skipped, wantSkipped) {
		t.Errorf("skipped = %v, want %v", c.Skipped, wantSkipped)
	}
	var problems []string
	for _, p := range c.Problems {
		if p.Kind != indicator.ProblemUnsupported {
			t.Errorf("problem of kind %s: %s", p.Kind, p)
		}
		problems = append(problems, p.Where+": "+p.Reason)
	}
	wantProblems := []string{
		"object indicator--c7b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d: Vigie cannot turn a pattern of type snort into indicators (only stix and yara)",
		"object indicator--d7b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d: qualifier WITHIN ignored: the indicators match on a single occurrence, any time",
		"object indicator--d7b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d: comparisons joined by AND are kept as separate indicators, each matching on its own: the conjunction was loosened",
		"object indicator--d7b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d: Vigie cannot match the object path file:size",
	}
	if !reflect.DeepEqual(problems, wantProblems) {
		t.Errorf("problems:\n got %q\nwant %q", problems, wantProblems)
	}
}

func TestDecodeOptionsDefaults(t *testing.T) {
	in := `[{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":"[domain-name:value = 'a.example']","valid_from":"2024-01-01T00:00:00Z"},
	        {"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000002","created_by_ref":"identity--00000000-0000-4000-8000-000000000009","pattern":"[domain-name:value = 'b.example']","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]}]`
	c, err := Decode(strings.NewReader(in), indicator.ReadOptions{Name: "in", Source: "feed X", TLP: indicator.TLPGreen})
	if err != nil {
		t.Fatal(err)
	}
	a, b := c.Indicators[0], c.Indicators[1]
	if a.Source != "feed X" || a.TLP != indicator.TLPGreen {
		t.Errorf("defaults not applied: %+v", a)
	}
	// An identity not in the bundle: the default source; a stated TLP wins.
	if b.Source != "feed X" || b.TLP != indicator.TLPRed {
		t.Errorf("b: %+v", b)
	}
}

func TestDecodeShapes(t *testing.T) {
	ind := `{"type":"indicator","spec_version":"2.1","id":"indicator--00000000-0000-4000-8000-000000000001","created":"2024-01-01T00:00:00Z","modified":"2024-01-01T00:00:00Z","pattern":"[domain-name:value = 'a.example']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}`
	tests := []struct {
		name, in string
		n        int
	}{
		{"bundle", `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[` + ind + `]}`, 1},
		{"objects first", `{"objects":[` + ind + `],"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001"}`, 1},
		{"single object", ind, 1},
		{"bare array", "[" + ind + "," + ind + "]", 2},
		{"taxii envelope", `{"more":false,"next":"2","objects":[` + ind + `]}`, 1},
		{"empty bundle", `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001"}`, 0},
		{"empty objects", `{"type":"bundle","objects":[]}`, 0},
		{"null objects", `{"type":"bundle","objects":null}`, 0},
		{"empty array", `[]`, 0},
		{"blanks", "\n\t " + ind + " \n", 1},
		{"byte order mark", "\ufeff" + ind, 1},
		{"escaped strings", `{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":"[domain-name:value = '\u0061.example']","valid_from":"2024-01-01T00:00:00Z","description":"\ud83d\ude00 \"q\" \/"}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode(strings.NewReader(tt.in), indicator.ReadOptions{Name: "in"})
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Indicators) != tt.n {
				t.Fatalf("%d indicators, want %d", len(c.Indicators), tt.n)
			}
			if tt.n > 0 && c.Indicators[0].Value != "a.example" {
				t.Errorf("value %q", c.Indicators[0].Value)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	ind := `{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":"[domain-name:value = 'a.example']","valid_from":"2024-01-01T00:00:00Z"}`
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	tests := []struct {
		name string
		in   string
		opts indicator.ReadOptions
		want string
	}{
		{"empty", "", indicator.ReadOptions{}, "in: empty input"},
		{"not json", "hello", indicator.ReadOptions{}, "not a STIX bundle"},
		{"string", `"bundle"`, indicator.ReadOptions{}, "not a STIX bundle"},
		{"no type", `{"id":"x"}`, indicator.ReadOptions{}, `no "type" and no "objects"`},
		{"truncated", `{"type":"bundle","objects":[` + ind, indicator.ReadOptions{}, "unexpected end of input"},
		{"truncated string", `{"type":"bundle","objects":[{"type":"indi`, indicator.ReadOptions{}, "unexpected end of input"},
		{"trailing data", `[` + ind + `] x`, indicator.ReadOptions{}, "data after the end"},
		{"missing comma", `[` + ind + ind + `]`, indicator.ReadOptions{}, "expected ',' or ']'"},
		{"objects not array", `{"type":"bundle","objects":{}}`, indicator.ReadOptions{}, `"objects" is not an array`},
		{"too big", `[` + ind + `]`, indicator.ReadOptions{MaxBytes: 50}, "larger than the limit of 50 bytes"},
		{"too deep", `{"type":"bundle","objects":[{"type":"x-deep","id":"x-deep--00000000-0000-4000-8000-000000000001","v":` + deep + `}]}`, indicator.ReadOptions{}, "nested deeper than"},
		{"too deep member", `{"type":"bundle","x":` + deep + `}`, indicator.ReadOptions{}, "nested deeper than"},
		{"too many", `[` + ind + `,` + ind + `,` + ind + `]`, indicator.ReadOptions{MaxItems: 2}, "more than 2 objects"},
		{"not an object", `[5]`, indicator.ReadOptions{}, "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Name = "in"
			_, err := Decode(strings.NewReader(tt.in), tt.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "in: ") {
				t.Errorf("error %q, want one naming the input with %q", err, tt.want)
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	_, err := readFile(t, "testdata/malformed.json", indicator.ReadOptions{Name: "malformed.json"})
	var p indicator.Problem
	if !errors.As(err, &p) || p.Where != "object #1 (byte 88)" || !strings.Contains(p.Reason, `no "id"`) || p.Input != "malformed.json" {
		t.Fatalf("strict read: %v (%+v)", err, p)
	}

	c, err := readFile(t, "testdata/malformed.json", indicator.ReadOptions{Name: "malformed.json", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, ind := range c.Indicators {
		keys = append(keys, ind.Key())
	}
	if want := []string{"domain:half-good.example", "domain:good.example"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("indicators %q, want %q", keys, want)
	}
	var got []string
	for _, p := range c.Problems {
		got = append(got, p.Kind+" "+p.Where+": "+p.Reason)
	}
	want := []string{
		`malformed object #1 (byte 88): object of type indicator has no "id"`,
		`malformed object indicator--00000000-0000-4000-8000-000000000002: created: bad timestamp "2024-13-01T10:00:00Z" (want RFC 3339, e.g. 2024-05-01T12:00:00Z)`,
		`malformed object indicator--00000000-0000-4000-8000-000000000003: pattern syntax error at byte 39: expected "]", found end of pattern`,
		`malformed object indicator--00000000-0000-4000-8000-000000000004: property "confidence" has a JSON string, not the expected integer`,
		`malformed object indicator--00000000-0000-4000-8000-000000000005: bad ipv4 in ipv4-addr:value = '999.1.1.1': not a valid IP address: ParseAddr("999.1.1.1"): IPv4 field has value >255`,
		`malformed object not-a-stix-id: id is not "indicator--" followed by a UUID`,
	}
	if len(got) < len(want) || !reflect.DeepEqual(got[:len(want)], want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	if len(got) != len(want)+1 || !strings.Contains(got[len(want)], "object #7") || !strings.Contains(got[len(want)], "bad JSON") {
		t.Errorf("broken JSON object not reported by position: %q", got)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{"type": "bundle", "id": "bundle--x"`, true},
		{`{"type":"bundle"`, true},
		{` [ {"type":"indicator","spec_version":"2.1"`, true},
		{`{"id":"x","pattern_type" : "stix"`, true},
		{`{"Event": {"info": "x"}}`, false},
		{`type,value` + "\n", false},
		{`"spec_version":`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.in)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMarkings(t *testing.T) {
	defs := MarkingDefinitions()
	if len(defs) != 9 {
		t.Fatalf("%d marking definitions", len(defs))
	}
	var parts []string
	for _, d := range defs {
		parts = append(parts, string(d))
	}
	c, err := Decode(strings.NewReader("["+strings.Join(parts, ",")+"]"), indicator.ReadOptions{Name: "markings"})
	if err != nil || len(c.Problems) != 0 || len(c.Skipped) != 0 {
		t.Fatalf("markings do not read back cleanly: %v %+v", err, c)
	}
	for _, tlp := range indicator.TLPs {
		for _, v2 := range []bool{false, true} {
			id := MarkingID(tlp, v2)
			if got, ok := MarkingTLP(id); !ok || got != tlp {
				t.Errorf("MarkingID(%s, %v) = %s, which reads back as %s", tlp, v2, id, got)
			}
			if _, ok := MarkingDefinition(id); !ok {
				t.Errorf("no definition for %s", id)
			}
		}
	}
	if got, _ := MarkingTLP(OpenCTIAmberStrict); got != indicator.TLPAmberStrict {
		t.Error("OpenCTI AMBER+STRICT not known")
	}
	// Markings known by their content, not their id.
	in := `[{"type":"marking-definition","id":"marking-definition--00000000-0000-4000-8000-000000000001","definition_type":"statement","definition":{"statement":"custom"},"x_opencti_definition_type":"TLP","x_opencti_definition":"TLP:AMBER+STRICT"},
	{"type":"marking-definition","id":"marking-definition--00000000-0000-4000-8000-000000000002","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}},
	{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000003","pattern":"[domain-name:value = 'a.example']","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--00000000-0000-4000-8000-000000000001"]},
	{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000004","pattern":"[domain-name:value = 'b.example']","valid_from":"2024-01-01T00:00:00Z","object_marking_refs":["marking-definition--00000000-0000-4000-8000-000000000002"]}]`
	c, err = Decode(strings.NewReader(in), indicator.ReadOptions{Name: "in"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Indicators[0].TLP != indicator.TLPAmberStrict || c.Indicators[1].TLP != indicator.TLPClear {
		t.Errorf("TLP %s, %s", c.Indicators[0].TLP, c.Indicators[1].TLP)
	}
}

func TestDecodeProblemLimit(t *testing.T) {
	var unsupported, bad []string
	for i := 0; i < 50; i++ {
		unsupported = append(unsupported, fmt.Sprintf("file:size = %d", i))
		bad = append(bad, fmt.Sprintf("ipv4-addr:value = '999.0.0.%d'", i))
	}
	in := `[{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":"[` + strings.Join(unsupported, " OR ") + `]"},
	        {"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000002","pattern":"[` + strings.Join(bad, " OR ") + `]"}]`
	c, err := Decode(strings.NewReader(in), indicator.ReadOptions{Name: "in", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Problems) != 2*(maxProblemsPerObject+1) {
		t.Fatalf("%d problems, want %d", len(c.Problems), 2*(maxProblemsPerObject+1))
	}
	if last := c.Problems[len(c.Problems)-1]; !strings.Contains(last.Reason, "and 30 more bad values") {
		t.Errorf("last problem: %s", last)
	}
	if p := c.Problems[maxProblemsPerObject]; !strings.Contains(p.Reason, "and 30 more parts") {
		t.Errorf("summary problem: %s", p)
	}
}
