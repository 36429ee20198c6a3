package indicator

import (
	"fmt"
	"net/netip"
	"strings"
)

// ProblemTooBroad is a network indicator so wide it would match ordinary
// traffic (0.0.0.0/0 flags every message and connection): refused like a
// malformed item.
const ProblemTooBroad = "too-broad"

// Breadth bounds how wide an IPv4 or IPv6 range indicator may be: a CIDR
// block with fewer prefix bits than the bound is refused. A feed that
// carries 0.0.0.0/0, 0.0.0.0/1 or ::/0 (by mistake or by an attacker who
// got publishing rights) would otherwise turn every mail into phishing and
// every connection into an alert.
type Breadth struct {
	// MinIPv4Bits is the shortest IPv4 prefix accepted (default 16: a
	// /16 is 65,536 addresses, the size of a large hosting provider's
	// block; anything wider covers unrelated networks).
	MinIPv4Bits int
	// MinIPv6Bits is the shortest IPv6 prefix accepted (default 32: the
	// allocation of one provider).
	MinIPv6Bits int
}

// DefaultBreadth is the bound used when none is configured.
var DefaultBreadth = Breadth{MinIPv4Bits: 16, MinIPv6Bits: 32}

// WithDefaults replaces unset (zero) bounds by DefaultBreadth's.
func (b Breadth) WithDefaults() Breadth {
	if b.MinIPv4Bits <= 0 {
		b.MinIPv4Bits = DefaultBreadth.MinIPv4Bits
	}
	if b.MinIPv6Bits <= 0 {
		b.MinIPv6Bits = DefaultBreadth.MinIPv6Bits
	}
	return b
}

// Validate checks that the bounds are prefix lengths.
func (b Breadth) Validate() error {
	if b.MinIPv4Bits < 0 || b.MinIPv4Bits > 32 {
		return fmt.Errorf("the shortest IPv4 prefix must be 0 to 32, not %d", b.MinIPv4Bits)
	}
	if b.MinIPv6Bits < 0 || b.MinIPv6Bits > 128 {
		return fmt.Errorf("the shortest IPv6 prefix must be 0 to 128, not %d", b.MinIPv6Bits)
	}
	return nil
}

// Check returns an error saying why ind is too wide, or nil. Only IPv4
// and IPv6 values written as CIDR blocks can be too wide.
func (b Breadth) Check(ind *Indicator) error {
	if ind.Type != IPv4 && ind.Type != IPv6 {
		return nil
	}
	v := strings.TrimSpace(ind.Value)
	if !strings.Contains(v, "/") {
		return nil
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		return nil // malformed values are Normalize's business
	}
	b = b.WithDefaults()
	addr := p.Addr().Unmap()
	bits := p.Bits() - (p.Addr().BitLen() - addr.BitLen())
	min, fam := b.MinIPv6Bits, "IPv6"
	if addr.Is4() {
		min, fam = b.MinIPv4Bits, "IPv4"
	}
	if bits < min {
		n := "2^" + fmt.Sprint(addr.BitLen()-bits)
		if addr.Is4() {
			n = fmt.Sprint(uint64(1) << (32 - bits))
		}
		return fmt.Errorf("the %s range %s is /%d, wider than the /%d allowed: it covers %s addresses and would match ordinary traffic", fam, v, bits, min, n)
	}
	return nil
}

// Apply removes from c the indicators wider than b. In a lenient read
// each is recorded in c.Problems (kind ProblemTooBroad) and the others
// are kept; otherwise the first one is returned as the error (a Problem
// naming it) and c is left as it was. input names the input in problems.
func (b Breadth) Apply(c *Collection, input string, lenient bool) error {
	kept := c.Indicators[:0:0]
	var probs []Problem
	for i := range c.Indicators {
		ind := &c.Indicators[i]
		err := b.Check(ind)
		if err == nil {
			kept = append(kept, *ind)
			continue
		}
		p := Problem{Input: input, Where: Where(ind), Kind: ProblemTooBroad, Value: shorten(ind.Value), Reason: err.Error()}
		if !lenient {
			return p
		}
		probs = append(probs, p)
	}
	if len(probs) > 0 {
		c.Indicators = kept
		c.Problems = append(c.Problems, probs...)
	}
	return nil
}

// Where names an indicator in a Problem: "object <STIX id>" when it has
// one, otherwise its type and value.
func Where(ind *Indicator) string {
	if ind.ID != "" {
		return "object " + shorten(ind.ID)
	}
	return string(ind.Type) + " " + shorten(ind.Value)
}
