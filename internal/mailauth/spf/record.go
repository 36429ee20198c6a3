// Package spf evaluates Sender Policy Framework records (RFC 7208):
// check_host() with every mechanism (all, include, a, mx, ptr, ip4, ip6,
// exists), the redirect and exp modifiers, macro expansion (§7), the
// limit of 10 DNS-querying terms and of 2 void lookups (§4.6.4). A DNS
// failure gives temperror, never an error.
package spf

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// MaxRecordLength bounds a record (the TXT strings joined).
const MaxRecordLength = 4096

// Qualifier is the result a matching mechanism gives.
type Qualifier byte

// The qualifiers.
const (
	QPass     Qualifier = '+'
	QFail     Qualifier = '-'
	QSoftFail Qualifier = '~'
	QNeutral  Qualifier = '?'
)

// Mechanism is one directive of a record.
type Mechanism struct {
	Qualifier Qualifier
	Kind      string // all include a mx ptr ip4 ip6 exists
	Domain    string // domain-spec, unexpanded ("" = current domain)
	IP        *net.IPNet
	CIDR4     int // a/mx: prefix length for IPv4 (32 default)
	CIDR6     int // a/mx: prefix length for IPv6 (128 default)
}

// String renders the mechanism as written.
func (m Mechanism) String() string {
	s := ""
	if m.Qualifier != QPass {
		s = string(m.Qualifier)
	}
	s += m.Kind
	switch {
	case m.IP != nil:
		s += ":" + m.IP.String()
	case m.Domain != "":
		s += ":" + m.Domain
	}
	if m.Kind == "a" || m.Kind == "mx" {
		if m.CIDR4 != 32 {
			s += "/" + strconv.Itoa(m.CIDR4)
		}
		if m.CIDR6 != 128 {
			s += "//" + strconv.Itoa(m.CIDR6)
		}
	}
	return s
}

// Record is a parsed SPF record.
type Record struct {
	Mechanisms []Mechanism
	Redirect   string // redirect= domain-spec
	Exp        string // exp= domain-spec
	// Unknown modifiers (ignored per §6, kept for reports).
	Unknown []string
}

// IsSPF reports whether a TXT record is an SPF version 1 record.
func IsSPF(txt string) bool {
	if len(txt) < 6 || !strings.EqualFold(txt[:6], "v=spf1") {
		return false
	}
	return len(txt) == 6 || txt[6] == ' '
}

// ParseRecord parses an SPF record ("v=spf1 ..."). Syntax errors are
// returned: check_host turns them into permerror.
func ParseRecord(txt string) (*Record, error) {
	if len(txt) > MaxRecordLength {
		return nil, fmt.Errorf("spf record longer than %d bytes", MaxRecordLength)
	}
	if !IsSPF(txt) {
		return nil, errors.New("spf record does not start with v=spf1")
	}
	r := &Record{}
	for _, term := range strings.Split(txt[6:], " ") {
		if term == "" {
			continue
		}
		if err := r.addTerm(term); err != nil {
			return nil, fmt.Errorf("spf term %q: %w", truncate(term, 60), err)
		}
	}
	return r, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func (r *Record) addTerm(term string) error {
	// Modifier: name "=" value, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
	if eq := strings.IndexByte(term, '='); eq > 0 && isModifierName(term[:eq]) {
		name, val := strings.ToLower(term[:eq]), term[eq+1:]
		if err := checkMacroString(val); err != nil {
			return err
		}
		switch name {
		case "redirect":
			if r.Redirect != "" {
				return errors.New("redirect= appears twice")
			}
			if val == "" {
				return errors.New("empty redirect=")
			}
			r.Redirect = val
		case "exp":
			if r.Exp != "" {
				return errors.New("exp= appears twice")
			}
			if val == "" {
				return errors.New("empty exp=")
			}
			r.Exp = val
		default:
			r.Unknown = append(r.Unknown, term)
		}
		return nil
	}
	m := Mechanism{Qualifier: QPass, CIDR4: 32, CIDR6: 128}
	switch term[0] {
	case '+', '-', '~', '?':
		m.Qualifier = Qualifier(term[0])
		term = term[1:]
	}
	name, arg, hasArg := term, "", false
	if i := strings.IndexAny(term, ":/"); i >= 0 {
		name, arg = term[:i], term[i:]
		hasArg = true
	}
	m.Kind = strings.ToLower(name)
	switch m.Kind {
	case "all":
		if hasArg {
			return errors.New("all takes no argument")
		}
	case "include", "exists":
		if !strings.HasPrefix(arg, ":") || len(arg) < 2 {
			return fmt.Errorf("%s needs :domain", m.Kind)
		}
		m.Domain = arg[1:]
		if err := checkDomainSpec(m.Domain); err != nil {
			return err
		}
	case "a", "mx", "ptr":
		if strings.HasPrefix(arg, ":") {
			ds := arg[1:]
			if m.Kind != "ptr" {
				if i := strings.IndexByte(ds, '/'); i >= 0 {
					ds, arg = ds[:i], ds[i:]
				} else {
					arg = ""
				}
			} else {
				arg = ""
			}
			if ds == "" {
				return fmt.Errorf("%s: empty domain", m.Kind)
			}
			if err := checkDomainSpec(ds); err != nil {
				return err
			}
			m.Domain = ds
		}
		if arg != "" {
			if m.Kind == "ptr" {
				return errors.New("ptr takes no CIDR length")
			}
			if err := parseDualCIDR(arg, &m); err != nil {
				return err
			}
		}
	case "ip4", "ip6":
		if !strings.HasPrefix(arg, ":") {
			return fmt.Errorf("%s needs :address", m.Kind)
		}
		n, err := parseIPNet(arg[1:], m.Kind == "ip6")
		if err != nil {
			return err
		}
		m.IP = n
	default:
		return fmt.Errorf("unknown mechanism %q", truncate(name, 30))
	}
	r.Mechanisms = append(r.Mechanisms, m)
	return nil
}

func isModifierName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if i == 0 && !alpha {
			return false
		}
		if !alpha && !(c >= '0' && c <= '9') && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return s != ""
}

func parseDualCIDR(s string, m *Mechanism) error {
	// "/n", "//n", "/n//n"
	v4, v6, has6 := s, "", false
	if i := strings.Index(s, "//"); i >= 0 {
		v4, v6, has6 = s[:i], s[i+2:], true
	}
	if v4 != "" {
		n, err := cidrLen(strings.TrimPrefix(v4, "/"), 32)
		if err != nil || !strings.HasPrefix(v4, "/") {
			return fmt.Errorf("bad ip4 CIDR length %q", v4)
		}
		m.CIDR4 = n
	}
	if has6 {
		n, err := cidrLen(v6, 128)
		if err != nil {
			return fmt.Errorf("bad ip6 CIDR length %q", v6)
		}
		m.CIDR6 = n
	}
	return nil
}

func cidrLen(s string, max int) (int, error) {
	if s == "" || len(s) > 3 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("bad length")
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > max {
		return 0, errors.New("bad length")
	}
	return n, nil
}

func parseIPNet(s string, v6 bool) (*net.IPNet, error) {
	addr, plen, hasLen := strings.Cut(s, "/")
	ip := net.ParseIP(addr)
	if ip == nil || (ip.To4() != nil && !strings.Contains(addr, ":")) == v6 {
		return nil, fmt.Errorf("bad address %q", truncate(addr, 50))
	}
	bits := 32
	if v6 {
		bits = 128
	} else {
		ip = ip.To4()
	}
	n := bits
	if hasLen {
		var err error
		if n, err = cidrLen(plen, bits); err != nil {
			return nil, fmt.Errorf("bad CIDR length %q", plen)
		}
	}
	mask := net.CIDRMask(n, bits)
	return &net.IPNet{IP: ip.Mask(mask), Mask: mask}, nil
}

// checkDomainSpec checks the macro syntax and that a domain-spec ends in
// a toplabel or a macro (§7.1).
func checkDomainSpec(s string) error {
	if err := checkMacroString(s); err != nil {
		return err
	}
	if strings.HasSuffix(s, "}") {
		return nil
	}
	t := strings.TrimSuffix(s, ".")
	i := strings.LastIndexByte(t, '.')
	if i < 0 {
		return fmt.Errorf("domain %q has no top label", truncate(s, 60))
	}
	top := t[i+1:]
	if top == "" {
		return fmt.Errorf("domain %q has an empty label", truncate(s, 60))
	}
	allDigits := true
	for j := 0; j < len(top); j++ {
		c := top[j]
		if !(c >= '0' && c <= '9') {
			allDigits = false
		}
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("domain %q: bad top label", truncate(s, 60))
		}
	}
	if allDigits || top[0] == '-' || top[len(top)-1] == '-' {
		return fmt.Errorf("domain %q: bad top label", truncate(s, 60))
	}
	return nil
}

// checkMacroString validates macro syntax without expanding.
func checkMacroString(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c > 0x7e {
			return fmt.Errorf("invalid character 0x%02x", c)
		}
		if c != '%' {
			continue
		}
		if i+1 >= len(s) {
			return errors.New("'%' at end")
		}
		switch s[i+1] {
		case '%', '_', '-':
			i++
			continue
		case '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return errors.New("unterminated macro")
			}
			if _, err := parseMacro(s[i+2 : i+end]); err != nil {
				return err
			}
			i += end
		default:
			return fmt.Errorf("invalid macro escape %%%c", s[i+1])
		}
	}
	return nil
}

type macro struct {
	letter  byte // lower case
	upper   bool
	digits  int
	reverse bool
	delims  string
}

func parseMacro(body string) (macro, error) {
	if body == "" {
		return macro{}, errors.New("empty macro")
	}
	m := macro{letter: body[0] | 0x20, upper: body[0] >= 'A' && body[0] <= 'Z'}
	if !strings.ContainsRune("slodiphcrtv", rune(m.letter)) {
		return m, fmt.Errorf("unknown macro letter %q", body[0])
	}
	rest := body[1:]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	if j > 0 {
		n, err := strconv.Atoi(rest[:j])
		if err != nil || n == 0 || n > 128 {
			return m, fmt.Errorf("bad macro digits %q", rest[:j])
		}
		m.digits = n
	}
	rest = rest[j:]
	if strings.HasPrefix(rest, "r") || strings.HasPrefix(rest, "R") {
		m.reverse = true
		rest = rest[1:]
	}
	for k := 0; k < len(rest); k++ {
		if !strings.ContainsRune(".-+,/_=", rune(rest[k])) {
			return m, fmt.Errorf("bad macro delimiter %q", rest[k])
		}
	}
	m.delims = rest
	return m, nil
}
