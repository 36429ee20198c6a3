package sweep

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// marker is what the test rule engine looks for. It is longer than 8 bytes,
// so that it never appears whole in literal-only VBA compression (a flag
// byte comes every 8 literals): only the decompressed macro matches.
const marker = "EVIL-MARKER-42"

// markerEngine is a RuleEngine matching files that contain marker. It
// records the externals it was given, by file name.
type markerEngine struct {
	mu   sync.Mutex
	seen map[string]Externals
}

func (e *markerEngine) MaxSize() int64 { return 0 }

func (e *markerEngine) ScanBytes(_ context.Context, data []byte, ext Externals) ([]RuleMatch, error) {
	e.mu.Lock()
	if e.seen == nil {
		e.seen = map[string]Externals{}
	}
	e.seen[ext.Filename] = ext
	e.mu.Unlock()
	i := bytes.Index(data, []byte(marker))
	if i < 0 {
		return nil, nil
	}
	return []RuleMatch{{Rule: "Test_Marker", Source: "test.yar", Score: 80, Threats: []string{"TestGroup"},
		Strings: []report.Evidence{{Name: "$m", Offset: int64(i), Data: marker}}}}, nil
}

func hexSHA256(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
func hexMD5(s string) string    { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

const (
	evilContent  = "this is the planted attacker file\n"
	md5Content   = "an old sample listed by MD5 only\n"
	oddContent   = "planted under an odd name\n"
	deepContent  = "planted at the bottom of a very long path\n"
	macroSource  = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n  Shell \"powershell -enc " + marker + "\"\r\nEnd Sub\r\n"
	benignSource = "Attribute VB_Name = \"Module1\"\r\nSub Hello()\r\n  MsgBox \"hello\"\r\nEnd Sub\r\n"
)

func testIndicators() []indicator.Indicator {
	return []indicator.Indicator{
		{Type: indicator.SHA256, Value: hexSHA256(evilContent), Source: "test", Threats: []string{"APT28"}, TLP: indicator.TLPAmber},
		{Type: indicator.SHA256, Value: hexSHA256(oddContent), Source: "test"},
		{Type: indicator.SHA256, Value: hexSHA256(deepContent), Source: "test"},
		{Type: indicator.MD5, Value: hexMD5(md5Content), Source: "test"},
		{Type: indicator.Filename, Value: "pagemgr.exe", Source: "test", Threats: []string{"APT29"}},
		{Type: indicator.PathRegex, Value: `[/\\]Temp[/\\]svc[a-z]+\.exe$`, Source: "test"},
	}
}

type want struct{ path, kind, value string }

func write(t *testing.T, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// plantTree makes the test tree and returns the findings it must give.
func plantTree(t *testing.T, root string) []want {
	t.Helper()
	idx := func(i int) string { return testIndicators()[i].Value }
	j := func(parts ...string) string { return filepath.Join(append([]string{root}, parts...)...) }
	write(t, j("planted", "evil.bin"), []byte(evilContent))
	write(t, j("docs", "old.dat"), []byte(md5Content))
	write(t, j("docs", "benign.txt"), []byte("nothing to see\n"))
	write(t, j("rule.txt"), []byte("header\n"+marker+"\n"))
	write(t, j("tools", "pagemgr.exe"), []byte("MZ benign content"))
	write(t, j("tools", "putty.exe"), append([]byte("MZ"), make([]byte, 200)...))
	write(t, j("Temp", "svchostx.exe"), []byte("benign"))
	inner := makeZip(t, [2]string{"evil-copy.bin", evilContent}, [2]string{"notes.txt", "x " + marker})
	docm := makeDocm(t, macroSource)
	write(t, j("outer.zip"), makeZip(t,
		[2]string{"readme.txt", "benign"},
		[2]string{"inner/inner.zip", string(inner)},
		[2]string{"docs/a.docm", string(docm)},
	))
	write(t, j("report.docm"), docm)
	write(t, j("clean.docm"), makeDocm(t, benignSource))
	write(t, j("bundle.tar.gz"), makeTarGz(t, "bundle.tar", [2]string{"bin/pagemgr.exe", "x"}, [2]string{"etc/ok.conf", "y"}))
	write(t, j("bomb.zip"), makeZip(t, [2]string{"zeros.bin", strings.Repeat("\x00", 8<<20)}))
	write(t, j("odd\nname\xff.bin"), []byte(oddContent))

	// A path longer than PATH_MAX (4096), made through directory handles.
	r, err := os.OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	deep := root
	seg := strings.Repeat("d", 200)
	for i := 0; i < 24; i++ {
		if err := r.Mkdir(seg, 0o755); err != nil {
			t.Fatal(err)
		}
		sub, err := r.OpenRoot(seg)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		r = sub
		deep = filepath.Join(deep, seg)
	}
	if err := r.WriteFile("deep.bin", []byte(deepContent), 0o644); err != nil {
		t.Fatal(err)
	}
	r.Close()
	if len(deep) < 4096 {
		t.Fatalf("deep path only %d bytes", len(deep))
	}

	// Loops of symbolic links.
	os.Symlink(".", j("docs", "loop"))
	os.Symlink(j("b"), j("a"))
	os.Symlink(j("a"), j("b"))
	os.Symlink(j("planted", "evil.bin"), j("docs", "link-to-evil.bin"))

	return []want{
		{j("planted", "evil.bin"), "indicator", idx(0)},
		{j("docs", "old.dat"), "indicator", idx(3)},
		{j("rule.txt"), "yara", "Test_Marker"},
		{j("tools", "pagemgr.exe"), "indicator", "pagemgr.exe"},
		{j("Temp", "svchostx.exe"), "indicator", idx(5)},
		{j("outer.zip") + "!inner/inner.zip!evil-copy.bin", "indicator", idx(0)},
		{j("outer.zip") + "!inner/inner.zip!notes.txt", "yara", "Test_Marker"},
		{j("outer.zip") + "!docs/a.docm!word/vbaProject.bin!VBA/Module1", "yara", "Test_Marker"},
		{j("report.docm") + "!word/vbaProject.bin!VBA/Module1", "yara", "Test_Marker"},
		{j("bundle.tar.gz") + "!bundle.tar!bin/pagemgr.exe", "indicator", "pagemgr.exe"},
		{j("bomb.zip"), "check", "container-limit"},
		{j("odd\nname\xff.bin"), "indicator", idx(1)},
		{filepath.Join(deep, "deep.bin"), "indicator", idx(2)},
	}
}

type result struct {
	findings []*report.Finding
	errs     []string
	sum      report.Summary
	eng      *markerEngine
}

func runSweep(t *testing.T, paths []string, mod func(*Options)) result {
	t.Helper()
	return runSweepOpts(t, paths, mod, nil)
}

// runSweepWith is runSweep with access to the scanner before it runs.
func runSweepWith(t *testing.T, paths []string, set func(*Scanner)) result {
	t.Helper()
	return runSweepOpts(t, paths, nil, set)
}

func runSweepOpts(t *testing.T, paths []string, mod func(*Options), set func(*Scanner)) result {
	t.Helper()
	inds := testIndicators()
	m := indicator.NewMatcher(inds, indicator.MatcherOptions{})
	var res result
	res.eng = &markerEngine{}
	opts := Options{
		Paths: paths, Threads: 3, Host: "test",
		Limits:    Limits{MaxDepth: 5, MaxExpanded: 4 << 20, MaxRatio: 1000, MaxEntries: 1000},
		Now:       func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) },
		OnFinding: func(f *report.Finding) { res.findings = append(res.findings, f) },
		OnError:   func(p string, err error) { res.errs = append(res.errs, p+": "+err.Error()) },
	}
	if mod != nil {
		mod(&opts)
	}
	var eng RuleEngine = res.eng
	s := New(m, []indicator.Threat{{Name: "APT28", Kind: "intrusion-set", Aliases: []string{"Fancy Bear"}}}, eng, opts)
	if set != nil {
		set(s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sum, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	res.sum = sum
	return res
}

func TestPlantedTree(t *testing.T) {
	root := t.TempDir()
	wants := plantTree(t, root)
	special := makeSpecialFiles(t, root) // FIFO (unix)
	unreadable := makeUnreadable(t, root)
	if unreadable != "" {
		// reported as a finding: the volunteer must know the scan was partial
		wants = append(wants, want{unreadable, "check", "could-not-be-read"})
	}

	res := runSweep(t, []string{root}, nil)

	var got []want
	for _, f := range res.findings {
		got = append(got, want{f.Subject.Path, f.Match.Kind, f.Match.Value})
	}
	key := func(w want) string { return fmt.Sprintf("%q %s %s", w.path, w.kind, w.value) }
	var gs, ws []string
	for _, g := range got {
		gs = append(gs, key(g))
	}
	for _, w := range wants {
		ws = append(ws, key(w))
	}
	sort.Strings(gs)
	sort.Strings(ws)
	if strings.Join(gs, "\n") != strings.Join(ws, "\n") {
		t.Errorf("findings differ\n--- got\n%s\n--- want\n%s", strings.Join(gs, "\n"), strings.Join(ws, "\n"))
	}
	if len(res.errs) != 0 {
		t.Errorf("unexpected errors: %q", res.errs)
	}
	if res.sum.Extra["special_files_skipped"] != int64(special) {
		t.Errorf("special files skipped = %d, want %d", res.sum.Extra["special_files_skipped"], special)
	}
	if res.sum.Extra["container_limits_hit"] != 1 {
		t.Errorf("container limits hit = %d, want 1 (the bomb)", res.sum.Extra["container_limits_hit"])
	}
	// The rule saw Loki's externals.
	ext := res.eng.seen["putty.exe"]
	if ext.Filetype != "EXE" || ext.Extension != ".exe" || ext.Filepath != filepath.Join(root, "tools") {
		t.Errorf("externals for putty.exe = %+v", ext)
	}
	if ext.Owner == "" && os.PathSeparator == '/' {
		t.Errorf("owner external empty")
	}
	// Three documents hold a module named Module1 and the workers run
	// concurrently, so the last one seen may be any of them: what matters is
	// that the path names the container levels down to the VBA storage.
	macroPaths := map[string]bool{
		filepath.Join(root, "report.docm") + "!word/vbaProject.bin!VBA":           true,
		filepath.Join(root, "clean.docm") + "!word/vbaProject.bin!VBA":            true,
		filepath.Join(root, "outer.zip") + "!docs/a.docm!word/vbaProject.bin!VBA": true,
	}
	if e := res.eng.seen["Module1"]; !macroPaths[e.Filepath] {
		t.Errorf("externals for a macro: %+v", e)
	}
	for _, f := range res.findings {
		if f.Subject.Path == filepath.Join(root, "planted", "evil.bin") {
			last := f.Evidence[len(f.Evidence)-1]
			if last.Name != "threat" || last.Data != "APT28" || !strings.Contains(last.Detail, "Fancy Bear") {
				t.Errorf("the threat is not explained: %+v", f.Evidence)
			}
		}
	}
	// Each finding says what to do and has a stable id.
	ids := map[string]bool{}
	for _, f := range res.findings {
		if f.Advice == "" || f.Title == "" || f.ID == "" || f.Schema != report.SchemaVersion {
			t.Errorf("incomplete finding %+v", f)
		}
		if ids[f.ID] {
			t.Errorf("duplicate finding id %s", f.ID)
		}
		ids[f.ID] = true
	}
}

func TestNoWorkWithoutIndicators(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a.bin"), []byte(evilContent))
	s := New(indicator.NewMatcher(nil, indicator.MatcherOptions{}), nil, nil, Options{Paths: []string{root}, Limits: Limits{MaxDepth: 0, MaxExpanded: 1}})
	if s.needContent() {
		t.Fatal("a scanner with no hash indicators, no rules and no containers must not read files")
	}
	sum, err := s.Run(context.Background())
	if err != nil || sum.Examined != 1 || sum.Bytes != 0 {
		t.Errorf("sum %+v err %v: want 1 file examined, 0 bytes read", sum, err)
	}
}

func TestExcludeMaxSizeAndMounts(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "skip", "evil.bin"), []byte(evilContent))
	write(t, filepath.Join(root, "big", "evil.bin"), []byte(evilContent))
	write(t, filepath.Join(root, "x.log"), []byte(evilContent))
	res := runSweep(t, []string{root}, func(o *Options) {
		o.Exclude = []string{filepath.Join(root, "skip"), "*.log"}
		o.MaxSize = 10
	})
	if len(res.findings) != 0 {
		t.Errorf("excluded or too large files gave findings: %v", res.findings)
	}
	if res.sum.Extra["excluded"] != 2 || res.sum.Extra["too_large_skipped"] != 1 {
		t.Errorf("summary %v: want 2 excluded, 1 too large", res.sum.Extra)
	}
}

func TestSingleFileAndMissingPath(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "evil.bin")
	write(t, p, []byte(evilContent))
	res := runSweep(t, []string{p, filepath.Join(root, "nope")}, nil)
	if len(res.findings) != 1 || res.findings[0].Subject.Path != p {
		t.Errorf("findings %v", res.findings)
	}
	if len(res.errs) != 1 {
		t.Errorf("want one error for the missing path, got %q", res.errs)
	}
	s := New(indicator.NewMatcher(nil, indicator.MatcherOptions{}), nil, nil, Options{Paths: []string{filepath.Join(root, "nope")}})
	if _, err := s.Run(context.Background()); err == nil {
		t.Error("want an error when no path exists")
	}
}

func TestContainerLimits(t *testing.T) {
	root := t.TempDir()
	// Too many entries.
	var many [][2]string
	for i := range 50 {
		many = append(many, [2]string{fmt.Sprintf("f%d.txt", i), "x"})
	}
	write(t, filepath.Join(root, "many.zip"), makeZip(t, many...))
	// Too deep: zip in zip in zip ... 8 levels, the evil file at the bottom.
	z := makeZip(t, [2]string{"evil.bin", evilContent})
	for range 7 {
		z = makeZip(t, [2]string{"next.zip", string(z)})
	}
	write(t, filepath.Join(root, "deep.zip"), z)
	res := runSweep(t, []string{root}, func(o *Options) { o.Limits.MaxEntries = 20; o.Limits.MaxDepth = 3 })
	if len(res.findings) != 1 || res.findings[0].Match.Value != "container-limit" || !strings.HasSuffix(res.findings[0].Subject.Path, "many.zip") {
		for _, f := range res.findings {
			t.Logf("finding %s %s", f.Subject.Path, f.Title)
		}
		t.Errorf("want one container-limit finding for many.zip (deep.zip is beyond the depth limit: no finding)")
	}
}

func TestCorruptContainerIsAnErrorNamingIt(t *testing.T) {
	root := t.TempDir()
	z := makeZip(t, [2]string{"a.txt", strings.Repeat("hello ", 100)})
	z[len(z)-30] ^= 0xff // break the central directory
	bad := append([]byte("PK\x03\x04"), make([]byte, 100)...)
	write(t, filepath.Join(root, "bad.zip"), bad)
	res := runSweep(t, []string{root}, nil)
	if len(res.errs) != 1 || !strings.Contains(res.errs[0], "bad.zip") || !strings.Contains(res.errs[0], "zip") {
		t.Errorf("errors %q", res.errs)
	}
}

func TestCancel(t *testing.T) {
	root := t.TempDir()
	for i := range 200 {
		write(t, filepath.Join(root, fmt.Sprintf("d%d", i%10), fmt.Sprintf("f%d", i)), []byte("x"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New(indicator.NewMatcher(testIndicators(), indicator.MatcherOptions{}), nil, nil, Options{Paths: []string{root}})
	if _, err := s.Run(ctx); err == nil {
		t.Error("want the context's error")
	}
}

// Files deleted while the sweep runs are counted as vanished, not errors.
func TestFilesVanishingDuringTheScan(t *testing.T) {
	root := t.TempDir()
	var paths []string
	for i := range 3000 {
		p := filepath.Join(root, fmt.Sprintf("d%02d", i%30), fmt.Sprintf("f%04d", i))
		write(t, p, []byte(evilContent))
		paths = append(paths, p)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := len(paths) - 1; i >= 0; i -= 2 {
			os.Remove(paths[i])
		}
	}()
	res := runSweep(t, []string{root}, func(o *Options) { o.Threads = 1 })
	<-done
	if len(res.errs) != 0 {
		t.Errorf("vanished files reported as errors: %q", res.errs[:min(len(res.errs), 5)])
	}
	if got := res.sum.Examined + res.sum.Extra["vanished"]; got > 3000 || res.sum.Examined < 1500 {
		t.Errorf("examined %d + vanished %d: want 1500..3000", res.sum.Examined, res.sum.Extra["vanished"])
	}
	t.Logf("examined %d, vanished %d", res.sum.Examined, res.sum.Extra["vanished"])
	if len(res.findings) != int(res.sum.Examined) {
		t.Logf("findings %d, examined %d (a file can vanish after being opened: it is still read)", len(res.findings), res.sum.Examined)
	}
}
