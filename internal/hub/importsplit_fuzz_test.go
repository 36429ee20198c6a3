package hub

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/formats"
)

// FuzzImportSplit: whatever file an import job is given, each splitter
// either refuses it with an error or cuts it into items whose batches the
// format's reader takes (or refuses) — the same number of items in both
// passes, a located problem inside its batch, and never a panic.
func FuzzImportSplit(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/importsplit/*")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0))
		f.Add(data, uint8(1))
		f.Add(data, uint8(2))
		f.Add(data, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		var sp splitter
		var format string
		switch kind % 4 {
		case 0:
			sp, format = &stixSplit{name: "fuzz"}, "stix"
		case 1:
			sp, format = &mispSplit{name: "fuzz"}, "misp"
		case 2:
			sp, format = &lineSplit{name: "fuzz", csv: true}, "csv"
		default:
			sp, format = &lineSplit{name: "fuzz"}, "list"
		}
		n, err := sp.count(bytes.NewReader(data))
		if err != nil {
			return
		}
		var items [][]byte
		var last int64
		err = sp.each(bytes.NewReader(data), func(it []byte, end int64) error {
			if end < last || end > int64(len(data)) {
				t.Fatalf("offset %d after %d (input %d bytes)", end, last, len(data))
			}
			last = end
			items = append(items, append([]byte(nil), it...))
			return nil
		})
		if err != nil {
			return
		}
		if int64(len(items)) != n {
			t.Fatalf("count says %d items, the second pass %d", n, len(items))
		}
		for start := 0; start < len(items); start += 3 {
			batch := items[start:min(start+3, len(items))]
			c, err := formats.Decode(bytes.NewReader(sp.doc(batch)), "fuzz", format, "", indicator.ReadOptions{Name: "fuzz", Lenient: true})
			if err != nil {
				continue
			}
			for _, p := range c.Problems {
				if i, _ := sp.locate(p, batch, int64(start)); i >= len(batch) {
					t.Fatalf("problem %v located at %d of a batch of %d", p, i, len(batch))
				}
			}
		}
	})
}
