package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

// TestDecompress: gzip, xz and bzip2 streams are sniffed and read, and a
// stream that expands beyond its bound stops with ErrLimit.
func TestDecompress(t *testing.T) {
	text := strings.Repeat("hello stream\n", 1000)
	var gz, xzb bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	xw, _ := xz.NewWriter(&xzb)
	xw.Write([]byte(text))
	xw.Close()
	bz := readTestdata(t, "hello.bz2") // bzip2 -c of "hello stream\n"
	for _, tt := range []struct {
		kind string
		data []byte
		want string
	}{{KindGzip, gz.Bytes(), text}, {KindXz, xzb.Bytes(), text}, {KindBzip2, bz, "hello stream\n"}} {
		if k := SniffStream(tt.data); k != tt.kind {
			t.Errorf("sniffed %q, want %q", k, tt.kind)
		}
		rc, err := Decompress(tt.kind, bytes.NewReader(tt.data), 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %d bytes, %v", tt.kind, len(got), err)
		}
		rc, _ = Decompress(tt.kind, bytes.NewReader(tt.data), 5, 0)
		if _, err := io.ReadAll(rc); !errors.Is(err, ErrLimit) {
			t.Errorf("%s: bounded to 5 bytes: %v", tt.kind, err)
		}
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "a.txt", Mode: 0o644, Size: 2, Format: tar.FormatGNU})
	tw.Write([]byte("hi"))
	tw.Close()
	if k := SniffStream(tb.Bytes()); k != KindTar {
		t.Errorf("tar sniffed as %q", k)
	}
	if k := SniffStream([]byte("From: a\r\n\r\nbody")); k != "" {
		t.Errorf("mail sniffed as %q", k)
	}
}

// TestStream7z: an entry of a solid 7-Zip archive read as a stream.
func TestStream7z(t *testing.T) {
	a, err := Open(readTestdata(t, "solid.7z"), Kind7z, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range a.Entries {
		if e.Name != "docs/report.txt" {
			continue
		}
		rc, err := a.Stream(i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != "hello report\n" {
			t.Errorf("stream %q, %v", b, err)
		}
		if a.Expanded() < int64(len(b)) {
			t.Errorf("expanded %d bytes not counted", a.Expanded())
		}
		return
	}
	t.Fatal("docs/report.txt not found")
}
