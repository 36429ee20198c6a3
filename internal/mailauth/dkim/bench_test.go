package dkim

import (
	"context"
	"strings"
	"testing"
)

// bench20K is a 20 KB message: the usual headers and a text body.
func bench20K() string {
	var b strings.Builder
	b.WriteString(strings.Replace(testMsg, "Alice\r\n", "", 1))
	line := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n"
	for b.Len() < 20*1024 {
		b.WriteString(line)
	}
	return b.String()
}

func BenchmarkVerify20K(b *testing.B) {
	testKeys(b)
	res := testResolver(b)
	msg := bench20K()
	for _, c := range []struct {
		name string
		o    SignOptions
	}{
		{"rsa-2048", SignOptions{Selector: "rsa", Signer: rsaKey}},
		{"ed25519", SignOptions{Selector: "ed", Signer: edKey}},
	} {
		signed := []byte(sign(b, msg, c.o))
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(signed)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				rs := Verify(context.Background(), signed, Options{Resolver: res})
				if rs[0].Result != Pass {
					b.Fatal(rs[0].Result, rs[0].Reason)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
			}
		})
	}
}

func BenchmarkCanonicalizeBody20K(b *testing.B) {
	m, err := ParseMessage([]byte(bench20K()))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []Canonicalization{Simple, Relaxed} {
		b.Run(string(c), func(b *testing.B) {
			b.SetBytes(int64(len(m.Body)))
			for b.Loop() {
				CanonicalizeBody(m.Body, c)
			}
		})
	}
}
