package yara

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestHexJumpsLinear scans data dense in partial matches of hex strings
// with unbounded and long jumps; libyara chains such strings and takes
// 0.03 s (1 MB) and 2.6 s (100 KB); a pass over the rest of the data per
// candidate start took minutes.
func TestHexJumpsLinear(t *testing.T) {
	cases := []struct {
		rule string
		size int
		want string
	}{
		{`rule a { strings: $a = { 61 62 [-] 63 [-] 7A 7A } condition: $a }`, 1 << 20, ""},
		{`rule a { strings: $a = { 61 [0-1000] 62 [0-1000] 63 [0-1000] 7A } condition: $a }`, 100_000, ""},
		{`rule a { strings: $a = { 61 [0-1000] 62 [0-1000] 63 } condition: #a == 33333 }`, 100_000, "a"},
	}
	for _, c := range cases {
		data := []byte(strings.Repeat("abc", c.size/3))
		r := compileOne(t, c.rule)
		start := time.Now()
		ms, err := r.ScanBytes(context.Background(), data, ScanOptions{Timeout: 60 * time.Second})
		if err != nil {
			t.Fatalf("%s: %v", c.rule, err)
		}
		if got := matchNames(ms); got != c.want {
			t.Errorf("%s: got %q want %q", c.rule, got, c.want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s on %d bytes took %v", c.rule, len(data), d)
		}
	}
}

// TestTooManyMatches checks that the per-string match limit is reported
// once per string, as libyara warns "too many matches".
func TestTooManyMatches(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = "x" $b = { 78 [-] 79 } condition: #a == 10 and $b }`)
	var got []string
	_, err := r.ScanBytes(context.Background(), []byte(strings.Repeat("x", 50)+"y"), ScanOptions{
		MaxMatchesPerString: 10,
		OnTooManyMatches:    func(rule, id string) { got = append(got, rule+":"+id) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "a:$a a:$b" {
		t.Errorf("reported %q", got)
	}
}
