package sweep

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/report"
)

// TestUnreadableFileReported: a file that cannot be opened — locked by
// another program on Windows (share mode 0), unreadable on Linux — whose
// name is an indicator's (pagemgr.exe) is reported for its name, and
// every file that could not be examined is a "could not be read" finding,
// so the volunteer never reads "nothing suspicious found" after a partial
// scan. The open error is injected (root reads every file); the real
// permission case runs too when the test is not root.
func TestUnreadableFileReported(t *testing.T) {
	root := t.TempDir()
	tool := filepath.Join(root, "tools", "pagemgr.exe")
	locked := filepath.Join(root, "docs", "budget.xlsx")
	write(t, tool, []byte("MZ attacker tool"))
	write(t, locked, []byte("PK spreadsheet"))
	write(t, filepath.Join(root, "docs", "ok.txt"), []byte("fine"))
	denied := map[string]error{
		"pagemgr.exe": &fs.PathError{Op: "open", Path: tool, Err: fs.ErrPermission},
		"budget.xlsx": &fs.PathError{Op: "open", Path: locked, Err: errors.New("The process cannot access the file because it is being used by another process.")},
	}

	res := runSweepWith(t, []string{root}, func(s *Scanner) {
		s.openFn = func(r *os.Root, name string) (*os.File, error) {
			if err, ok := denied[filepath.Base(name)]; ok {
				return nil, err
			}
			return openFile(r, name)
		}
	})
	var nameHit bool
	unread := map[string]*report.Finding{}
	for _, f := range res.findings {
		switch {
		case f.Subject.Path == tool && f.Match.Kind == "indicator" && f.Match.Value == "pagemgr.exe":
			nameHit = true
		case f.Match.Type == "unreadable":
			unread[f.Subject.Path] = f
		}
	}
	if !nameHit {
		t.Errorf("the unreadable pagemgr.exe was not reported for its name; findings: %v", paths(res.findings))
	}
	for _, p := range []string{tool, locked} {
		f := unread[p]
		if f == nil {
			t.Errorf("%s: no \"could not be read\" finding", p)
			continue
		}
		if f.Severity != report.Low || !strings.Contains(f.Title, "could not be read") || !strings.Contains(f.Advice, "partial") ||
			len(f.Evidence) == 0 || !strings.Contains(f.Evidence[0].Data, filepath.Base(p)) {
			t.Errorf("%s: finding %+v", p, f)
		}
	}
	if len(unread) != 2 {
		t.Errorf("want 2 unreadable findings, got %v", paths(res.findings))
	}
	if n := res.sum.Extra["could_not_be_read"]; n != 2 {
		t.Errorf("summary could_not_be_read = %d, want 2", n)
	}
	if len(res.errs) != 0 {
		t.Errorf("reported as findings, not errors: %q", res.errs)
	}

	// the same file given as the path to scan
	res = runSweepWith(t, []string{tool}, func(s *Scanner) {
		s.openFn = func(*os.Root, string) (*os.File, error) { return nil, denied["pagemgr.exe"] }
	})
	if len(res.findings) != 2 {
		t.Errorf("file given alone: want the name match and could-not-be-read, got %v", paths(res.findings))
	}

	if os.Geteuid() == 0 {
		// root reads every file: the real permission case runs in a copy
		// of this test as the unprivileged user nobody (uid 65534)
		asNobody(t, "TestUnreadableFileReported")
		return
	}
	os.Chmod(tool, 0)
	dir := filepath.Join(root, "private")
	write(t, filepath.Join(dir, "x.txt"), []byte("x"))
	os.Chmod(dir, 0)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	res = runSweep(t, []string{root}, nil)
	got := paths(res.findings)
	for _, w := range []string{tool + " indicator", tool + " check", dir + " check"} {
		if !strings.Contains(got, w) {
			t.Errorf("mode 000: want %q among %s", w, got)
		}
	}
}

func paths(fs []*report.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Subject.Path + " " + f.Match.Kind + "\n")
	}
	return b.String()
}
