package leak

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput: each bad item gets a clear error, the run goes on.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	write := func(name string, b []byte) { os.WriteFile(filepath.Join(dump, name), b, 0o644) }
	write("corrupt.zip", []byte("PK\x03\x04garbage"))
	// Nested four deep: the innermost archive is not expanded.
	inner := zipOf(t, [][2]string{{"deep.eml", "From: a@b\r\n\r\nx\r\n"}})
	for i := 0; i < 3; i++ {
		inner = zipOf(t, [][2]string{{"level.zip", string(inner)}})
	}
	write("nested.zip", inner)
	// An encrypted member (flag bit 0 set by hand).
	var enc bytes.Buffer
	zw := zip.NewWriter(&enc)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "secret.docx", Method: zip.Store, Flags: 1})
	w.Write([]byte("ciphertext"))
	zw.Close()
	write("encrypted.zip", enc.Bytes())
	write("notmbox.mbox", []byte("Subject: this is not an mbox\n\nbody\n"))
	write("big.eml", bytes.Repeat([]byte("a"), 2048))
	write("readme.txt", []byte("hello"))
	c := Config{Dump: dump, Limits: DefaultLimits}
	c.Limits.MaxItemSize = 1024
	rep, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"dump/corrupt.zip": "corrupt zip archive",
		"dump/nested.zip!level.zip!level.zip!level.zip": "nested deeper than 3",
		"dump/encrypted.zip!secret.docx":                "encrypted archive member",
		"dump/notmbox.mbox":                             "not an mbox",
		"dump/big.eml":                                  "larger than the 1024-byte limit",
	}
	got := map[string]*Item{}
	for _, it := range rep.Items {
		got[it.Path] = it
	}
	for p, msg := range want {
		it := got[p]
		if it == nil {
			t.Errorf("%s missing; have %v", p, rep.Items)
			continue
		}
		if it.Verdict != Error || !strings.Contains(it.Error, msg) {
			t.Errorf("%s: verdict %s error %q, want error containing %q", p, it.Verdict, it.Error, msg)
		}
	}
	if it := got["dump/readme.txt"]; it == nil || it.Verdict != Unverifiable || it.Kind != KindOther {
		t.Errorf("readme.txt: %+v", it)
	}
}

func TestFormatOf(t *testing.T) {
	for _, c := range []struct{ name, head, want string }{
		{"x.EML", "", "eml"},
		{"noext", "From abc Mon\n", "mbox"},
		{"noext", "Received: x\r\nFrom: a\r\n\r\n", "eml"},
		{"noext", "%PDF-1.7", "pdf"},
		{"noext", "hello: world\n", "unknown"},
		{"a.bin", "PK\x03\x04....[Content_Types].xml", "office-zip"},
		{"a.bin", "PK\x03\x04....", "zip"},
	} {
		if got := formatOf(c.name, []byte(c.head)); got != c.want {
			t.Errorf("formatOf(%q, %q) = %q, want %q", c.name, c.head, got, c.want)
		}
	}
}

func TestNaturalOrder(t *testing.T) {
	if !naturalLess("a.mbox#2", "a.mbox#10") || naturalLess("a.mbox#10", "a.mbox#2") || !naturalLess("a", "b") {
		t.Fatal("natural order")
	}
}
