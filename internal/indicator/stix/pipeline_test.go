package stix

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// writeMixedBundle writes a bundle of about n objects of every kind Decode
// handles: identities, markings defined in the bundle (before and after the
// indicators that use them), threats (one named twice), relationships
// before and after their targets, indicators with several values, bad
// values, unsupported parts, revoked ones, YARA rules, objects without an
// id, sightings, other types and broken JSON.
func writeMixedBundle(w *bytes.Buffer, n int, badFrom int) {
	w.WriteString(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[`)
	w.WriteString(`{"type":"identity","id":"identity--00000000-0000-4000-8000-000000000001","name":"CERT-A"}`)
	mark := func(i int) string { return fmt.Sprintf("marking-definition--%08x-0000-4000-8000-000000000000", i%7) }
	for i := 0; i < n; i++ {
		w.WriteString(",\n")
		id := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		bad, bv := i >= badFrom, ""
		if bad {
			bv = "bad-"
		}
		switch i % 20 {
		case 0:
			fmt.Fprintf(w, `{"type":"relationship","id":"relationship--%s","relationship_type":"indicates","source_ref":"indicator--%08x-0000-4000-8000-%012x","target_ref":"malware--%08x-0000-4000-8000-000000000000"}`, id, i+1, i+1, i/20%3)
		case 1, 2, 3, 4:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","created_by_ref":"identity--00000000-0000-4000-8000-00000000000%d","name":"n%d","pattern":"[domain-name:value = 'h%d.example.com'] OR [ipv4-addr:value = '10.0.%d.%d' OR ipv6-addr:value = '2001:db8::%x' OR url:value = 'https://x%d.example/a']","pattern_type":"stix","valid_from":"2024-03-01T10:00:00Z","labels":["l%d","informational"],"confidence":%d,"object_marking_refs":["%s"]}`, id, i%3, i, i, i>>8&255, i&255, i, i, i%4, i%101, mark(i))
		case 5:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":"[domain-name:value LIKE 'x%%'] OR [url:value = 'http://u%d.example/'] OR [file:name MATCHES 'a']","valid_from":"2024-03-01T10:00:00Z"}`, id, i)
		case 6:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":"[ipv4-addr:value = '%s1.1.1.%d'] OR [email-addr:value = 'a%d@example.org']"}`, id, bv, i%256, i)
		case 7:
			fmt.Fprintf(w, `{"type":"malware","id":"malware--%08x-0000-4000-8000-000000000000","name":"Agent%d","aliases":["X%d","agent%d"]}`, i/20%3, i/20%3, i%3, i%5)
		case 8:
			fmt.Fprintf(w, `{"type":"marking-definition","id":"%s","definition_type":"tlp","definition":{"tlp":"%s"}}`, mark(i), []string{"red", "amber", "green", "clear"}[i%4])
		case 9:
			if bad {
				fmt.Fprintf(w, `{"type":"indicator","pattern":"[domain-name:value = 'noid.example']"}`)
			} else {
				fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":"[domain-name:value = 'id%d.example']"}`, id, i)
			}
		case 10:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","revoked":true,"pattern":"[domain-name:value = 'r.example']"}`, id)
		case 11:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern_type":"yara","pattern":"rule r%d { condition: true }"}`, id, i)
		case 12:
			fmt.Fprintf(w, `{"type":"sighting","id":"sighting--%s","sighting_of_ref":"indicator--%s"}`, id, id)
		case 13:
			fmt.Fprintf(w, `{"type":"attack-pattern","id":"attack-pattern--%s","name":"T%d"}`, id, i)
		case 14:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":"[file:hashes.MD5 = '%032x' AND file:name = 'f%d.exe']","valid_from":"2024-03-01T10:00:00Z","valid_until":"%s-03-01T10:00:00Z"}`, id, i, i, map[bool]string{true: "2023", false: "2025"}[bad])
		case 15:
			fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":"[file:hashes.'SHA-256' = '%064x']","confidence":%s}`, id, i, map[bool]string{true: `"high"`, false: "50"}[bad])
		case 16:
			fmt.Fprintf(w, `{"type":"identity","id":"identity--00000000-0000-4000-8000-00000000000%d","name":"CERT-%d"}`, i%3, i%3)
		case 17:
			fmt.Fprintf(w, `{"type":"relationship","id":"relationship--%s","relationship_type":"indicates","source_ref":"indicator--%08x-0000-4000-8000-%012x","target_ref":"intrusion-set--%s"}`, id, i-16, i-16, id)
		case 18:
			if bad && i%40 == 18 {
				fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":tru}`, id)
			} else {
				fmt.Fprintf(w, `{"type":"indicator","id":"indicator--%s","pattern":"[url:value = 'http://p%d.example/\u00e9']"}`, id, i)
			}
		default:
			fmt.Fprintf(w, `{"type":"intrusion-set","id":"intrusion-set--%s","name":"agent%d","x_mitre_aliases":["Y%d"]}`, id, i%5, i)
		}
	}
	w.WriteString("\n]}\n")
}

// TestDecodeParallelSameAsSequential checks that the pipeline gives the
// collection, or the error, that reading one object at a time gives.
func TestDecodeParallelSameAsSequential(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	}
	var plain, broken bytes.Buffer
	writeMixedBundle(&plain, 20_000, 0)
	writeMixedBundle(&broken, 20_000, 10_000) // malformed objects from the 10,000th on
	for _, tc := range []struct {
		name string
		in   []byte
		opts indicator.ReadOptions
		err  string // part of the expected error, "" for none
	}{
		{"lenient", plain.Bytes(), indicator.ReadOptions{Name: "b", Lenient: true, Source: "S", TLP: indicator.TLPAmber}, ""},
		{"lenient broken", broken.Bytes(), indicator.ReadOptions{Name: "b", Lenient: true}, ""},
		{"strict", plain.Bytes(), indicator.ReadOptions{Name: "b"}, "object indicator--00000006-0000-4000-8000-000000000006: bad ipv4"},
		{"strict late", broken.Bytes(), indicator.ReadOptions{Name: "b"}, "object indicator--00002716-0000-4000-8000-000000002716: bad ipv4"},
		{"too many objects", plain.Bytes(), indicator.ReadOptions{Name: "b", Lenient: true, MaxItems: 15_000}, "more than 15000 objects"},
		{"too many indicators", broken.Bytes(), indicator.ReadOptions{Name: "b", Lenient: true, MaxItems: 20_500}, "more than 20500 indicators"},
		{"truncated", plain.Bytes()[:len(plain.Bytes())*3/4], indicator.ReadOptions{Name: "b", Lenient: true}, "unexpected end of input"},
		{"too big", plain.Bytes(), indicator.ReadOptions{Name: "b", Lenient: true, MaxBytes: int64(plain.Len() / 2)}, "larger than the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, serr := decode(bytes.NewReader(tc.in), tc.opts, -1, 0)
			par, perr := decode(bytes.NewReader(tc.in), tc.opts, pipelineAfter, batchSize)
			if fmt.Sprint(serr) != fmt.Sprint(perr) {
				t.Fatalf("errors differ:\nsequential: %v\nparallel:   %v", serr, perr)
			}
			if tc.err != "" {
				if serr == nil || !strings.Contains(serr.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", serr, tc.err)
				}
				return
			}
			if serr != nil {
				t.Fatal(serr)
			}
			if !reflect.DeepEqual(seq, par) {
				t.Fatalf("collections differ: %d/%d indicators, %d/%d problems, %d/%d threats",
					len(seq.Indicators), len(par.Indicators), len(seq.Problems), len(par.Problems), len(seq.Threats), len(par.Threats))
			}
			// The bundle exercises what it is meant to.
			if len(seq.Indicators) < 10_000 || len(seq.Problems) < 1000 || len(seq.Threats) == 0 || len(seq.Skipped) < 4 {
				t.Fatalf("bundle too plain: %d indicators, %d problems, %d threats, skipped %v",
					len(seq.Indicators), len(seq.Problems), len(seq.Threats), seq.Skipped)
			}
			withThreat, withMarking := 0, 0
			for _, ind := range seq.Indicators {
				if len(ind.Threats) > 0 {
					withThreat++
				}
				if ind.TLP == indicator.TLPRed {
					withMarking++
				}
			}
			if withThreat == 0 || withMarking == 0 {
				t.Fatalf("no indicator got a threat (%d) or a marking defined in the bundle (%d)", withThreat, withMarking)
			}
		})
	}
}
