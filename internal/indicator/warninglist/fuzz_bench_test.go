package warninglist

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

func FuzzWarninglistParse(f *testing.F) {
	f.Add([]byte(`{"name":"a","type":"string","list":["x"],"matching_attributes":["md5"]}`), "x")
	f.Add([]byte(`{"name":"h","type":"hostname","list":["google.com"]}`), "mail.google.com")
	f.Add([]byte(`{"name":"c","type":"cidr","list":["10.0.0.0/8","::ffff:1.2.3.0/120","2001:db8::/32"]}`), "10.1.2.3")
	f.Add([]byte(`{"name":"r","type":"regex","list":["/^a.*b$/im","#x#","(?<!y)"]}`), "ab")
	f.Add([]byte(`{"name":"s","type":"substring","list":["evil"]}`), "http://evil.example/")
	f.Fuzz(func(t *testing.T, data []byte, value string) {
		l, err := Parse(strings.NewReader(string(data)), "fuzz.json")
		if l == nil {
			if err == nil {
				t.Fatal("nil list without error")
			}
			return
		}
		s := NewSet(l)
		for _, typ := range indicator.Types {
			name, ok := s.Match(typ, value)
			if ok != (name != "") {
				t.Fatalf("Match(%s, %q) = %q, %v", typ, value, name, ok)
			}
		}
	})
}

// corpusLists is the warninglists directory of the shared corpus, when
// VIGIE_CORPUS is set.
func corpusLists(tb testing.TB) string {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		tb.Skip("VIGIE_CORPUS not set")
	}
	return filepath.Join(root, "intel", "misp", "warninglists")
}

// TestCorpus loads MISP's own warning lists from the shared corpus:
//
//	VIGIE_CORPUS=/work/shared/corpus go test -run TestCorpus -v ./internal/indicator/warninglist
func TestCorpus(t *testing.T) {
	set, err := LoadDir(corpusLists(t))
	if err != nil {
		t.Errorf("%v", err)
	}
	for _, l := range set.Lists() {
		t.Logf("%-70s %-9s %5d entries, for %v", l.Name, l.Type, len(l.Entries), l.Attributes)
	}
	checks := []struct {
		typ  indicator.Type
		v    string
		want bool
	}{
		{indicator.IPv4, "192.168.0.1", true},
		{indicator.IPv4, "209.85.128.5", true},
		{indicator.MD5, "d41d8cd98f00b204e9800998ecf8427e", true},
		{indicator.Email, "abuse@example.org", true},
		{indicator.Domain, "bit.ly", true},
		{indicator.URL, "https://app.any.run/tasks/x", true},
		{indicator.IPv4, "185.86.148.227", false},
		{indicator.Domain, "accounts-google.com", false},
	}
	for _, c := range checks {
		name, ok := set.Match(c.typ, c.v)
		if ok != c.want {
			t.Errorf("Match(%s, %q) = %q, %v; want %v", c.typ, c.v, name, ok, c.want)
		}
	}
}

// sample makes n indicators, about 1% of them on the built-in lists.
func sample(n int) []indicator.Indicator {
	out := make([]indicator.Indicator, n)
	for i := range out {
		switch i % 5 {
		case 0:
			out[i] = indicator.Indicator{Type: indicator.Domain, Value: fmt.Sprintf("host%d.evil-%d.example", i, i%977)}
		case 1:
			out[i] = indicator.Indicator{Type: indicator.IPv4, Value: fmt.Sprintf("%d.%d.%d.%d", 11+i%100, i>>16&255, i>>8&255, i&255)}
		case 2:
			out[i] = indicator.Indicator{Type: indicator.SHA256, Value: fmt.Sprintf("%064x", i)}
		case 3:
			out[i] = indicator.Indicator{Type: indicator.URL, Value: fmt.Sprintf("http://login-%d.example.net/path/%d", i%1000, i)}
		case 4:
			out[i] = indicator.Indicator{Type: indicator.Email, Value: fmt.Sprintf("user%d@mail-%d.example", i, i%300)}
		}
		if i%100 == 0 {
			out[i] = indicator.Indicator{Type: indicator.Domain, Value: fmt.Sprintf("s%d.google.com", i)}
		}
	}
	return out
}

func BenchmarkMatch(b *testing.B) {
	s := Builtin()
	inds := sample(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ind := &inds[i%len(inds)]
		s.Match(ind.Type, ind.Value)
	}
}

// BenchmarkMatchCorpusLists matches against MISP's lists from the corpus
// (regex and substring lists included) plus the built-in ones.
func BenchmarkMatchCorpusLists(b *testing.B) {
	set, err := LoadDir(corpusLists(b))
	if err != nil {
		b.Fatal(err)
	}
	s := set.Merge(Builtin())
	inds := sample(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ind := &inds[i%len(inds)]
		s.Match(ind.Type, ind.Value)
	}
}

func BenchmarkApply1M(b *testing.B) {
	s := Builtin()
	base := sample(1_000_000)
	c := &indicator.Collection{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c.Indicators = append(c.Indicators[:0], base...)
		c.Problems = c.Problems[:0]
		b.StartTimer()
		n := Apply(c, s)
		if n != 10_000 {
			b.Fatalf("removed %d, want 10000", n)
		}
	}
}
