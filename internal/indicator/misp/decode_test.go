package misp

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

func decodeFile(t *testing.T, path string, opts indicator.ReadOptions) *indicator.Collection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	opts.Name = path
	c, err := DecodeEvent(f, opts)
	if err != nil {
		t.Fatalf("DecodeEvent: %v", err)
	}
	return c
}

// line summarises what a user checks of an indicator.
func line(ind indicator.Indicator) string {
	s := fmt.Sprintf("%s %s tlp=%s", ind.Type, ind.Value, string(ind.TLP))
	if ind.Informational {
		s += " info"
	}
	if len(ind.Threats) > 0 {
		s += " threats=" + strings.Join(ind.Threats, ",")
	}
	if len(ind.Tags) > 0 {
		s += " tags=" + strings.Join(ind.Tags, ",")
	}
	if ind.Description != "" {
		s += " desc=" + ind.Description
	}
	if !ind.ValidFrom.IsZero() {
		s += " from=" + ind.ValidFrom.Format(time.DateOnly)
	}
	if !ind.ValidUntil.IsZero() {
		s += " until=" + ind.ValidUntil.Format(time.DateOnly)
	}
	return s
}

func TestDecodeEventMapping(t *testing.T) {
	c := decodeFile(t, "testdata/event_mixed.json", indicator.ReadOptions{Lenient: true})
	const info = "Phishing wave against the campaign team"
	want := []string{
		"md5 0749bae92ca336a02c83d126e04ec628 tlp=amber threats=APT28 tags=phishing desc=dropper",
		"sha256 b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68 tlp=amber threats=APT28 tags=phishing desc=" + info,
		"filename facture.pdf.exe tlp=amber info threats=APT28 tags=phishing desc=" + info,
		"domain accounts-google.com tlp=red threats=APT28 tags=phishing desc=" + info + " from=2026-02-01 until=2026-06-01",
		"domain mail.evil-campaign.example tlp=amber threats=APT28 tags=phishing desc=" + info,
		"domain c2.evil-campaign.example tlp=amber threats=APT28 tags=phishing desc=" + info,
		"ipv4 185.86.148.227 tlp=amber threats=APT28 tags=phishing desc=" + info,
		"url https://sites.google.com/view/evil-login tlp=amber threats=APT28 tags=phishing desc=" + info,
		"url https://blog.example.org/report-apt28 tlp=amber info threats=APT28 tags=phishing desc=" + info,
		"ipv4 203.0.113.0/24 tlp=amber threats=APT28 tags=phishing desc=" + info,
		"ipv6 2001:db8::5 tlp=amber threats=APT28 tags=phishing,port:8443 desc=" + info,
		"email support.candidat@gmail.com tlp=amber threats=APT28 tags=phishing,lure desc=" + info,
		"email registrant@evil-campaign.example tlp=amber info threats=APT28 tags=phishing desc=" + info,
		"filename x-agent.dll tlp=amber threats=APT28 tags=phishing desc=" + info,
		"yara XAgent_Strings tlp=amber threats=APT28 tags=phishing desc=" + info,
		"sha1 77b0c41b7d340b8a3d903f21347bbf06aa766b5b tlp=clear threats=APT28,X-Agent tags=phishing desc=" + info,
		"sha256 e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80 tlp=amber threats=APT28 tags=phishing desc=second stage from=2026-01-15",
		"filename update.exe tlp=amber info threats=APT28 tags=phishing desc=second stage from=2026-01-15",
	}
	var got []string
	for _, ind := range c.Indicators {
		got = append(got, line(ind))
		if ind.Source != "CERT-Example" {
			t.Errorf("%s: source %q", ind.Value, ind.Source)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("indicators:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c.Indicators[0].ID != "a0000001-0000-4000-8000-000000000001" || !c.Indicators[0].Modified.Equal(time.Unix(1772445000, 0)) {
		t.Errorf("first indicator: id %q modified %v", c.Indicators[0].ID, c.Indicators[0].Modified)
	}
	if id := c.Indicators[2].ID; !isUUID(id) || id == c.Indicators[1].ID {
		t.Errorf("file name of filename|sha256 needs its own uuid, got %q", id)
	}
	if y := c.Indicators[14]; !strings.HasPrefix(y.Rule, "rule XAgent_Strings : apt28") {
		t.Errorf("yara rule text not kept: %q", y.Rule)
	}
	apt, ok := c.Threat("APT28")
	if !ok || apt.Kind != "threat-actor" || strings.Join(apt.Aliases, ",") != "Fancy Bear,Sofacy" {
		t.Errorf("APT28 threat = %+v", apt)
	}
	if xa, ok := c.Threat("X-Agent"); !ok || xa.Kind != "malware" {
		t.Errorf("X-Agent threat = %+v", xa)
	}
	var problems []string
	for _, p := range c.Problems {
		problems = append(problems, p.Kind+": "+p.Where+": "+p.Reason)
	}
	wantProblems := []string{
		"unsupported: event 11111111-2222-4333-8444-555555555555 attribute a0000001-0000-4000-8000-000000000008: uri attribute without a host: Vigie matches whole URLs",
		`unsupported: event 11111111-2222-4333-8444-555555555555 attribute a0000001-0000-4000-8000-00000000000f: MISP attribute type "regkey" has no Vigie indicator type`,
	}
	if strings.Join(problems, "\n") != strings.Join(wantProblems, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(problems, "\n"), strings.Join(wantProblems, "\n"))
	}
	wantSkipped := map[string]int{"misp attribute text": 1, "misp attribute size-in-bytes": 1, "misp deleted attribute": 1, "misp deleted object": 1}
	if fmt.Sprint(c.Skipped) != fmt.Sprint(wantSkipped) {
		t.Errorf("skipped %v, want %v", c.Skipped, wantSkipped)
	}
}

func TestDecodeShapes(t *testing.T) {
	ev := `{"uuid":"11111111-2222-4333-8444-555555555555","info":"x","Orgc":{"name":"O"},"Attribute":[{"type":"domain","value":"evil.example","to_ids":true}]}`
	tests := []struct {
		name, js string
		want     int
	}{
		{"wrapped", `{"Event":` + ev + `}`, 1},
		{"bare", ev, 1},
		{"list", `[{"Event":` + ev + `},` + ev + `]`, 2},
		{"rest search", `{"response":[{"Event":` + ev + `}]}`, 1},
		{"attribute search", `{"response":{"Attribute":[{"type":"ip-dst","value":"198.51.100.1","to_ids":true,"Event":{"info":"e"}}]}}`, 1},
		{"search index", `[{"id":"3","org":"","orgc":"","info":"i","Org":{"id":"1","name":"ORG"},"Orgc":{"id":"1","name":"ORG"},"EventTag":[{"Tag":{"name":"TLP:GREEN"}}]}]`, 0},
		{"numbers and strings", `{"Event":{"timestamp":1465681304,"info":"x","Attribute":[{"type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","to_ids":0,"timestamp":"1465681304","deleted":"0"}]}}`, 1},
		{"bom", "\xef\xbb\xbf" + ev, 1},
		{"galaxy clusters", `{"type":"threat-actor","values":[{"value":"APT28","meta":{"synonyms":["Sofacy"]}}]}`, 0},
	}
	for _, tt := range tests {
		c, err := DecodeEvent(strings.NewReader(tt.js), indicator.ReadOptions{Name: tt.name})
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(c.Indicators) != tt.want {
			t.Errorf("%s: %d indicators, want %d", tt.name, len(c.Indicators), tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, js, want string
		opts           indicator.ReadOptions
	}{
		{"syntax", `{"Event": {"Attribute": [}`, "in.json: line 1, column 27", indicator.ReadOptions{}},
		{"not misp", `{"type":"bundle","objects":[]}`, `not a MISP event`, indicator.ReadOptions{}},
		{"scalar", `"x"`, "want an object or an array", indicator.ReadOptions{}},
		{"empty", ``, "empty input", indicator.ReadOptions{}},
		{"sharing groups", `[{"SharingGroup":{"id":"1"}}]`, "sharing group", indicator.ReadOptions{}},
		{"bad value strict", `{"Event":{"uuid":"e1","Attribute":[{"uuid":"a1","type":"md5","value":"xyz"}]}}`, `in.json: event e1 attribute a1: bad md5 value: a MD5 hash has 32 hex digits, this one has 3 ("xyz")`, indicator.ReadOptions{}},
		{"bad attribute strict", `{"Event":{"uuid":"e1","Attribute":[{"uuid":"a1","type":"md5","value":{"x":1}}]}}`, `in.json: event e1 attribute #1: bad MISP attribute`, indicator.ReadOptions{}},
		{"bad timestamp", `{"Event":{"uuid":"e1","Attribute":[{"uuid":"a1","type":"md5","value":"d41d8cd98f00b204e9800998ecf8427e","first_seen":"yesterday"}]}}`, `bad first_seen`, indicator.ReadOptions{}},
		{"deep", `{"Event":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`, "nested deeper than 64 levels", indicator.ReadOptions{}},
		{"huge", `{"Event":{"info":"` + strings.Repeat("x", 2000) + `"}}`, "larger than the limit of 1000 bytes", indicator.ReadOptions{MaxBytes: 1000}},
		{"too many", `{"Event":{"Attribute":[{"type":"domain","value":"a.example"},{"type":"domain","value":"b.example"},{"type":"domain","value":"c.example"}]}}`, "more than 2 MISP attributes", indicator.ReadOptions{MaxItems: 2}},
	}
	for _, tt := range tests {
		tt.opts.Name = "in.json"
		_, err := DecodeEvent(strings.NewReader(tt.js), tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestDecodeLenient(t *testing.T) {
	js := `{"Event":{"uuid":"e1","Attribute":[
		{"uuid":"a1","type":"md5","value":"xyz"},
		{"uuid":"a2","type":"domain","value":"ok.example"},
		{"uuid":"a3","type":"ip-dst","value":{"bad":1}},
		{"uuid":"a4","type":"ip-dst|port","value":"198.51.100.1|99999"}]}}`
	c, err := DecodeEvent(strings.NewReader(js), indicator.ReadOptions{Name: "in.json", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 1 || c.Indicators[0].Value != "ok.example" {
		t.Errorf("indicators %v", c.Indicators)
	}
	if len(c.Problems) != 3 {
		t.Fatalf("problems %v", c.Problems)
	}
	for i, where := range []string{"event e1 attribute a1", "event e1 attribute #3", "event e1 attribute a4"} {
		p := c.Problems[i]
		if p.Input != "in.json" || p.Where != where || p.Kind != indicator.ProblemMalformed {
			t.Errorf("problem %d = %+v", i, p)
		}
	}
	var p indicator.Problem
	_, err = DecodeEvent(strings.NewReader(js), indicator.ReadOptions{Name: "in.json"})
	if !errors.As(err, &p) || p.Where != "event e1 attribute a1" {
		t.Errorf("strict read: err = %v, want the first bad attribute as a Problem", err)
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		head string
		want bool
	}{
		{`{"Event": {"info": "x"`, true},
		{"\n  {\"uuid\": \"x\", \"Attribute\": [", true},
		{`[{"Event":`, true},
		{`{"response": [{"Orgc": {}`, true},
		{`{"type": "bundle", "id": "bundle--x", "objects": [{"type": "indicator"`, false},
		{`md5,sha1`, false},
		{`{"name": "List of RFC 1918 CIDR blocks", "type": "cidr"`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head)); got != tt.want {
			t.Errorf("Sniff(%q) = %v, want %v", tt.head, got, tt.want)
		}
	}
}
