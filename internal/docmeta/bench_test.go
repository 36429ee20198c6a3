package docmeta

import (
	"os"
	"path/filepath"
	"testing"
)

func benchDoc(b *testing.B, name string) {
	data := testDocs(b)[name]
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadBytes(name, data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadDOCX(b *testing.B) { benchDoc(b, "budget.docx") }
func BenchmarkReadODT(b *testing.B)  { benchDoc(b, "notes.odt") }
func BenchmarkReadDOC(b *testing.B)  { benchDoc(b, "rapport.doc") }
func BenchmarkReadPDF(b *testing.B)  { benchDoc(b, "programme-edited.pdf") }
func BenchmarkReadRTF(b *testing.B)  { benchDoc(b, "communique.rtf") }

// BenchmarkCorpus reads the 487 documents of the shared corpus (set
// VIGIE_CORPUS=/work/shared/corpus); one op is the whole corpus.
func BenchmarkCorpus(b *testing.B) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		b.Skip("VIGIE_CORPUS not set")
	}
	files, _ := Expand([]string{filepath.Join(root, "docs", "files")})
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			Read(f)
		}
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}
