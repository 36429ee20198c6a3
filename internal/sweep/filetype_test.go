package sweep

import (
	"encoding/binary"
	"testing"
)

func TestFileType(t *testing.T) {
	dll := make([]byte, 512)
	copy(dll, "MZ")
	binary.LittleEndian.PutUint32(dll[0x3c:], 0x80)
	copy(dll[0x80:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(dll[0x80+22:], 0x2102)
	tarHead := make([]byte, 512)
	copy(tarHead[257:], "ustar")
	for _, tc := range []struct {
		head []byte
		ext  string
		want string
	}{
		{[]byte("MZ\x90\x00"), ".exe", "EXE"},
		{dll, ".dll", "DLL"},
		{[]byte("\x7fELF\x02"), "", "ELF"},
		{[]byte("PK\x03\x04"), ".docx", "ZIP"},
		{[]byte("{\\rtf1"), ".doc", "RTF"},
		{[]byte("MDMP\x93\xa7"), ".dmp", "MDMP"},
		{[]byte("\xca\xfe\xba\xbe\x00\x00\x00\x02"), "", "MACH-O"},
		{[]byte("\xca\xfe\xba\xbe\x00\x00\x00\x34"), ".class", "JAVA"},
		{tarHead, ".tar", "TAR"},
		{[]byte("<?php echo 1;"), ".php", "PHP"},
		{[]byte("Set x = 1"), ".vbs", "VBS"},
		{[]byte("hello"), ".txt", ""},
	} {
		if got := fileType(tc.head, tc.ext); got != tc.want {
			t.Errorf("fileType(%q, %q) = %q, want %q", tc.head[:min(len(tc.head), 8)], tc.ext, got, tc.want)
		}
	}
	if extension("A.Report.EXE") != ".exe" || extension("README") != "" {
		t.Error("extension")
	}
}
