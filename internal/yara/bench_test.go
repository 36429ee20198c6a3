package yara

import (
	"context"
	"strings"
	"testing"
)

// BenchmarkScanLiterals scans 1 MiB of text with 1,000 literal rules.
func BenchmarkScanLiterals(b *testing.B) {
	var src strings.Builder
	for i := 0; i < 1000; i++ {
		src.WriteString("rule r")
		src.WriteString(strings.Repeat("x", 1))
		src.WriteString(itoa(i))
		src.WriteString(` { strings: $a = "needle`)
		src.WriteString(itoa(i))
		src.WriteString(`" nocase $b = { 4D 5A ?? 00 [4-8] 50 45 } condition: $a or $b }` + "\n")
	}
	r := compileOne(b, src.String())
	data := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog. 0123456789\n", 1<<20/56))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.ScanBytes(context.Background(), data, ScanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRegexVerify scans data dense in atom hits of a regex.
func BenchmarkRegexVerify(b *testing.B) {
	r := compileOne(b, `rule a { strings: $a = /abc[0-9]{2,8}x/ condition: $a }`)
	data := []byte(strings.Repeat("abc1234567y ", 1<<16))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.ScanBytes(context.Background(), data, ScanOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
