package stix

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// FuzzPattern checks that the pattern parser never panics, and that every
// value it extracts survives BuildPattern and a second parse unchanged
// (quoting and escaping are exact inverses).
func FuzzPattern(f *testing.F) {
	for _, s := range []string{
		`[file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']`,
		`[domain-name:value = 'a.example' OR ipv4-addr:value = '192.0.2.1'] AND [url:value = 'http://x/']`,
		`([file:name = 'it\'s \\ x'] FOLLOWEDBY [email-addr:value IN ('a@b.c', 'd@e.f')]) WITHIN 5.5 SECONDS REPEATS 2 TIMES`,
		`[file:x = b'aGVsbG8=' AND file:y = h'ff00' AND file:z = t'2016-06-01T00:00:00.5Z' AND NOT EXISTS file:w]`,
		`[email-message:to_refs[*].value MATCHES '^a' AND file:size >= -1.5] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'`,
		"/* c */ [network-traffic:dst_ref.value = '2001:db8::1'] // x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParsePattern(src)
		if err != nil {
			if _, ok := simplePattern(src); ok {
				t.Fatalf("simplePattern accepts %q, which does not parse: %v", src, err)
			}
			if _, ok := err.(*PatternError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		vals, _ := Extract(p)
		if sv, ok := simplePattern(src); ok {
			if len(vals) != 1 || vals[0] != sv {
				t.Fatalf("simplePattern gives %+v, the parser %+v", sv, vals)
			}
		}
		for _, v := range vals {
			if v.Value == "" {
				continue
			}
			ind := indicator.Indicator{Type: v.Type, Value: v.Value}
			pat, pt, err := BuildPattern(&ind)
			if err != nil || pt != "stix" {
				t.Fatalf("BuildPattern(%s %q): %v", v.Type, v.Value, err)
			}
			p2, err := ParsePattern(pat)
			if err != nil {
				t.Fatalf("pattern %q written for %q does not parse: %v", pat, v.Value, err)
			}
			back, _ := Extract(p2)
			if len(back) != 1 || back[0].Value != v.Value || back[0].Type != v.Type {
				t.Fatalf("value %q of type %s came back as %+v", v.Value, v.Type, back)
			}
		}
	})
}

// FuzzDecode checks that Decode never panics nor exceeds its limits on any
// input, and that whatever it reads can be written and read back with the
// same indicators.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`[{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":"[domain-name:value = 'a.example']","valid_from":"2024-01-01T00:00:00Z"}]`))
	f.Add([]byte(`{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","pattern":"rule a { condition: true }","pattern_type":"yara"}`))
	f.Add([]byte(`{"objects":[{"type":"x-a","id":"x-a--00000000-0000-4000-8000-000000000001","v":[[[{}]]]}],"more":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := indicator.ReadOptions{Name: "fuzz", Lenient: true, MaxBytes: 1 << 20, MaxDepth: 20, MaxItems: 1000}
		// The pipeline, started at once with batches of two objects, gives
		// what the one-object-at-a-time read gives, strict or lenient.
		for _, lenient := range []bool{true, false} {
			o := opts
			o.Lenient = lenient
			seq, serr := decode(bytes.NewReader(data), o, -1, 0)
			par, perr := decode(bytes.NewReader(data), o, 0, 2)
			if fmt.Sprint(serr) != fmt.Sprint(perr) {
				t.Fatalf("lenient=%v: sequential error %v, pipeline error %v", lenient, serr, perr)
			}
			if !reflect.DeepEqual(seq, par) {
				t.Fatalf("lenient=%v: the pipeline gives another collection", lenient)
			}
		}
		c, err := Decode(bytes.NewReader(data), opts)
		if err != nil {
			return
		}
		if len(c.Indicators) > opts.MaxItems {
			t.Fatalf("%d indicators, more than MaxItems", len(c.Indicators))
		}
		var buf bytes.Buffer
		if err := Encode(&buf, c, EncodeOptions{}); err != nil {
			t.Fatalf("cannot write what was read: %v", err)
		}
		back, err := Decode(&buf, indicator.ReadOptions{Name: "re-encoded"})
		if err != nil {
			t.Fatalf("cannot read what was written: %v\n%s", err, buf.Bytes())
		}
		if len(back.Indicators) != len(c.Indicators) {
			t.Fatalf("%d indicators after a round trip, want %d", len(back.Indicators), len(c.Indicators))
		}
		for i := range c.Indicators {
			if back.Indicators[i].Key() != c.Indicators[i].Key() || back.Indicators[i].TLP != c.Indicators[i].TLP {
				t.Fatalf("indicator %d: %s %s came back as %s %s", i, c.Indicators[i].Key(), c.Indicators[i].TLP, back.Indicators[i].Key(), back.Indicators[i].TLP)
			}
		}
	})
}
