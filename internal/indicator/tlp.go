package indicator

import (
	"fmt"
	"strings"
)

// TLP is a Traffic Light Protocol level: who may see an indicator. Vigie
// keeps the level as written so that a TLP 1.0 WHITE stays WHITE through a
// round trip; Rank compares levels across both versions (TLP 2.0 CLEAR is
// TLP 1.0 WHITE renamed).
type TLP string

// TLP levels of TLP 1.0 and TLP 2.0. The empty TLP means "not stated".
const (
	TLPWhite       TLP = "white" // TLP 1.0
	TLPClear       TLP = "clear" // TLP 2.0
	TLPGreen       TLP = "green"
	TLPAmber       TLP = "amber"
	TLPAmberStrict TLP = "amber+strict" // TLP 2.0
	TLPRed         TLP = "red"
)

// TLPs lists the valid levels, least restrictive first.
var TLPs = []TLP{TLPWhite, TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}

// ParseTLP accepts "amber", "TLP:AMBER", "tlp:amber+strict", "AMBER+STRICT",
// "TLP:WHITE", "clear" ... and the empty string (no TLP).
func ParseTLP(s string) (TLP, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.TrimPrefix(k, "tlp:")
	k = strings.TrimPrefix(k, "tlp-")
	k = strings.TrimPrefix(k, "tlp ")
	k = strings.ReplaceAll(k, " ", "")
	if k == "amber-strict" || k == "amberstrict" || k == "amber_strict" {
		k = "amber+strict"
	}
	if k == "" {
		return "", nil
	}
	for _, t := range TLPs {
		if k == string(t) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown TLP level %q (want clear, white, green, amber, amber+strict or red)", s)
}

// Rank orders levels by restriction: 0 for none/clear/white, 1 green, 2
// amber, 3 amber+strict, 4 red.
func (t TLP) Rank() int {
	switch t {
	case TLPGreen:
		return 1
	case TLPAmber:
		return 2
	case TLPAmberStrict:
		return 3
	case TLPRed:
		return 4
	}
	return 0
}

// Tag is the MISP-style tag of the level: "tlp:amber+strict".
func (t TLP) Tag() string {
	if t == "" {
		return ""
	}
	return "tlp:" + string(t)
}

// String is the level as people write it: "TLP:AMBER+STRICT".
func (t TLP) String() string {
	if t == "" {
		return ""
	}
	return "TLP:" + strings.ToUpper(string(t))
}
