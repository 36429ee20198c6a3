package yara

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// TestCorpus compiles the signature-base rule sets of the shared corpus and
// checks the matches on the planted positives against libyara's expected
// output. It runs only when VIGIE_CORPUS points at the corpus
// (e.g. VIGIE_CORPUS=/work/shared/corpus); VIGIE_CORPUS_SET selects
// "apt28" (default) or "full".
func TestCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	set := os.Getenv("VIGIE_CORPUS_SET")
	if set == "" {
		set = "apt28"
	}
	rdir := filepath.Join(root, "rules")
	list, err := os.ReadFile(filepath.Join(rdir, "set_"+set+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, f := range strings.Fields(string(list)) {
		b, err := os.ReadFile(filepath.Join(rdir, "signature-base-yara", f))
		if err != nil {
			t.Fatal(err)
		}
		src = append(append(src, b...), '\n')
	}
	ext := map[string]any{"filename": "XXX", "filepath": "XXX", "extension": "XXX", "filetype": "XXX", "owner": "XXX"}
	rules, _, err := Compile([]Source{{Name: "set_" + set + ".yar", Data: src}}, CompileOptions{Externals: ext})
	if err != nil {
		t.Fatal(err)
	}
	pdir := filepath.Join(rdir, "positives")
	ents, err := os.ReadDir(pdir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range ents {
		ms, err := rules.ScanFile(context.Background(), filepath.Join(pdir, e.Name()), ScanOptions{NoStringData: true})
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		for _, m := range ms {
			got[m.Rule+" "+e.Name()] = true
		}
	}
	want := map[string]bool{}
	f, err := os.Open(filepath.Join(rdir, "expected_positives_"+set+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			want[l] = true
		}
	}
	var missed, extra []string
	for k := range want {
		if !got[k] {
			missed = append(missed, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missed)
	sort.Strings(extra)
	for _, m := range missed {
		t.Errorf("missed: %s", m)
	}
	for _, m := range extra {
		t.Errorf("extra: %s", m)
	}
	t.Logf("set=%s expected=%d got=%d missed=%d extra=%d", set, len(want), len(got), len(missed), len(extra))
}

// corpusRules compiles a signature-base set of the shared corpus (see
// TestCorpus); it skips unless VIGIE_CORPUS is set.
func corpusRules(tb testing.TB) *Rules {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		tb.Skip("VIGIE_CORPUS not set")
	}
	set := os.Getenv("VIGIE_CORPUS_SET")
	if set == "" {
		set = "apt28"
	}
	rdir := filepath.Join(root, "rules")
	list, err := os.ReadFile(filepath.Join(rdir, "set_"+set+".txt"))
	if err != nil {
		tb.Fatal(err)
	}
	var src []byte
	for _, f := range strings.Fields(string(list)) {
		b, err := os.ReadFile(filepath.Join(rdir, "signature-base-yara", f))
		if err != nil {
			tb.Fatal(err)
		}
		src = append(append(src, b...), '\n')
	}
	ext := map[string]any{"filename": "XXX", "filepath": "XXX", "extension": "XXX", "filetype": "XXX", "owner": "XXX"}
	rules, _, err := Compile([]Source{{Name: "set_" + set + ".yar", Data: src}}, CompileOptions{Externals: ext})
	if err != nil {
		tb.Fatal(err)
	}
	return rules
}

// TestCorpusCompiledEquivalence saves and reloads a corpus rule set and
// checks that both scan the planted positives identically.
func TestCorpusCompiledEquivalence(t *testing.T) {
	fresh := corpusRules(t)
	loaded := roundTrip(t, fresh)
	pdir := filepath.Join(os.Getenv("VIGIE_CORPUS"), "rules", "positives")
	ents, err := os.ReadDir(pdir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(pdir, e.Name())
		want, err1 := fresh.ScanFile(context.Background(), p, ScanOptions{})
		got, err2 := loaded.ScanFile(context.Background(), p, ScanOptions{})
		if (err1 == nil) != (err2 == nil) || !reflect.DeepEqual(want, got) {
			t.Errorf("%s: fresh %v %v, loaded %v %v", e.Name(), matchNames(want), err1, matchNames(got), err2)
		}
	}
	t.Logf("%d files, %d bytes compiled", len(ents), len(fresh.MarshalCompiled()))
}

// BenchmarkLoadCompiled decodes a saved corpus rule set.
func BenchmarkLoadCompiled(b *testing.B) {
	data := corpusRules(b).MarshalCompiled()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := LoadCompiled(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileCorpus compiles a corpus rule set (VIGIE_CORPUS_SET,
// default apt28) and reports the live heap the compiled rules keep
// (live-MB), the figure compared with libyara's RSS in BENCHMARKS.md.
func BenchmarkCompileCorpus(b *testing.B) {
	for i := 0; i < b.N; i++ {
		benchKeep = corpusRules(b)
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "live-MB")
}

// benchKeep holds the last compiled rules so that a -memprofile written
// after the benchmark shows what they keep.
var benchKeep *Rules

// BenchmarkScanCorpusDir scans every regular file under VIGIE_SCAN_DIR
// (e.g. a corpus of make_corpus.sh) with a corpus rule set, one file at a
// time; it skips unless VIGIE_CORPUS and VIGIE_SCAN_DIR are set.
func BenchmarkScanCorpusDir(b *testing.B) {
	dir := os.Getenv("VIGIE_SCAN_DIR")
	if dir == "" {
		b.Skip("VIGIE_SCAN_DIR not set")
	}
	rules := corpusRules(b)
	var files []string
	var total int64
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				files = append(files, p)
				total += fi.Size()
			}
		}
		return nil
	})
	b.SetBytes(total)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, p := range files {
			if _, err := rules.ScanFile(context.Background(), p, ScanOptions{}); err != nil {
				b.Fatalf("%s: %v", p, err)
			}
		}
	}
}
