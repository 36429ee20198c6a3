package mail

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestTextGolden pins the text report people read, for a phishing and a
// malicious message.
func TestTextGolden(t *testing.T) {
	macroDoc := zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/vbaProject.bin": "x"})
	cases := map[string][]byte{
		"podesta.txt": tmsg{from: "Google <no-reply@accounts.googlemail.com>", subject: "*Someone has your password*", html: podestaHTML}.bytes(),
		"macro.txt":   tmsg{from: "Jean Dupont <jean.dupont@example.org>", subject: "Programme", text: "Ci-joint le programme.", atts: []tatt{{name: "programme.docm", data: macroDoc}}}.bytes(),
	}
	a := testAnalyzer(t, Options{ForwardTo: "securite@en-marche.fr"})
	for name, raw := range cases {
		var b bytes.Buffer
		if err := WriteText(&b, a.Analyze(context.Background(), name, raw, nil)); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", name)
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, b.Bytes(), want)
		}
	}
}
