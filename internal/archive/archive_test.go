package archive

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// testdata: 7z archives made with 7-Zip 26.02 (p7zip-full) from a tree of
// invoice.pdf.exe (an "MZ" stub) and docs/report.txt ("hello report\n"),
// and of photos (holiday.pdf, img1.jpg); ISO images made with genisoimage
// (with -J for joliet.iso) from "Invoice 2024.lnk" and sub/readme.txt.

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func names(a *Archive) []string {
	var out []string
	for _, e := range a.Entries {
		n := e.Name
		if e.Dir {
			n += "/"
		}
		if e.Encrypted {
			n += " (encrypted)"
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func content(t *testing.T, a *Archive, name string) string {
	t.Helper()
	for i, e := range a.Entries {
		if e.Name == name {
			b, err := a.Read(i)
			if err != nil {
				t.Fatalf("reading %s: %v", name, err)
			}
			return string(b)
		}
	}
	t.Fatalf("no entry %s in %v", name, names(a))
	return ""
}

var exeStub = "MZ" + strings.Repeat("0", 100)

func TestOpen(t *testing.T) {
	srcTree := []string{"docs/", "docs/report.txt", "invoice.pdf.exe"}
	tests := []struct {
		file, kind string
		want       []string
		read       map[string]string
	}{
		{"plain.7z", Kind7z, srcTree, map[string]string{"invoice.pdf.exe": exeStub, "docs/report.txt": "hello report\n"}},
		{"solid.7z", Kind7z, []string{"docs/", "docs/report.txt", "holiday.pdf", "img1.jpg", "invoice.pdf.exe"},
			map[string]string{"invoice.pdf.exe": exeStub, "holiday.pdf": "%PDF-1.4 fake"}},
		{"stored_plainheader.7z", Kind7z, srcTree, map[string]string{"invoice.pdf.exe": exeStub}},
		{"ppmd.7z", Kind7z, srcTree, map[string]string{"docs/report.txt": "hello report\n"}},
		{"bz.7z", Kind7z, srcTree, map[string]string{"docs/report.txt": "hello report\n"}},
		{"lzma2.7z", Kind7z, []string{"holiday.pdf", "img1.jpg"}, map[string]string{"holiday.pdf": "%PDF-1.4 fake"}},
		{"enc_names_visible.7z", Kind7z, []string{"docs/", "docs/report.txt (encrypted)", "invoice.pdf.exe (encrypted)"}, nil},
		{"joliet.iso.gz", KindISO, []string{"Invoice 2024.lnk", "sub/", "sub/readme.txt"}, map[string]string{"Invoice 2024.lnk": exeStub, "sub/readme.txt": "x\n"}},
		{"plain.iso.gz", KindISO, []string{"INVOICE_.LNK", "SUB/", "SUB/README.TXT"}, map[string]string{"SUB/README.TXT": "x\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readTestdata(t, tt.file)
			if got := Sniff(data); got != tt.kind {
				t.Errorf("Sniff = %q, want %q", got, tt.kind)
			}
			a, err := Open(data, tt.kind, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := names(a); !slices.Equal(got, tt.want) {
				t.Errorf("entries %q, want %q", got, tt.want)
			}
			for n, want := range tt.read {
				if got := content(t, a, n); got != want {
					t.Errorf("%s reads %q, want %q", n, got, want)
				}
			}
		})
	}
}

func TestEncrypted(t *testing.T) {
	a, err := Open(readTestdata(t, "enc_names_visible.7z"), Kind7z, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range a.Entries {
		if e.Encrypted {
			if _, err := a.Read(i); !errors.Is(err, ErrEntryEncrypted) {
				t.Errorf("reading %s: %v, want ErrEntryEncrypted", e.Name, err)
			}
		}
	}
	for _, c := range []struct {
		name string
		data []byte
		kind string
	}{
		{"7z -mhe", readTestdata(t, "enc_headers.7z"), Kind7z},
		{"rar -hp", buildRAR5(nil, true), KindRAR},
	} {
		if _, err := Open(c.data, c.kind, Limits{}); !errors.Is(err, ErrEncrypted) || !strings.Contains(err.Error(), "names hidden") {
			t.Errorf("%s: Open error %v, want ErrEncrypted", c.name, err)
		}
	}
}

// rarSample is testdata/sample.rar, which other packages' tests read.
func rarSample() []byte {
	return buildRAR5([]rarFile{
		{name: "docs", dir: true},
		{name: "docs/invoice.js", data: []byte("WScript.Shell")},
		{name: "payload.exe", data: []byte(exeStub), encrypted: true},
	}, false)
}

// TestRARTestdata keeps the committed RAR files equal to what the builder
// makes (VIGIE_UPDATE_TESTDATA=1 rewrites them).
func TestRARTestdata(t *testing.T) {
	for name, data := range map[string][]byte{
		"sample.rar":      rarSample(),
		"photos.rar":      buildRAR5([]rarFile{{name: "holiday.pdf", data: []byte("%PDF-1.4 fake")}, {name: "img1.jpg", data: []byte("\xff\xd8\xff\xe0 JFIF")}}, false),
		"enc_headers.rar": buildRAR5(nil, true),
	} {
		p := filepath.Join("testdata", name)
		if os.Getenv("VIGIE_UPDATE_TESTDATA") != "" {
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if got := readTestdata(t, name); !bytes.Equal(got, data) {
			t.Errorf("%s differs from what buildRAR5 makes; rerun with VIGIE_UPDATE_TESTDATA=1", p)
		}
	}
}

func TestRAR(t *testing.T) {
	data := rarSample()
	if Sniff(data) != KindRAR {
		t.Fatalf("Sniff = %q", Sniff(data))
	}
	a, err := Open(data, KindRAR, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"docs/", "docs/invoice.js", "payload.exe (encrypted)"}
	if got := names(a); !slices.Equal(got, want) {
		t.Fatalf("entries %q, want %q", got, want)
	}
	if got := content(t, a, "docs/invoice.js"); got != "WScript.Shell" {
		t.Errorf("invoice.js reads %q", got)
	}
	if _, err := a.Read(2); !errors.Is(err, ErrEntryEncrypted) {
		t.Errorf("encrypted entry read: %v", err)
	}
}

// TestLimits: what a hostile archive asks for is refused, not allocated.
func TestLimits(t *testing.T) {
	// a 7z whose plain header declares 4,294,967,295 files
	hdr := []byte{szHeader, szFilesInfo, 0xf0, 0xff, 0xff, 0xff, 0xff, szEnd, szEnd}
	huge := make([]byte, 32, 32+len(hdr))
	copy(huge, szMagic)
	binary.LittleEndian.PutUint64(huge[12:], 0)
	binary.LittleEndian.PutUint64(huge[20:], uint64(len(hdr)))
	binary.LittleEndian.PutUint32(huge[8:], crc32.ChecksumIEEE(huge[12:32]))
	huge = append(huge, hdr...)
	if _, err := Open(huge, Kind7z, Limits{}); !errors.Is(err, ErrLimit) {
		t.Errorf("7z with 4e9 files: %v, want ErrLimit", err)
	}

	// a 7z whose (encoded) header asks for an LZMA dictionary of 1 GiB
	dict := bytes.Clone(readTestdata(t, "plain.7z"))
	i := bytes.LastIndex(dict, []byte{0x23, 0x03, 0x01, 0x01, 0x05}) // coder flag, LZMA id, 5 bytes of properties
	if i < 0 {
		t.Fatal("no LZMA coder in plain.7z's header")
	}
	binary.LittleEndian.PutUint32(dict[i+6:], 1<<30)
	if _, err := Open(dict, Kind7z, Limits{}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "1024 MiB") {
		t.Errorf("7z with a 1 GiB dictionary: %v, want ErrLimit", err)
	}

	big := bytes.Repeat([]byte("A"), 5000)
	rar := buildRAR5([]rarFile{{name: "a.txt", data: big}, {name: "b.txt", data: big}, {name: "c.txt", data: big}}, false)
	a, err := Open(rar, KindRAR, Limits{MaxEntryBytes: 4000, MaxTotalBytes: 9000})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{4000, 4000, 1000} {
		b, err := a.Read(i)
		if len(b) != want || !errors.Is(err, ErrLimit) {
			t.Errorf("entry %d: %d bytes, %v; want %d bytes and ErrLimit", i, len(b), err, want)
		}
	}
	if a.Expanded() > 9000 {
		t.Errorf("expanded %d bytes, more than the 9000 allowed", a.Expanded())
	}

	a, err = Open(rar, KindRAR, Limits{MaxEntries: 2})
	if err != nil || !a.Truncated || len(a.Entries) != 2 {
		t.Errorf("MaxEntries 2: %v, truncated %v, %d entries", err, a != nil && a.Truncated, len(a.Entries))
	}

	// solid 7z: reaching the last file decompresses those before it
	a, err = Open(readTestdata(t, "solid.7z"), Kind7z, Limits{MaxTotalBytes: 50})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range a.Entries {
		if e.Name == "invoice.pdf.exe" {
			if _, err := a.Read(i); !errors.Is(err, ErrLimit) {
				t.Errorf("last file of a solid block with a 50-byte budget: %v, want ErrLimit", err)
			}
		}
	}
}

func TestISO(t *testing.T) {
	t.Run("loop", func(t *testing.T) {
		img := buildISO([]isoFile{{name: "LOOP", dir: true, sector: isoRootSector}})
		if _, err := Open(img, KindISO, Limits{}); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "loop") {
			t.Errorf("directory loop: %v", err)
		}
	})
	t.Run("beyond image", func(t *testing.T) {
		img := buildISO([]isoFile{{name: "A.EXE", sector: 9999, size: 10}})
		if _, err := Open(img, KindISO, Limits{}); !errors.Is(err, ErrFormat) {
			t.Errorf("extent beyond the image: %v", err)
		}
	})
	t.Run("udf only", func(t *testing.T) {
		img := make([]byte, 20*isoSector)
		for i, id := range []string{"BEA01", "NSR02", "TEA01"} {
			copy(img[(16+i)*isoSector+1:], id)
		}
		if Sniff(img) != KindISO {
			t.Errorf("Sniff of a UDF image = %q", Sniff(img))
		}
		if _, err := Open(img, KindISO, Limits{}); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "UDF") {
			t.Errorf("UDF-only image: %v", err)
		}
	})
	t.Run("built", func(t *testing.T) {
		img := buildISO([]isoFile{{name: "RUN.BAT;1", data: "@echo off"}})
		a, err := Open(img, KindISO, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := names(a); !slices.Equal(got, []string{"RUN.BAT"}) {
			t.Errorf("entries %q", got)
		}
		if got := content(t, a, "RUN.BAT"); got != "@echo off" {
			t.Errorf("RUN.BAT reads %q", got)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	badCRC := bytes.Clone(readTestdata(t, "plain.7z"))
	badCRC[12] ^= 1
	for _, c := range []struct {
		name, kind string
		data       []byte
		want       error
	}{
		{"empty 7z", Kind7z, nil, ErrFormat},
		{"truncated 7z", Kind7z, readTestdata(t, "plain.7z")[:100], ErrFormat},
		{"7z start header checksum", Kind7z, badCRC, ErrFormat},
		{"truncated rar", KindRAR, rarSample()[:30], ErrFormat},
		{"short iso", KindISO, []byte("CD001"), ErrFormat},
		{"unknown kind", "arj", []byte("x"), ErrUnsupported},
	} {
		if _, err := Open(c.data, c.kind, Limits{}); !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

const isoRootSector = 18

type isoFile struct {
	name   string
	dir    bool
	data   string
	sector int // 0: placed after the root directory
	size   int
}

// buildISO makes a minimal ISO 9660 image: a primary volume descriptor at
// sector 16, the terminator at 17, the root directory at 18 with the files,
// then their data.
func buildISO(files []isoFile) []byte {
	img := make([]byte, (isoRootSector+1)*isoSector)
	record := func(name []byte, sector, size int, dir bool) []byte {
		n := 33 + len(name)
		n += n % 2
		r := make([]byte, n)
		r[0] = byte(n)
		binary.LittleEndian.PutUint32(r[2:], uint32(sector))
		binary.BigEndian.PutUint32(r[6:], uint32(sector))
		binary.LittleEndian.PutUint32(r[10:], uint32(size))
		binary.BigEndian.PutUint32(r[14:], uint32(size))
		if dir {
			r[25] = 2
		}
		r[32] = byte(len(name))
		copy(r[33:], name)
		return r
	}
	pvd := img[16*isoSector:]
	pvd[0] = 1
	copy(pvd[1:], "CD001")
	pvd[6] = 1
	binary.LittleEndian.PutUint16(pvd[128:], isoSector)
	copy(pvd[156:], record([]byte{0}, isoRootSector, isoSector, true))
	term := img[17*isoSector:]
	term[0] = 255
	copy(term[1:], "CD001")
	root := record([]byte{0}, isoRootSector, isoSector, true)
	root = append(root, record([]byte{1}, isoRootSector, isoSector, true)...)
	for _, f := range files {
		sector, size := f.sector, f.size
		if sector == 0 {
			sector, size = len(img)/isoSector, len(f.data)
			img = append(img, make([]byte, (len(f.data)+isoSector-1)/isoSector*isoSector)...)
			copy(img[sector*isoSector:], f.data)
		}
		root = append(root, record([]byte(f.name), sector, size, f.dir)...)
	}
	copy(img[isoRootSector*isoSector:], root)
	return img
}
