package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/docmeta/doctest"
)

// metaDocs are documents built by internal/docmeta's tests (see its
// builders_test.go; regenerate with `go test ./internal/docmeta -update`).
const metaDocs = "../../internal/docmeta/testdata/docs"

func runMetaCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"meta"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMetaJSONGolden(t *testing.T) {
	files := []string{"budget.docx", "notes.odt", "rapport.doc", "programme-edited.pdf", "communique.rtf"}
	var args []string
	for _, f := range files {
		args = append(args, filepath.Join(metaDocs, f))
	}
	code, out, stderr := runMetaCmd(t, append([]string{"--json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	var arr []map[string]any
	if err := json.Unmarshal([]byte(out), &arr); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(arr) != len(files) || arr[0]["SourceFile"] == nil || arr[0]["XMP-dc:Creator"] != "Jean Dupont" {
		t.Fatalf("unexpected output: %s", out)
	}
	golden := filepath.Join("testdata", "meta", "golden.json")
	if os.Getenv("VIGIE_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (set VIGIE_UPDATE_GOLDEN=1 to create it)", err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (set VIGIE_UPDATE_GOLDEN=1 and review the diff):\n%s", golden, out)
	}
}

func TestMetaExitCodes(t *testing.T) {
	staff := filepath.Join(t.TempDir(), "staff.txt")
	os.WriteFile(staff, []byte("# staff\nJean Dupont\nMartin, Marie\n"), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout
	}{
		{"read fine", []string{filepath.Join(metaDocs, "rapport.doc")}, 0, "Jean Dupont"},
		{"anomalies", []string{"--staff", staff, "--tz", "+01:00,+02:00", filepath.Join(metaDocs, "moscou.doc")}, 1, "UTC+03:00"},
		{"no anomaly", []string{"--staff", staff, "--tz", "+01:00,+02:00", filepath.Join(metaDocs, "rapport.doc")}, 0, "UTC+02:00"},
		{"unreadable file, others printed", []string{filepath.Join(metaDocs, "missing.doc"), filepath.Join(metaDocs, "notes.odt")}, 2, "LibreOffice"},
		{"directory", []string{"--check", metaDocs}, 1, "programme.pdf"},
		{"bad tz", []string{"--tz", "3", filepath.Join(metaDocs, "notes.odt")}, 3, ""},
		{"bad theft date", []string{"--theft", "yesterday", filepath.Join(metaDocs, "notes.odt")}, 3, ""},
		{"no args", nil, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, stderr := runMetaCmd(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %s)", code, tt.code, stderr)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, out)
			}
		})
	}
}

// TestMetaText: --text prints the text the leak authenticator compares,
// says which formats have none, and exits 2 when a file cannot be read.
func TestMetaText(t *testing.T) {
	dir := t.TempDir()
	xls := doctest.XLS(doctest.Sheet{Name: "Dépenses", Rows: [][]any{{"Poste", "Montant"}, {"Salle à Lyon", 12500}}})
	files := map[string][]byte{
		"depenses.xls": xls,
		"speech.rtf":   []byte(`{\rtf1\ansi{\fonttbl{\f0 Arial;}}\f0 We will reform the school.\par Thank you.\par}`),
		"photo.png":    []byte("\x89PNG\r\n\x1a\n"),
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, stderr := runMetaCmd(t, "--text", dir)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	for _, want := range []string{
		"==> " + filepath.Join(dir, "depenses.xls") + " <==\nDépenses\nPoste\tMontant\nSalle à Lyon\t12500\n",
		"We will reform the school.\nThank you.\n",
		"==> " + filepath.Join(dir, "photo.png") + " <==\n(no text is read from files of this format)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	os.WriteFile(filepath.Join(dir, "broken.docx"), []byte("PK\x03\x04 not a zip"), 0o644)
	if code, _, stderr := runMetaCmd(t, "--text", filepath.Join(dir, "broken.docx")); code != 2 || !strings.Contains(stderr, "broken.docx") {
		t.Errorf("broken file: exit %d, stderr %q", code, stderr)
	}
	if code, _, _ := runMetaCmd(t, "--text", "--json", dir); code != 3 {
		t.Errorf("--text --json: exit %d, want 3", code)
	}
}
