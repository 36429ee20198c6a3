package pe

import (
	"os"
	"strings"
	"testing"
)

// BenchmarkParse parses a synthetic PE with imports, delayed imports,
// exports, resources with VERSIONINFO, a rich header, debug info and a
// signature (the signature stays unparsed: it is lazy). Set
// VIGIE_PE_BENCH_FILE to benchmark a real file instead.
func BenchmarkParse(b *testing.B) {
	data := buildPE(b, fullSpec(b, false))
	if p := os.Getenv("VIGIE_PE_BENCH_FILE"); p != "" {
		var err error
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseAll adds the lazy parts a rule set typically touches:
// imphash and signatures.
func BenchmarkParseAll(b *testing.B) {
	data := buildPE(b, fullSpec(b, false))
	if p := os.Getenv("VIGIE_PE_BENCH_FILE"); p != "" {
		var err error
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		f.Imphash()
		f.Signatures()
	}
}

// BenchmarkParseList parses every file listed (one path a line) in
// $VIGIE_PE_BENCH_LIST, read into memory first, with imphash and
// signatures: the work `yara` does for a rule using pe.imphash() and
// pe.number_of_signatures. Skipped unless the variable is set.
func BenchmarkParseList(b *testing.B) {
	list := os.Getenv("VIGIE_PE_BENCH_LIST")
	if list == "" {
		b.Skip("VIGIE_PE_BENCH_LIST not set")
	}
	raw, err := os.ReadFile(list)
	if err != nil {
		b.Fatal(err)
	}
	var files [][]byte
	var total int64
	for _, p := range strings.Fields(string(raw)) {
		d, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, d)
		total += int64(len(d))
	}
	b.SetBytes(total)
	for b.Loop() {
		for _, d := range files {
			if f, err := Parse(d); err == nil {
				f.Imphash()
				f.Signatures()
			}
		}
	}
}
