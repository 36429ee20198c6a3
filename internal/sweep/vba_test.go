package sweep

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"github.com/vigie-project/vigie/internal/cfb"
	"strings"
	"testing"
)

// The examples of [MS-OVBA] section 3.2.
func TestDecompressVBASpecExamples(t *testing.T) {
	for _, tc := range []struct{ name, compressed, want string }{
		// One literal, then a copy token of length 72 at distance 1.
		{"no compression", "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E", "abcdefghijklmnopqrstuv."},
		{"normal compression", "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C",
			"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"},
		{"maximum compression", "01 03 B0 02 61 45 00", strings.Repeat("a", 73)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := hex.DecodeString(strings.ReplaceAll(tc.compressed, " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			got, err := decompressVBA(in, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecompressVBARoundTripAndErrors(t *testing.T) {
	src := bytes.Repeat([]byte("Sub AutoOpen()\r\n"), 700) // several chunks
	got, err := decompressVBA(compressLiteral(src), 1<<20)
	if err != nil || !bytes.Equal(got, src) {
		t.Fatalf("round trip failed: %v", err)
	}
	if _, err := decompressVBA(compressLiteral(src), 100); !errors.As(err, new(*errLimit)) {
		t.Errorf("want a limit error, got %v", err)
	}
	for name, in := range map[string][]byte{
		"empty":         nil,
		"no signature":  {0x02, 0x00},
		"bad chunk sig": {0x01, 0x00, 0x00},
		"back too far":  {0x01, 0x03, 0xB0, 0x01, 0xFF, 0xFF},
		"truncated":     {0x01, 0x19},
	} {
		if _, err := decompressVBA(in, 1<<20); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestParseVBADir(t *testing.T) {
	mods, err := parseVBADir(vbaDir("Module1", 1234))
	if err != nil || len(mods) != 1 || mods[0].stream != "Module1" || mods[0].offset != 1234 {
		t.Fatalf("mods %+v err %v", mods, err)
	}
	if _, err := parseVBADir([]byte{0x19, 0, 0xff, 0xff, 0, 0}); err == nil {
		t.Error("want an error for a record running past the end")
	}
}

func TestOLEVBAExtraction(t *testing.T) {
	ole := makeVBAProject(macroSource)
	c, err := cfb.Open(bytes.NewReader(ole), int64(len(ole)), cfb.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	st := vbaStorages(c)
	if len(st) != 1 || st[0].path != "VBA" {
		t.Fatalf("storages %+v", st)
	}
	// Truncated or corrupted compound files are errors, never panics.
	for _, n := range []int{10, 511, 600, 1100, len(ole) - 600} {
		if _, err := cfb.Open(bytes.NewReader(ole[:n]), int64(n), cfb.Limits{}); err == nil && n < 1024 {
			t.Errorf("truncated at %d: want an error", n)
		}
	}
}

// FuzzContainers feeds arbitrary bytes to the container readers (zip,
// gzip, tar, OLE/VBA) through the same path the sweep uses.
func FuzzContainers(f *testing.F) {
	f.Add(makeVBAProject(macroSource))
	f.Add(makeDocm(f, macroSource))
	f.Add(makeTarGz(f, "x.tar", [2]string{"a", "b"}))
	f.Add(makeZip(f, [2]string{"a.zip", string(makeZip(f, [2]string{"b", "c"}))}))
	f.Add(compressLiteral([]byte(macroSource)))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(nil, nil, &markerEngine{}, Options{Paths: []string{"x"}, MaxSize: 1 << 20,
			Limits: Limits{MaxDepth: 3, MaxExpanded: 4 << 20, MaxRatio: 100, MaxEntries: 100}})
		w := s.newWorker()
		it := item{vpath: "fuzz", base: "fuzz", dir: "."}
		w.examineData(context.Background(), it, data, 0, &budget{top: int64(len(data))})
		decompressVBA(data, 1<<20)
		parseVBADir(data)
	})
}
