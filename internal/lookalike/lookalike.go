package lookalike

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Owner is one protected organisation and every domain it really uses.
type Owner struct {
	Name    string   // "Google", "the party"
	Domains []string // "google.com", "gmail.com", ...; sub-domains included
	// Keywords are the names people read in a message that claim to be
	// this owner ("Google", "Gmail"); the mail analyzer uses them to spot
	// impersonation. Matched as whole words, case-insensitively.
	Keywords []string
	// TLDSwap flags the owner's names under other endings ("party.com"
	// for "party.fr"). Set it for a party's own domains; big providers
	// hold their names under most country endings (yahoo.com.au), so for
	// them another ending is not a look-alike.
	TLDSwap bool
}

// Match says which protected domain a host imitates and how.
type Match struct {
	Host      string `json:"host"`
	Owner     string `json:"owner"`
	Protected string `json:"protected"` // the domain imitated
	Technique string `json:"technique"` // homoglyph, punycode, typo, hyphen, subdomain, tld-swap, combo
	Detail    string `json:"detail"`    // a sentence for people
}

// Detector checks host names against protected owners. Build it with New;
// it is safe for concurrent use.
type Detector struct {
	owned  map[string]int // registrable domain → owner index
	brands []brand
	owners []Owner
}

type brand struct {
	owner   int
	domain  string // registrable domain, "en-marche.fr"
	label   string // "en-marche"
	skel    string // skeleton(label)
	common  bool
	tldSwap bool
}

// New builds a Detector. Domains are normalised (lower case, punycode);
// invalid ones are returned as an error naming them.
func New(owners []Owner) (*Detector, error) {
	d := &Detector{owned: map[string]int{}, owners: owners}
	for oi, o := range owners {
		for _, dom := range o.Domains {
			a, err := toASCII(dom)
			if err != nil {
				return nil, fmt.Errorf("protected domain %q of %s: %w", dom, o.Name, err)
			}
			// a protected sub-domain ("mail.party.fr") protects only itself
			// as owned, but the registrable name is the brand.
			d.owned[a] = oi
			reg, err := publicsuffix.EffectiveTLDPlusOne(a)
			if err != nil {
				// a hosting suffix of the owner ("appspot.com"): owned, but
				// not a brand name
				continue
			}
			suffix, _ := publicsuffix.PublicSuffix(reg)
			label := strings.TrimSuffix(strings.TrimSuffix(reg, suffix), ".")
			if len(label) < 3 {
				continue
			}
			d.brands = append(d.brands, brand{owner: oi, domain: reg, label: label, skel: skeleton(label), common: len(label) < 5 || commonLabels[label], tldSwap: o.TLDSwap})
		}
	}
	sort.SliceStable(d.brands, func(i, j int) bool { return len(d.brands[i].label) > len(d.brands[j].label) })
	return d, nil
}

func toASCII(h string) (string, error) {
	if isLowerASCIIHost(h) {
		return h, nil
	}
	h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
	if h == "" {
		return "", fmt.Errorf("empty name")
	}
	a, err := idna.Lookup.ToASCII(h)
	if err != nil {
		a, err = idna.Punycode.ToASCII(h)
		if err != nil {
			return "", err
		}
	}
	return a, nil
}

// Owned reports whether host is one of the protected domains or a
// sub-domain of one, and whose.
func (d *Detector) Owned(host string) (owner string, ok bool) {
	h, err := toASCII(host)
	if err != nil {
		return "", false
	}
	if oi, ok := d.ownedIdx(h); ok {
		return d.owners[oi].Name, true
	}
	return "", false
}

func (d *Detector) ownedIdx(h string) (int, bool) {
	for {
		if oi, ok := d.owned[h]; ok {
			return oi, true
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			return 0, false
		}
		h = h[dot+1:]
	}
}

// Check tells whether host imitates a protected domain. Hosts that are
// protected domains, their sub-domains and IP addresses never match.
func (d *Detector) Check(host string) (Match, bool) {
	if len(host) > 253 || host == "" {
		return Match{}, false
	}
	if _, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		return Match{}, false
	}
	a, err := toASCII(host)
	if err != nil {
		return Match{}, false
	}
	if _, ok := d.ownedIdx(a); ok {
		return Match{}, false
	}
	reg, err := publicsuffix.EffectiveTLDPlusOne(a)
	if err != nil {
		return Match{}, false
	}
	suffix, _ := publicsuffix.PublicSuffix(reg)
	label := strings.TrimSuffix(strings.TrimSuffix(reg, suffix), ".")
	uni := label
	puny := strings.HasPrefix(label, "xn--")
	if puny {
		if u, err := idna.Punycode.ToUnicode(label); err == nil {
			uni = u
		}
	}
	skel := skeleton(uni)
	sub := strings.TrimSuffix(strings.TrimSuffix(a, reg), ".")
	m := Match{Host: host}
	set := func(b brand, tech, detail string) (Match, bool) {
		m.Owner, m.Protected, m.Technique, m.Detail = d.owners[b.owner].Name, b.domain, tech, detail
		return m, true
	}
	for _, b := range d.brands {
		switch {
		case uni == b.label && reg != b.domain:
			if b.common || !b.tldSwap {
				continue
			}
			return set(b, "tld-swap", fmt.Sprintf("%s is the name %s under another ending (.%s instead of .%s)", reg, b.domain, suffix, strings.TrimPrefix(b.domain, b.label+".")))
		case skel == b.skel && uni != b.label:
			if puny || uni != label {
				return set(b, "punycode", fmt.Sprintf("%s is written with look-alike characters (%s) to read as %s", reg, uni+"."+suffix, b.domain))
			}
			return set(b, "homoglyph", fmt.Sprintf("%s swaps letters for look-alikes (0 for o, rn for m, 1 for l ...) to read as %s", reg, b.domain))
		}
	}
	for _, b := range d.brands {
		if b.common {
			continue
		}
		maxd := 1
		if len(b.label) >= 9 {
			maxd = 2
		}
		if uni != b.label && distance(skel, b.skel, maxd) <= maxd {
			return set(b, "typo", fmt.Sprintf("%s differs from %s by one or two letters", reg, b.domain))
		}
	}
	// the brand as sub-domain labels of a foreign domain
	if sub != "" {
		subLabels := strings.Split(sub, ".")
		for _, b := range d.brands {
			dl := strings.Split(b.domain, ".")
			for i := 0; i+len(dl) <= len(subLabels); i++ {
				if strings.Join(subLabels[i:i+len(dl)], ".") == b.domain {
					return set(b, "subdomain", fmt.Sprintf("%s starts with %s but belongs to %s", a, b.domain, reg))
				}
			}
			if b.common {
				continue
			}
			for _, l := range subLabels {
				if l == b.label || skeleton(l) == b.skel {
					return set(b, "subdomain", fmt.Sprintf("%s uses the name %s in front of an unrelated domain, %s", a, b.label, reg))
				}
			}
		}
	}
	// hyphenated combinations: accounts-google, onedrive-en-marche
	if strings.IndexByte(uni, '-') >= 0 {
		toks := strings.Split(uni, "-")
		for _, b := range d.brands {
			bt := strings.Count(b.label, "-") + 1
			for i := 0; i+bt <= len(toks); i++ {
				w := strings.Join(toks[i:i+bt], "-")
				if w == uni {
					continue
				}
				ok := w == b.label || skeleton(w) == b.skel
				if !ok && !b.common && len(b.label) >= 6 && distance(skeleton(w), b.skel, 1) <= 1 {
					ok = true
				}
				if !ok {
					continue
				}
				rest := append(append([]string{}, toks[:i]...), toks[i+bt:]...)
				if b.common && !allLure(rest) {
					continue
				}
				return set(b, "hyphen", fmt.Sprintf("%s joins the name %s with other words (%s) to look official", reg, b.label, strings.Join(rest, ", ")))
			}
		}
	}
	// glued combinations: googlesecurity
	for _, b := range d.brands {
		if b.common || len(b.label) < 6 || strings.IndexByte(b.label, '-') >= 0 {
			continue
		}
		if i := strings.Index(uni, b.label); i >= 0 && uni != b.label {
			// only when the rest is made of lure words: "googlesecurity",
			// not "huaweicloud" for "icloud"
			if rest := uni[:i] + "-" + uni[i+len(b.label):]; allLure(strings.FieldsFunc(rest, func(r rune) bool { return r == '-' || (r >= '0' && r <= '9') })) {
				return set(b, "combo", fmt.Sprintf("%s contains the name %s with other words", reg, b.label))
			}
		}
	}
	return Match{}, false
}

// lureWords are what attackers add to a brand name to make a domain look
// like a service of it.
var lureWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`account accounts login logon signin sign in secure security verify verification support mail webmail online update auth service services portal my help id password team drive docs cloud onedrive sharepoint 365 o365 outlook admin it helpdesk en fr web access alert notification center file files share doc document documents recovery reset identity sso owa alerts notice app apps safe protect protection check confirm billing pay payment customer secured us info official com net www de`) {
		m[w] = true
	}
	return m
}()

func allLure(toks []string) bool {
	if len(toks) == 0 {
		return false
	}
	for _, t := range toks {
		if !lureWords[t] {
			return false
		}
	}
	return true
}

// commonLabels are domain names that are ordinary words: for those only
// the strongest techniques count, so that "office-depot.com" is not a
// look-alike of office.com nor "livechat.com" of live.com.
var commonLabels = map[string]bool{
	"office": true, "live": true, "outlook": true, "windows": true, "azure": true, "apple": true, "amazon": true,
	"chase": true, "orange": true, "free": true, "skype": true, "teams": true, "zoom": true, "drive": true,
	"post": true, "mail": true, "google": false, "docs": true, "sites": true, "cloud": true, "store": true,
	"proton": true, "gmx": true, "citi": true, "yahoo": false, "aol": true, "discord": false, "steam": true,
	// short or ordinary names of the bulk-phished brands: "caixa" is a box,
	// "dpd", "bb", "sg", "nu", "db", "itau" sit one letter away from
	// many real domains
	"caixa": true, "bb": true, "dpd": true, "sg": true, "nu": true, "db": true, "itau": true,
	"kraken": true, "evri": true, "lidl": true, "aldi": true, "ikea": true, "temu": true, "shein": true, "bahn": true, "adac": true, "hsbc": true, "ebay": true, "avast": true,
}

// isLowerASCIIHost reports a name already in the form toASCII returns
// (lower-case letters, digits, hyphens and dots, no punycode), so that the
// common case skips IDNA processing.
func isLowerASCIIHost(h string) bool {
	if h == "" || h[len(h)-1] == '.' || strings.Contains(h, "xn--") {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}
