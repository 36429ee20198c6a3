package misp

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

func bigCollection(n int) *indicator.Collection {
	c := &indicator.Collection{}
	c.AddThreat(indicator.Threat{Name: "APT28", Kind: "intrusion-set"})
	for i := 0; i < n; i++ {
		ind := indicator.Indicator{Source: fmt.Sprintf("src%d", i%3), TLP: indicator.TLPAmber}
		switch i % 3 {
		case 0:
			ind.Type, ind.Value = indicator.SHA256, fmt.Sprintf("%064x", i)
		case 1:
			ind.Type, ind.Value = indicator.Domain, fmt.Sprintf("host%d.evil.example", i)
		case 2:
			ind.Type, ind.Value = indicator.IPv4, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
		}
		if i%2 == 0 {
			ind.Threats = []string{"APT28"}
		}
		c.Indicators = append(c.Indicators, ind)
	}
	return c
}

func BenchmarkEncodeEvent100k(b *testing.B) {
	c := bigCollection(100_000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := EncodeEvent(&buf, c, EncodeOptions{Now: fixedNow}); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
}

func BenchmarkDecodeEvent100k(b *testing.B) {
	var buf bytes.Buffer
	if err := EncodeEvent(&buf, bigCollection(100_000), EncodeOptions{Now: fixedNow}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := DecodeEvent(bytes.NewReader(data), indicator.ReadOptions{})
		if err != nil || len(c.Indicators) != 100_000 {
			b.Fatal(err, len(c.Indicators))
		}
	}
}

func BenchmarkBuildFeed100k(b *testing.B) {
	c := bigCollection(100_000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := BuildFeed(c, FeedOptions{EncodeOptions: EncodeOptions{Now: fixedNow}}); err != nil {
			b.Fatal(err)
		}
	}
}
