// Package warninglist keeps known-good values from becoming indicators.
//
// A warning list, in MISP's format (github.com/MISP/misp-warninglists),
// names values that are almost never malicious — Google's domains, public
// DNS resolvers, RFC 1918 addresses, the hash of the empty file — and that
// analysts nevertheless paste into reports. Importing them as indicators
// would flag every Gmail user or every DNS query to 8.8.8.8. Apply removes
// them from a Collection and records each as a ProblemWarninglist naming
// the list, so that the import report says what was dropped and why.
//
// A list has a type that says how its entries match, exactly as in MISP:
//
//	string     the value equals an entry (case-insensitive)
//	substring  the value contains an entry (case-insensitive)
//	hostname   the host is an entry or a sub-domain of one; for a URL the
//	           host is the URL's host, for an e-mail address its domain
//	cidr       the address, or the whole CIDR block, is inside an entry
//	regex      a regular expression matches the value; PCRE delimiters and
//	           flags ("/^abuse@/i") are understood, the syntax is Go's
//	           (RE2: no back-references or look-around)
//
// and matching_attributes, the MISP attribute types it applies to (md5,
// domain, ip-dst, url, email-src ...), mapped to Vigie's indicator types.
// A list without matching_attributes applies to every type (cidr lists to
// addresses only).
//
// Builtin returns Vigie's own small set, written for this project: public
// DNS resolvers, special-use and private address blocks, the hashes of the
// empty file, and the domains of the largest providers. The provider list
// applies to Domain indicators only (a domain equal to or below
// google.com), not to URLs or e-mail addresses: a phishing page on
// sites.google.com or a lure sent from a gmail.com account is a genuine
// indicator.
package warninglist

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/safejson"
)

// Match types of a list.
const (
	TypeString    = "string"
	TypeSubstring = "substring"
	TypeHostname  = "hostname"
	TypeCIDR      = "cidr"
	TypeRegex     = "regex"
)

// Limits on a list file.
const (
	MaxListBytes   = 256 << 20
	MaxListEntries = 5_000_000
	maxRegexLen    = 4096
)

// List is one warning list.
type List struct {
	Name        string
	Description string
	Version     int64
	Type        string
	Entries     []string
	// Attributes are the list's matching_attributes as written.
	Attributes []string

	types typeMask
	// compiled entries
	regexes []*regexp.Regexp
	cidrs   []netip.Prefix
}

type typeMask uint32

func maskOf(t indicator.Type) typeMask {
	for i, x := range indicator.Types {
		if x == t {
			return 1 << uint(i)
		}
	}
	return 0
}

func maskOfAll(ts ...indicator.Type) typeMask {
	var m typeMask
	for _, t := range ts {
		m |= maskOf(t)
	}
	return m
}

var (
	hashMask = maskOfAll(indicator.MD5, indicator.SHA1, indicator.SHA256, indicator.SHA512)
	ipMask   = maskOfAll(indicator.IPv4, indicator.IPv6)
	allMask  = typeMask(1<<uint(len(indicator.Types)) - 1)
)

// attributeTypes maps MISP attribute types to the indicator types they
// cover. Types Vigie has no indicator for (ssdeep, AS, sha224 ...) map to
// nothing.
var attributeTypes = map[string]typeMask{
	"md5": maskOf(indicator.MD5), "sha1": maskOf(indicator.SHA1), "sha256": maskOf(indicator.SHA256), "sha512": maskOf(indicator.SHA512),
	"filename|md5": maskOf(indicator.MD5), "filename|sha1": maskOf(indicator.SHA1),
	"filename|sha256": maskOf(indicator.SHA256), "filename|sha512": maskOf(indicator.SHA512),
	"malware-sample": maskOf(indicator.MD5),
	"domain":         maskOf(indicator.Domain), "hostname": maskOf(indicator.Domain),
	"domain|ip": maskOf(indicator.Domain) | ipMask,
	"url":       maskOf(indicator.URL), "uri": maskOf(indicator.URL), "link": maskOf(indicator.URL),
	"ip-src": ipMask, "ip-dst": ipMask, "ip-src|port": ipMask, "ip-dst|port": ipMask,
	"email": maskOf(indicator.Email), "email-src": maskOf(indicator.Email), "email-dst": maskOf(indicator.Email),
	"email-reply-to": maskOf(indicator.Email), "target-email": maskOf(indicator.Email),
	"whois-registrant-email": maskOf(indicator.Email),
	"filename":               maskOf(indicator.Filename),
	"filename-pattern":       maskOf(indicator.PathRegex),
	"yara":                   maskOf(indicator.YARA),
}

// AppliesTo reports whether the list is consulted for indicators of type t.
func (l *List) AppliesTo(t indicator.Type) bool { return l.types&maskOf(t) != 0 }

type rawList struct {
	Name               *string  `json:"name"`
	Description        string   `json:"description"`
	Version            int64    `json:"version"`
	Type               *string  `json:"type"`
	List               []string `json:"list"`
	MatchingAttributes []string `json:"matching_attributes"`
}

// InvalidEntriesError lists the entries of a list that cannot be used: a
// regular expression Go cannot compile, a malformed CIDR block. Parse
// returns it together with a List holding the other entries, which is
// usable.
type InvalidEntriesError struct {
	List    string   // the list's name
	Input   string   // the file or stream it came from
	Entries []string // "entry: reason"
}

func (e *InvalidEntriesError) Error() string {
	return fmt.Sprintf("%s: warning list %q: %d unusable entries: %s", e.Input, e.List, len(e.Entries), strings.Join(e.Entries, "; "))
}

// Parse reads one warning list in MISP's JSON format. name names the input
// in errors (a file path). If some entries are unusable the error is an
// *InvalidEntriesError and the returned List holds the others; any other
// error comes with a nil List.
func Parse(r io.Reader, name string) (*List, error) {
	data, err := safejson.ReadAll(r, name, MaxListBytes)
	if err != nil {
		return nil, err
	}
	var raw rawList
	if err := safejson.Unmarshal(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), name, 16, &raw); err != nil {
		return nil, fmt.Errorf("warning list: %w", err)
	}
	if raw.Name == nil || strings.TrimSpace(*raw.Name) == "" {
		return nil, fmt.Errorf("%s: warning list has no \"name\"", name)
	}
	if raw.Type == nil {
		return nil, fmt.Errorf("%s: warning list %q has no \"type\"", name, *raw.Name)
	}
	if raw.List == nil {
		return nil, fmt.Errorf("%s: warning list %q has no \"list\"", name, *raw.Name)
	}
	if len(raw.List) > MaxListEntries {
		return nil, fmt.Errorf("%s: warning list %q has %d entries, more than the %d allowed", name, *raw.Name, len(raw.List), MaxListEntries)
	}
	l := &List{
		Name:        strings.TrimSpace(*raw.Name),
		Description: raw.Description,
		Version:     raw.Version,
		Type:        strings.ToLower(strings.TrimSpace(*raw.Type)),
		Attributes:  raw.MatchingAttributes,
	}
	switch l.Type {
	case TypeString, TypeSubstring, TypeHostname, TypeCIDR, TypeRegex:
	default:
		return nil, fmt.Errorf("%s: warning list %q has type %q (want string, substring, hostname, cidr or regex)", name, l.Name, indicator.Shorten(*raw.Type))
	}
	if len(raw.MatchingAttributes) == 0 {
		switch l.Type {
		case TypeCIDR:
			l.types = ipMask
		default:
			l.types = allMask
		}
	} else {
		for _, a := range raw.MatchingAttributes {
			l.types |= attributeTypes[strings.ToLower(strings.TrimSpace(a))]
		}
	}
	var bad []string
	seen := make(map[string]bool, len(raw.List))
	for _, e := range raw.List {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		switch l.Type {
		case TypeRegex:
			re, err := compilePCRE(e)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%q: %v", indicator.Shorten(e), err))
				continue
			}
			l.regexes = append(l.regexes, re)
		case TypeCIDR:
			p, err := parseCIDR(e)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%q: %v", indicator.Shorten(e), err))
				continue
			}
			l.cidrs = append(l.cidrs, p)
		case TypeHostname:
			e = strings.ToLower(strings.Trim(e, "."))
			if e == "" {
				continue
			}
		default:
			e = strings.ToLower(e)
		}
		if seen[e] {
			continue
		}
		seen[e] = true
		l.Entries = append(l.Entries, e)
	}
	if len(bad) > 0 {
		return l, &InvalidEntriesError{List: l.Name, Input: name, Entries: bad}
	}
	return l, nil
}

// compilePCRE compiles a MISP regex entry. Entries are PHP PCRE patterns
// with delimiters and flags ("/^abuse@/i", "#foo#"); a pattern without
// delimiters is used as is. The flags i, m, s and u are understood (u is
// implied in Go); x and others are refused.
func compilePCRE(e string) (*regexp.Regexp, error) {
	if len(e) > maxRegexLen {
		return nil, fmt.Errorf("pattern longer than %d bytes", maxRegexLen)
	}
	pat := e
	d := e[0]
	if len(e) >= 2 && strings.IndexByte(`/#~!@%|+`, d) >= 0 {
		end := strings.LastIndexByte(e, d)
		if end > 0 {
			pat = e[1:end]
			flags := ""
			for _, f := range e[end+1:] {
				switch f {
				case 'i', 'm', 's':
					if !strings.ContainsRune(flags, f) {
						flags += string(f)
					}
				case 'u', 'D':
				default:
					return nil, fmt.Errorf("PCRE flag %q is not supported", f)
				}
			}
			if flags != "" {
				pat = "(?" + flags + ")" + pat
			}
		}
	}
	return regexp.Compile(pat)
}

// parseCIDR reads a block or a single address (as a /32 or /128).
func parseCIDR(e string) (netip.Prefix, error) {
	if strings.Contains(e, "/") {
		p, err := netip.ParsePrefix(e)
		if err != nil {
			return netip.Prefix{}, err
		}
		a := p.Addr()
		if a.Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, errors.New("an IPv4-mapped block shorter than /96")
			}
			p = netip.PrefixFrom(a.Unmap(), bits)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(e)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap().WithZone("")
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// LoadDir reads every *.json file of dir as a warning list (a MISP
// misp-warninglists checkout keeps them as lists/<name>/list.json, which
// LoadDir finds too). Lists with unusable entries are kept without them;
// all errors are joined in the returned error, and the Set holds every
// list that could be read.
func LoadDir(dir string) (*Set, error) {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(d.Name(), ".json") && d.Name() != "schema.json" && d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("warning lists: %w", err)
	}
	sort.Strings(files)
	var lists []*List
	var errs []error
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l, err := Parse(fh, f)
		fh.Close()
		if err != nil {
			errs = append(errs, err)
		}
		if l != nil {
			lists = append(lists, l)
		}
	}
	return NewSet(lists...), errors.Join(errs...)
}
