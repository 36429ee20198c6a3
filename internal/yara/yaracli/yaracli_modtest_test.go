package yaracli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestModuleDataBounded: a -x file larger than MaxModuleData is refused
// with a message naming it (-x tests=/dev/zero read forever), a small one
// is read whole.
func TestModuleDataBounded(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	os.WriteFile(small, []byte("report"), 0o644)
	if b, err := readModuleData(small); err != nil || string(b) != "report" {
		t.Fatalf("small file: %q, %v", b, err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	if _, err := readModuleData("/dev/zero"); err == nil || !strings.Contains(err.Error(), "/dev/zero") {
		t.Fatalf("/dev/zero: %v, want an error naming it", err)
	}
}
