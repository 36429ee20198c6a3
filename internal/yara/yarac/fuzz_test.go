package yarac

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-project/vigie/internal/yara"
)

// FuzzYarac: Decode never panics, whatever the file, and the rules it
// gives (if any) compile or fail with an error, without panicking.
// Seeds: the shipped .yarc files (yarac 4.2, 4.3 and 4.5), cut at several
// places, relabelled with the other arena versions, and with bytes of the
// header, tables and code changed.
func FuzzYarac(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yarc")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		for _, n := range []int{5, 6, 150, len(b) / 2, len(b) - 8, len(b) - 1} {
			if n > 0 && n < len(b) {
				f.Add(b[:n])
			}
		}
		// another version's layout and opcodes on this file's tables
		for _, v := range Versions {
			if len(b) > 4 && int(b[4]) != v {
				c := append([]byte(nil), b...)
				c[4] = byte(v)
				f.Add(c)
			}
		}
		for _, at := range []int{4, 5, 150, 200, len(b) / 3, len(b) / 2, len(b) - 4} {
			if at < len(b) {
				c := append([]byte(nil), b...)
				c[at] ^= 0xFF
				f.Add(c)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Decode(b)
		if err != nil {
			return
		}
		_ = d.Text()
		yara.Compile(d.Sources, yara.CompileOptions{Externals: d.Externals})
	})
}
