package sweep

import "testing"

func TestParseMountinfo(t *testing.T) {
	for _, tc := range []struct{ line, mp, fs string }{
		{"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue", "/mnt2", "ext3"},
		{"22 1 0:21 / /proc rw,nosuid shared:12 - proc proc rw", "/proc", "proc"},
		{`40 1 0:30 / /media/my\040disk rw - vfat /dev/sdb1 rw`, "/media/my disk", "vfat"},
	} {
		mp, fs, ok := parseMountinfo(tc.line)
		if !ok || mp != tc.mp || fs != tc.fs {
			t.Errorf("parseMountinfo(%q) = %q %q %v", tc.line, mp, fs, ok)
		}
	}
	if _, _, ok := parseMountinfo("garbage"); ok {
		t.Error("want !ok for a line without separator")
	}
	if m := pseudoMounts(); !m["/proc"] {
		t.Logf("note: /proc not listed as a pseudo mount here: %v", m)
	}
}
