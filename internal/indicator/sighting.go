package indicator

import (
	"errors"
	"fmt"
)

// NormalizeSighting checks a value a sensor observed, as sensors report it
// and the hub stores it, and returns its type and canonical form. typ may
// be empty (the type is then detected from the value, see Detect) or any
// name ParseType takes; an "ipv4" value that is an IPv6 address is taken
// as IPv6. The error says what is wrong in words a person understands.
//
// Sensors call it before a sighting is spooled and the hub when it
// receives one: the same rules on both sides, so that the hub never
// refuses what a sensor kept, and a value that is not what its type says
// ("pedidoretido188781463" as a domain, "{nutella.de}", "theskimm,com",
// "0xb2a2f51a") is dropped, with its reason, where it was made.
func NormalizeSighting(typ, value string) (Type, string, error) {
	if value == "" {
		return "", "", errors.New("value is empty")
	}
	if len(value) > MaxValueLen {
		return "", "", fmt.Errorf("value is %d bytes long, more than the %d allowed", len(value), MaxValueLen)
	}
	if typ == "" {
		return Detect(value)
	}
	t, err := ParseType(typ)
	if err != nil {
		return "", "", err
	}
	t, v, err := NormalizeAs(t, value)
	if err != nil {
		return "", "", fmt.Errorf("not a valid %s: %w", t, err)
	}
	return t, v, nil
}
