package macho

import "testing"

// FuzzParse: any input parses without panic, and what it finds stays
// within the data (seeds in testdata/fuzz/FuzzParse: thin 32/64-bit,
// big-endian, fat 32/64 with a slice past the end, truncated files).
func FuzzParse(f *testing.F) {
	f.Add([]byte("\xcf\xfa\xed\xfe"))
	f.Add([]byte("\xca\xfe\xba\xbe\x00\x00\x00\x02"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b := Parse(data)
		if b == nil {
			return
		}
		files := []*File{b.Thin}
		if b.Fat != nil {
			files = b.Fat.Files
			if b.Fat.Archs != nil && len(b.Fat.Archs) != int(b.Fat.NFatArch) {
				t.Fatalf("%d archs for nfat_arch %d", len(b.Fat.Archs), b.Fat.NFatArch)
			}
		}
		for _, fl := range files {
			if fl == nil {
				continue
			}
			if len(fl.Segments) > len(data)/8 {
				t.Fatalf("%d segments from %d bytes", len(fl.Segments), len(data))
			}
			for _, s := range fl.Segments {
				if len(s.Sections) > len(data)/68 {
					t.Fatalf("%d sections from %d bytes", len(s.Sections), len(data))
				}
			}
		}
	})
}

func TestParseNotMachO(t *testing.T) {
	for _, d := range [][]byte{nil, []byte("MZ"), []byte("\x7fELF\x02\x01\x01"), []byte("not a mach-o file")} {
		if b := Parse(d); b != nil {
			t.Errorf("Parse(%q) = %+v, want nil", d, b)
		}
	}
	// a thin header shorter than 32 bytes: recognised, no header fields
	if b := Parse([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01")); b == nil || b.Thin == nil || b.Thin.Header {
		t.Errorf("short header: %+v", b)
	}
}
