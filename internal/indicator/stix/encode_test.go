package stix

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var fixedNow = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// sample is a collection with one indicator of each type and the cases
// Encode must handle: no dates, no id, a MISP uuid as id, two indicators
// with the same id, a threat of unknown kind, each TLP level.
func sample() *indicator.Collection {
	day := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	return &indicator.Collection{
		Threats: []indicator.Threat{
			{Name: "APT28", Kind: "intrusion-set", Aliases: []string{"Fancy Bear", "Sofacy"}},
			{Name: "X-Agent", Kind: "malware", Aliases: []string{"CHOPSTICK"}},
			{Name: "Operation Pawn Storm", Kind: "campaign"},
		},
		Indicators: []indicator.Indicator{
			{ID: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", Type: indicator.SHA256, Value: strings.Repeat("ab", 32), Source: "CERT-Test",
				Description: "dropper", Confidence: 90, TLP: indicator.TLPAmber, ValidFrom: day, ValidUntil: day.AddDate(1, 0, 0),
				Threats: []string{"X-Agent", "APT28"}, Tags: []string{"apt28"}, Created: day, Modified: day.Add(time.Hour)},
			{ID: "5b0e5c5c-1f52-4e0e-8c53-2d9a0a0a0a01", Type: indicator.MD5, Value: "d41d8cd98f00b204e9800998ecf8427e", TLP: indicator.TLPWhite, Created: day},
			{Type: indicator.SHA1, Value: "da39a3ee5e6b4b0d3255bfef95601890afd80709", TLP: indicator.TLPClear},
			{Type: indicator.SHA512, Value: strings.Repeat("cd", 64), TLP: indicator.TLPGreen},
			{ID: "indicator--1f3d9a7e-3c55-4b1f-9d34-2b7f6f7e0a10", Type: indicator.Domain, Value: "accounts-google.com", TLP: indicator.TLPRed,
				Threats: []string{"Fancy Bear"}, ValidFrom: day},
			{ID: "indicator--1f3d9a7e-3c55-4b1f-9d34-2b7f6f7e0a10", Type: indicator.IPv4, Value: "185.86.148.0/24", TLP: indicator.TLPRed, ValidFrom: day},
			{Type: indicator.IPv6, Value: "2001:db8::1", TLP: indicator.TLPAmberStrict},
			{Type: indicator.URL, Value: "http://evil.example/it's?a=<b>&c", Threats: []string{"Operation Pawn Storm", "Unknown Loader"}},
			{Type: indicator.Email, Value: "noreply@accounts-google.com", Informational: true, Source: "MISP CIRCL"},
			{Type: indicator.Filename, Value: `C:\Temp\upd.exe`},
			{Type: indicator.PathRegex, Value: `(?i)\\temp\\[a-z]{8}\.exe$`, Exclude: `\\Windows\\`},
			{Type: indicator.YARA, Value: "XAgent_Strings", Rule: "rule XAgent_Strings { strings: $a = \"chkdsk.exe\" condition: $a }", TLP: indicator.TLPAmber},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update and review the diff):\n%s", path, got)
	}
}

func TestEncodeGolden(t *testing.T) {
	opts := EncodeOptions{Identity: "Vigie test", Now: fixedNow}
	var buf bytes.Buffer
	if err := Encode(&buf, sample(), opts); err != nil {
		t.Fatal(err)
	}
	golden(t, "sample.golden", buf.Bytes())

	c, err := readFile(t, "testdata/apt28.json", indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	if err := Encode(&buf, c, EncodeOptions{Now: fixedNow, TLP2: true}); err != nil {
		t.Fatal(err)
	}
	golden(t, "apt28.golden", buf.Bytes())
}

func TestEncodeDeterministic(t *testing.T) {
	var x, y bytes.Buffer
	Encode(&x, sample(), EncodeOptions{Now: fixedNow})
	Encode(&y, sample(), EncodeOptions{Now: fixedNow})
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Error("two encodings with a fixed clock differ")
	}
}

// TestEncodeValid checks the written bundle against the rules of STIX 2.1
// a consumer checks: unique ids of the right form, required properties,
// references that resolve inside the bundle.
func TestEncodeValid(t *testing.T) {
	objs, err := Objects(sample(), EncodeOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var all []map[string]any
	for _, raw := range objs {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		typ, _ := m["type"].(string)
		id, _ := m["id"].(string)
		if !validID(id, typ) || ids[id] {
			t.Errorf("bad or duplicate id %q", id)
		}
		ids[id] = true
		if m["spec_version"] != "2.1" {
			t.Errorf("%s: spec_version %v", id, m["spec_version"])
		}
		all = append(all, m)
	}
	for _, m := range all {
		id := m["id"].(string)
		for _, k := range []string{"created_by_ref", "source_ref", "target_ref"} {
			if ref, ok := m[k].(string); ok && !ids[ref] {
				t.Errorf("%s: %s %s not in the bundle", id, k, ref)
			}
		}
		if refs, ok := m["object_marking_refs"].([]any); ok {
			for _, r := range refs {
				if !ids[r.(string)] {
					t.Errorf("%s: marking %s not in the bundle", id, r)
				}
			}
		}
		switch m["type"] {
		case "indicator":
			for _, k := range []string{"created", "modified", "pattern", "pattern_type", "valid_from"} {
				if _, ok := m[k]; !ok {
					t.Errorf("%s: no %s", id, k)
				}
			}
			if m["pattern_type"] == "stix" {
				if _, err := ParsePattern(m["pattern"].(string)); err != nil {
					t.Errorf("%s: %v", id, err)
				}
			}
		case "malware":
			if m["is_family"] != true {
				t.Errorf("%s: malware without is_family", id)
			}
		}
	}
}

// TestRoundTrip writes collections as STIX and reads them back: every
// indicator keeps its type, value, TLP, threats, validity, confidence,
// description, labels, source, rule and informational flag.
func TestRoundTrip(t *testing.T) {
	fromFile, err := readFile(t, "testdata/apt28.json", indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*indicator.Collection{"sample": sample(), "apt28.json": fromFile} {
		t.Run(name, func(t *testing.T) {
			for _, tlp2 := range []bool{false, true} {
				var buf bytes.Buffer
				if err := Encode(&buf, c, EncodeOptions{Now: fixedNow, TLP2: tlp2}); err != nil {
					t.Fatal(err)
				}
				back, err := Decode(&buf, indicator.ReadOptions{Name: "round trip"})
				if err != nil {
					t.Fatal(err)
				}
				if len(back.Problems) != 0 {
					t.Errorf("problems: %v", back.Problems)
				}
				if len(back.Indicators) != len(c.Indicators) {
					t.Fatalf("%d indicators, want %d", len(back.Indicators), len(c.Indicators))
				}
				for i := range c.Indicators {
					a, b := c.Indicators[i], back.Indicators[i]
					threats := func(ind indicator.Indicator, col *indicator.Collection) []string {
						var out []string
						for _, n := range ind.Threats {
							th, ok := col.Threat(n)
							if !ok {
								th.Name = n
							}
							out = append(out, th.Name)
						}
						return out
					}
					// An indicator of no stated source comes back with the
					// producer's name, its creator in the bundle.
					src := a.Source
					if src == "" {
						src = "Vigie"
					}
					if a.Key() != b.Key() || a.TLP != b.TLP || a.Confidence != b.Confidence || a.Description != b.Description ||
						src != b.Source || a.Rule != b.Rule || a.Exclude != b.Exclude || a.Informational != b.Informational ||
						!a.ValidUntil.Equal(b.ValidUntil) || (!a.ValidFrom.IsZero() && !a.ValidFrom.Equal(b.ValidFrom)) ||
						!reflect.DeepEqual(a.Tags, b.Tags) || !reflect.DeepEqual(threats(a, c), b.Threats) {
						t.Errorf("indicator %d changed:\n was %+v\n now %+v", i, a, b)
					}
				}
				for _, th := range c.Threats {
					got, ok := back.Threat(th.Name)
					if !ok || got.Kind != th.Kind || !reflect.DeepEqual(got.Aliases, th.Aliases) {
						t.Errorf("threat %+v came back as %+v", th, got)
					}
				}
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	c := &indicator.Collection{Indicators: []indicator.Indicator{{Type: indicator.YARA, Value: "r"}}}
	if err := Encode(&bytes.Buffer{}, c, EncodeOptions{}); err == nil || !strings.Contains(err.Error(), "indicator 1 (yara:r)") {
		t.Errorf("err = %v", err)
	}
	if _, err := Objects(c, EncodeOptions{}); err == nil {
		t.Error("Objects: no error")
	}
}
