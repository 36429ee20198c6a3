package indicator

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// MaxValueLen bounds any indicator value; longer values are malformed.
const MaxValueLen = 8192

// idnaProfile converts internationalised domain names to their ASCII form
// the way resolvers do (UTS #46 mapping), but accepts the underscores and
// other non-hostname characters that real malicious domains carry.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// refanger turns the defanged notations analysts use in reports back into
// the real value: hxxp://evil[.]com → http://evil.com.
var refanger = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "{dot}", ".", "[DOT]", ".", "(DOT)", ".",
	"[:]", ":", "[://]", "://", "[/]", "/",
	"[@]", "@", "[at]", "@", "(at)", "@", "{at}", "@", "[AT]", "@", "(AT)", "@",
)

// Refang undoes common defanging: hxxp(s), [.], (dot), [@], [:] and friends.
func Refang(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "[({") {
		s = refanger.Replace(s)
	}
	ls := strings.ToLower(s)
	for _, p := range [...]struct{ from, to string }{{"hxxps", "https"}, {"hxxp", "http"}, {"hXXps", "https"}, {"fxp", "ftp"}, {"meows", "https"}, {"meow", "http"}} {
		if strings.HasPrefix(ls, p.from+"://") {
			s = p.to + s[len(p.from):]
			break
		}
	}
	return s
}

// Normalize checks value as an indicator of type t and returns its
// canonical form. Defanged values are accepted. The error says what is wrong
// in words a user understands.
func Normalize(t Type, value string) (string, error) {
	if err := checkValue(value); err != nil {
		return "", err
	}
	switch t {
	case MD5, SHA1, SHA256, SHA512:
		return normalizeHash(t, value)
	case Domain:
		return normalizeDomain(value)
	case URL:
		return normalizeURL(value)
	case IPv4, IPv6:
		return normalizeIP(t, value)
	case Email:
		return normalizeEmail(value)
	case Filename:
		v := strings.TrimSpace(value)
		if v == "" {
			return "", errors.New("empty file name")
		}
		return v, nil
	case PathRegex:
		v := strings.TrimSpace(value)
		if v == "" {
			return "", errors.New("empty path pattern")
		}
		if _, err := regexp.Compile(v); err != nil {
			return "", fmt.Errorf("bad path pattern: %w", err)
		}
		return v, nil
	case YARA:
		v := strings.TrimSpace(value)
		if !isIdentifier(v) {
			return "", fmt.Errorf("%q is not a YARA rule name", v)
		}
		return v, nil
	}
	return "", fmt.Errorf("unknown indicator type %q", t)
}

// checkValue rules out what no indicator value may be: too long, not
// UTF-8, or holding control characters.
func checkValue(value string) error {
	if len(value) > MaxValueLen {
		return fmt.Errorf("value is %d bytes long, more than the %d allowed", len(value), MaxValueLen)
	}
	if !utf8.ValidString(value) {
		return errors.New("value is not valid UTF-8 text")
	}
	for _, r := range value {
		if r == 0 {
			return errors.New("value contains a NUL byte")
		}
		if r < 0x20 && r != '\t' || r == 0x7f {
			return fmt.Errorf("value contains the control character %U", r)
		}
	}
	return nil
}

// NormalizeAs is Normalize for inputs whose type column is looser than
// Vigie's types: an "ip" column holds both IPv4 and IPv6 values, so the
// family is taken from the value. It returns the type the value really has.
func NormalizeAs(t Type, value string) (Type, string, error) {
	if t == IPv4 || t == IPv6 {
		v := strings.TrimSpace(Refang(value))
		host, _, _ := strings.Cut(v, "/")
		if a, err := netip.ParseAddr(host); err == nil {
			if a.Unmap().Is4() {
				t = IPv4
			} else {
				t = IPv6
			}
		}
	}
	n, err := Normalize(t, value)
	return t, n, err
}

var hashLen = map[Type]int{MD5: 32, SHA1: 40, SHA256: 64, SHA512: 128}

func normalizeHash(t Type, value string) (string, error) {
	v := strings.ToLower(strings.TrimSpace(value))
	if len(v) != hashLen[t] {
		return "", fmt.Errorf("a %s hash has %d hex digits, this one has %d", strings.ToUpper(string(t)), hashLen[t], len(v))
	}
	if !isHex(v) {
		return "", fmt.Errorf("a %s hash has only hex digits (0-9, a-f)", strings.ToUpper(string(t)))
	}
	return v, nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return len(s) > 0
}

func normalizeDomain(value string) (string, error) {
	v := Refang(value)
	v = strings.TrimPrefix(v, "*.")
	v = strings.TrimSuffix(v, ".")
	if v == "" {
		return "", errors.New("empty domain name")
	}
	if _, err := netip.ParseAddr(v); err == nil {
		return "", errors.New("an IP address is not a domain name")
	}
	ascii, err := idnaProfile.ToASCII(v)
	if err != nil {
		return "", fmt.Errorf("not a valid domain name: %w", err)
	}
	ascii = strings.ToLower(ascii)
	if strings.Contains(ascii, "xn--") {
		// The punycode must decode to a name that maps back to itself.
		if u, err := idnaProfile.ToUnicode(ascii); err != nil || strings.ContainsRune(u, utf8.RuneError) {
			return "", errors.New("not a valid internationalised domain name")
		}
	}
	if len(ascii) > 253 {
		return "", errors.New("domain name longer than 253 characters")
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", errors.New("a domain indicator needs at least two labels (a bare top-level domain would match everything below it)")
	}
	for _, l := range labels {
		if l == "" {
			return "", errors.New("domain name has an empty label")
		}
		if len(l) > 63 {
			return "", errors.New("domain name has a label longer than 63 characters")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("domain name has the character %q", c)
			}
		}
	}
	return ascii, nil
}

func normalizeURL(value string) (string, error) {
	v := Refang(value)
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", fmt.Errorf("not a valid URL: %w", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme == "" {
		return "", errors.New("URL has no scheme (such as http:)")
	}
	if u.Host == "" {
		return "", errors.New("URL has no host")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return "", errors.New("URL has no host")
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		host = a.Unmap().String()
		if a.Is6() && !a.Is4In6() {
			host = "[" + host + "]"
		}
	} else {
		h, err := normalizeDomainLoose(host)
		if err != nil {
			return "", fmt.Errorf("URL host: %w", err)
		}
		host = h
	}
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" && u.RawPath == "" && u.Opaque == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// normalizeDomainLoose is normalizeDomain for URL hosts, which may be a
// single label ("http://intranet/").
func normalizeDomainLoose(host string) (string, error) {
	h := strings.TrimSuffix(host, ".")
	if !strings.Contains(h, ".") {
		if h == "" {
			return "", errors.New("empty host")
		}
		h = strings.ToLower(h)
		for i := 0; i < len(h); i++ {
			if c := h[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("host name has the character %q", c)
			}
		}
		return h, nil
	}
	return normalizeDomain(h)
}

func normalizeIP(t Type, value string) (string, error) {
	v := strings.TrimSpace(Refang(value))
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", fmt.Errorf("not a valid CIDR block: %w", err)
		}
		addr := p.Addr().Unmap()
		p = netip.PrefixFrom(addr, p.Bits()-(p.Addr().BitLen()-addr.BitLen()))
		if err := checkFamily(t, addr); err != nil {
			return "", err
		}
		if p.IsSingleIP() {
			return addr.String(), nil
		}
		return p.Masked().String(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return "", fmt.Errorf("not a valid IP address: %w", err)
	}
	a = a.Unmap().WithZone("")
	if err := checkFamily(t, a); err != nil {
		return "", err
	}
	return a.String(), nil
}

func checkFamily(t Type, a netip.Addr) error {
	if t == IPv4 && !a.Is4() {
		return errors.New("an IPv6 address given as IPv4")
	}
	if t == IPv6 && a.Is4() {
		return errors.New("an IPv4 address given as IPv6")
	}
	return nil
}

func normalizeEmail(value string) (string, error) {
	v := strings.Trim(Refang(value), " <>\t")
	v = strings.TrimPrefix(strings.TrimPrefix(v, "mailto:"), "MAILTO:")
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return "", errors.New("an e-mail address has the form local@domain")
	}
	local, domain := v[:at], v[at+1:]
	if strings.ContainsAny(local, " \t\r\n<>") {
		return "", errors.New("e-mail address has blanks or angle brackets in its local part")
	}
	d, err := normalizeDomainLoose(domain)
	if err != nil {
		return "", fmt.Errorf("e-mail domain: %w", err)
	}
	return strings.ToLower(local) + "@" + d, nil
}

func isIdentifier(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// Detect guesses the type of a bare value, as found in a plain list or a
// Loki c2-iocs file, and returns it normalised. Hex strings of hash lengths
// are hashes; values with a scheme are URLs; "a@b" is an e-mail address;
// addresses and CIDR blocks are IPs; names whose last label is a real
// top-level domain are domains, other dotted names (evil.exe) file names.
func Detect(value string) (Type, string, error) {
	if err := checkValue(value); err != nil {
		return "", "", err
	}
	v := Refang(value)
	if v == "" {
		return "", "", errors.New("empty value")
	}
	if isHex(v) {
		for _, t := range []Type{MD5, SHA1, SHA256, SHA512} {
			if len(v) == hashLen[t] {
				return t, strings.ToLower(v), nil
			}
		}
	}
	if strings.Contains(v, "://") {
		n, err := normalizeURL(v)
		return URL, n, err
	}
	if strings.Contains(v, "@") && !strings.Contains(v, "/") {
		n, err := normalizeEmail(v)
		return Email, n, err
	}
	if n, err := normalizeIP(IPv4, v); err == nil {
		return IPv4, n, nil
	}
	if n, err := normalizeIP(IPv6, v); err == nil {
		return IPv6, n, nil
	}
	host, rest, hasPath := strings.Cut(v, "/")
	if d, err := normalizeDomain(host); err == nil {
		suffix, icann := publicsuffix.PublicSuffix(d)
		known := icann || strings.Contains(suffix, ".")
		if known {
			if hasPath {
				n, err := normalizeURL("http://" + host + "/" + rest)
				return URL, n, err
			}
			return Domain, d, nil
		}
	}
	if !strings.ContainsAny(v, `/\`) && strings.Contains(v, ".") {
		return Filename, v, nil
	}
	return "", "", fmt.Errorf("cannot tell what kind of indicator %q is", shorten(value))
}

// shorten cuts s for use in messages.
func shorten(s string) string {
	if len(s) <= 80 {
		return s
	}
	return s[:77] + "..."
}

// Shorten cuts a value to 80 bytes for messages and reports.
func Shorten(s string) string { return shorten(s) }
