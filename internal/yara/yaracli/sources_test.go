package yaracli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/yara"
)

// TestLoadSourcesStreamed checks that rule files are read as they are
// compiled: loading 300 of them holds no descriptor, a compile that
// stops at an error closes what it opened, and a missing file or a
// directory is refused when loaded, as before.
func TestLoadSourcesStreamed(t *testing.T) {
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd")
		}
		return len(ents)
	}
	dir := t.TempDir()
	var args []string
	for i := 0; i < 300; i++ {
		p := filepath.Join(dir, fmt.Sprintf("r%d.yar", i))
		if err := os.WriteFile(p, []byte(fmt.Sprintf("rule r%d { strings: $a = \"needle-%d-end\" condition: $a }\n", i, i)), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	before := fds()
	srcs, err := LoadSources(args)
	if err != nil {
		t.Fatal(err)
	}
	if n := fds(); n != before {
		t.Errorf("%d descriptors open after loading 300 rule files, want %d", n, before)
	}
	for _, s := range srcs {
		if s.Data != nil || s.Reader == nil {
			t.Fatalf("%s: read whole, want streamed", s.Name)
		}
	}
	rules, err := Compile(args, nil, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := rules.ScanBytes(context.Background(), []byte("xx needle-299-end needle-7-end"), yara.ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Errorf("%d matches, want 2", len(ms))
	}
	if n := fds(); n != before {
		t.Errorf("%d descriptors open after compiling, want %d", n, before)
	}
	bad := filepath.Join(dir, "bad.yar")
	os.WriteFile(bad, []byte("rule bad { condition: nope }\n"), 0o644)
	if _, err := Compile(append([]string{bad}, args[:5]...), nil, true, io.Discard); err == nil {
		t.Error("undefined identifier accepted")
	}
	if n := fds(); n != before {
		t.Errorf("%d descriptors open after a failed compile, want %d", n, before)
	}
	for _, p := range []string{filepath.Join(dir, "missing.yar"), dir} {
		if _, err := LoadSources([]string{p}); err == nil || !strings.Contains(err.Error(), "reading rules") {
			t.Errorf("%s: error %v, want a reading error", p, err)
		}
	}
}
