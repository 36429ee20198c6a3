package hub

import (
	"encoding/json"
	"testing"
)

// FuzzCursors: any cursor is either decoded to a value that re-encodes the
// same, or refused; never a panic.
func FuzzCursors(f *testing.F) {
	for _, s := range []string{"", "0", encodeCursor(42), encodeTaxiiCursor(7, 3), "djEuLTE", "dDEuMS4y", "%%%", "v1.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		if n, err := decodeCursor(c); err == nil && n > 0 {
			if m, err := decodeCursor(encodeCursor(n)); err != nil || m != n {
				t.Fatalf("%q -> %d -> %d %v", c, n, m, err)
			}
		}
		if a, k, err := decodeTaxiiCursor(c); err == nil && c != "" {
			if a2, k2, err := decodeTaxiiCursor(encodeTaxiiCursor(a, k)); err != nil || a2 != a || k2 != k {
				t.Fatalf("%q", c)
			}
		}
		acceptsTAXII(c)
	})
}

// FuzzSighting checks that every item a sensor may send is either turned
// into a valid sighting or refused with a reason.
func FuzzSighting(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","value":"evil.example","type":"domain","observed_at":"2026-01-01T00:00:00Z","count":3}`,
		`{"id":"2","value":"http://x.example/a?b","observed_at":"2026-01-01T00:00:00+02:00"}`,
		`{"id":"3","value":"192.0.2.1","type":"ip","observed_at":"2026-01-01T00:00:00Z","count":-1}`,
		`{"id":"","value":""}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var in SightingIn
		if json.Unmarshal(b, &in) != nil {
			return
		}
		sg, err := checkSighting(in)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty reason")
			}
			return
		}
		if sg.ClientID == "" || sg.Value == "" || sg.Count <= 0 || sg.ObservedAt.IsZero() {
			t.Fatalf("accepted a bad item: %+v", sg)
		}
	})
}
