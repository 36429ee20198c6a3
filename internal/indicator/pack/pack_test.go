package pack

import (
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

func TestLoad(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Problems) != 0 {
		t.Fatalf("problems in the pack: %v", c.Problems)
	}
	byType := map[indicator.Type]int{}
	for _, ind := range c.Indicators {
		byType[ind.Type]++
		if ind.Source == "" || ind.Description == "" || len(ind.Threats) == 0 {
			t.Errorf("%s %s: every row needs a source, a description and a threat", ind.Type, ind.Value)
		}
		if ind.TLP != indicator.TLPClear {
			t.Errorf("%s: the pack is public, want TLP:CLEAR, got %q", ind.Value, ind.TLP)
		}
		for _, th := range ind.Threats {
			if _, ok := c.Threat(th); !ok {
				t.Errorf("%s: threat %q is not described in the pack", ind.Value, th)
			}
		}
	}
	for _, typ := range []indicator.Type{indicator.Domain, indicator.IPv4, indicator.SHA256, indicator.SHA1, indicator.URL} {
		if byType[typ] == 0 {
			t.Errorf("pack has no %s indicators", typ)
		}
	}
	if n := c.Dedupe(); n != 0 {
		t.Errorf("pack has %d duplicate rows", n)
	}
	m := indicator.NewMatcher(c.Indicators, indicator.MatcherOptions{})
	// The Podesta phishing host must match, and so must a sub-domain of the
	// En Marche look-alike.
	for _, host := range []string{"myaccount.google.com-securitysettingpage.tk", "login.onedrive-en-marche.fr"} {
		if _, ok := m.Domain(host); !ok {
			t.Errorf("%s: want a match", host)
		}
	}
	if _, ok := m.Domain("en-marche.fr"); ok {
		t.Error("en-marche.fr (the real campaign domain) must not match")
	}
}
