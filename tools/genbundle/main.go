// Command genbundle writes a synthetic STIX 2.1 bundle of N mixed indicators
// (hashes, domains, URLs, IPv4/IPv6 addresses and blocks, e-mail addresses),
// with TLP markings and threats, for the load benchmarks in BENCHMARKS.md:
//
//	go run ./tools/genbundle -n 1000000 > /tmp/1m.json
//	/usr/bin/time -v vigie indicators match --iocs /tmp/1m.json evil.example
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/stix"
)

func main() {
	n := flag.Int("n", 1_000_000, "number of indicators")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "genbundle:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	c := &indicator.Collection{Indicators: make([]indicator.Indicator, 0, n)}
	c.AddThreat(indicator.Threat{Name: "APT28", Kind: "intrusion-set"})
	c.AddThreat(indicator.Threat{Name: "X-Agent", Kind: "malware"})
	tlps := []indicator.TLP{indicator.TLPClear, indicator.TLPGreen, indicator.TLPAmber, indicator.TLPAmberStrict}
	from := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		sum := sha256.Sum256([]byte(fmt.Sprint(i)))
		h := hex.EncodeToString(sum[:])
		ind := indicator.Indicator{TLP: tlps[i%len(tlps)], ValidFrom: from, Created: from, Modified: from}
		switch i % 20 {
		case 0, 1, 2, 3, 4, 5, 6, 7:
			ind.Type, ind.Value = indicator.SHA256, h
		case 8, 9:
			ind.Type, ind.Value = indicator.MD5, h[:32]
		case 10, 11, 12, 13, 14:
			ind.Type, ind.Value = indicator.Domain, fmt.Sprintf("%s.example%d.com", h[:10], i%1000)
		case 15, 16:
			ind.Type, ind.Value = indicator.URL, fmt.Sprintf("http://%s.example.net/login/%d", h[:8], i)
		case 17:
			ind.Type, ind.Value = indicator.IPv4, netip.AddrFrom4([4]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}).String()
		case 18:
			ind.Type, ind.Value = indicator.IPv6, fmt.Sprintf("2001:db8:%x::/48", i&0xffff)
		case 19:
			ind.Type, ind.Value = indicator.Email, fmt.Sprintf("user%d@%s.example.org", i, h[:6])
		}
		if i%3 == 0 {
			ind.Threats = []string{"APT28"}
		}
		c.Indicators = append(c.Indicators, ind)
	}
	c.Dedupe()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	if err := stix.Encode(w, c, stix.EncodeOptions{}); err != nil {
		return err
	}
	return w.Flush()
}
