package mailauth

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Archive limits: an archive is untrusted input like everything else.
const (
	MaxArchiveSize    = 32 << 20 // bytes of one archive file
	MaxArchiveRecords = 200000
	maxTXTLen         = 64 << 10 // one TXT record after joining its strings
)

// ArchivedRecord is one TXT record of an archive, with the period it was
// published (zero times mean "unbounded").
type ArchivedRecord struct {
	Name      string // lower case, no final dot
	Value     string // the character strings joined
	NotBefore time.Time
	NotAfter  time.Time
	Line      int // line where the record starts
}

// ValidAt reports whether the record was published at t (a zero t is
// always inside).
func (r ArchivedRecord) ValidAt(t time.Time) bool {
	if t.IsZero() {
		return true
	}
	if !r.NotBefore.IsZero() && t.Before(r.NotBefore) {
		return false
	}
	if !r.NotAfter.IsZero() && t.After(r.NotAfter) {
		return false
	}
	return true
}

// Archive is a set of archived TXT records (typically DKIM keys that were
// once published and have since been rotated out of DNS). It implements
// KeyResolver and SourceResolver (source "archive").
//
// Two input syntaxes are accepted, mixed freely, one file at a time:
//
//  1. Zone-file syntax (RFC 1035 §5): `owner [ttl] [class] TXT "str" "str"...`,
//     with $ORIGIN and $TTL, `@`, relative names, ";" comments, quoted
//     strings with \" \\ \DDD escapes and parentheses across lines.
//     Records of other types (A, MX, SOA...) are counted in Ignored.
//     Strings longer than DNS's 255 bytes are accepted (an archive is
//     written by hand as often as exported from DNS).
//  2. The plain one-line form used by opendkim's TestPublicKeys and
//     dkimpy tests: `selector._domainkey.domain v=DKIM1; k=rsa; p=...`
//     (the rest of the line is the record value).
//
// Lines starting with "#" are comments too.
//
// Validity period: a comment `; valid FROM..TO` at the end of a record's
// line (or any line of a parenthesised record) gives the period the key
// was published. FROM and TO are dates (2016-01-01, TO inclusive to the
// end of that day, UTC) or RFC 3339 times; either may be empty for an
// open end:
//
//	s2016._domainkey.example.org. IN TXT "v=DKIM1; k=rsa; p=MIIB..." ; valid 2016-01-01..2017-06-30
//	s2017._domainkey.example.org v=DKIM1; k=rsa; p=MIIB... ; valid 2017-07-01..
type Archive struct {
	records map[string][]ArchivedRecord
	// At, when not zero, restricts lookups to records valid at that time.
	At time.Time
	// Ignored counts records of other types and directives that were
	// read but not used, with their line numbers (at most 100 kept).
	Ignored      int
	IgnoredLines []int
}

// Records returns every record of the archive, sorted by name then line.
func (a *Archive) Records() []ArchivedRecord {
	var out []ArchivedRecord
	for _, rs := range a.records {
		out = append(out, rs...)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Line < out[j].Line
	})
	return out
}

// AtTime returns a view of the archive that only answers with records
// valid at t (records without a period always answer).
func (a *Archive) AtTime(t time.Time) *Archive {
	b := *a
	b.At = t
	return &b
}

// Lookup returns the records for name valid at the archive's At time.
func (a *Archive) Lookup(name string) []ArchivedRecord {
	var out []ArchivedRecord
	for _, r := range a.records[normName(name)] {
		if r.ValidAt(a.At) {
			out = append(out, r)
		}
	}
	return out
}

// LookupTXT implements KeyResolver.
func (a *Archive) LookupTXT(ctx context.Context, name string) ([]string, error) {
	r, _, err := a.LookupTXTSource(ctx, name)
	return r, err
}

// LookupTXTSource implements SourceResolver.
func (a *Archive) LookupTXTSource(_ context.Context, name string) ([]string, string, error) {
	var out []string
	for _, r := range a.Lookup(name) {
		out = append(out, r.Value)
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("archive TXT %s: %w", name, ErrNotFound)
	}
	return out, "archive", nil
}

// Add adds one record (used by tests and by callers that build an archive
// from their own store).
func (a *Archive) Add(r ArchivedRecord) {
	if a.records == nil {
		a.records = map[string][]ArchivedRecord{}
	}
	r.Name = normName(r.Name)
	a.records[r.Name] = append(a.records[r.Name], r)
}

// LoadArchiveFile reads an archive file (see Archive for the syntax).
func LoadArchiveFile(path string) (*Archive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("key archive: %w", err)
	}
	defer f.Close()
	a, err := ParseArchive(f, path)
	if err != nil {
		return nil, err
	}
	return a, nil
}

var validRe = regexp.MustCompile(`(?i);\s*valid\s+(\S*)\.\.(\S*)\s*$`)

// ParseArchive parses an archive from r; name labels errors.
func ParseArchive(r io.Reader, name string) (*Archive, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxArchiveSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxArchiveSize {
		return nil, fmt.Errorf("%s: archive larger than %d bytes", name, MaxArchiveSize)
	}
	a := &Archive{records: map[string][]ArchivedRecord{}}
	p := zoneParser{name: name, data: data, a: a, lastTTLless: true}
	if err := p.run(); err != nil {
		return nil, err
	}
	return a, nil
}

type zoneParser struct {
	name        string
	data        []byte
	a           *Archive
	origin      string
	lastOwner   string
	lastTTLless bool
	count       int
}

func (p *zoneParser) errf(line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", p.name, line, fmt.Sprintf(format, args...))
}

// logicalRecord is one record after joining parenthesised lines.
type logicalRecord struct {
	line     int
	tokens   []token
	comments []string
	raw      string // first physical line, for the plain one-line form
	indented bool   // starts with blank: owner omitted
}

type token struct {
	text   string
	quoted bool
}

func (p *zoneParser) run() error {
	lines := bytes.Split(p.data, []byte("\n"))
	for i := 0; i < len(lines); i++ {
		lineNo := i + 1
		raw := strings.TrimRight(string(lines[i]), "\r")
		if strings.TrimSpace(raw) == "" || strings.HasPrefix(strings.TrimSpace(raw), "#") {
			continue
		}
		rec := logicalRecord{line: lineNo, raw: raw, indented: raw[0] == ' ' || raw[0] == '\t'}
		depth := 0
		for {
			toks, comment, d, err := lexLine(raw, depth)
			if err != nil {
				return p.errf(i+1, "%v", err)
			}
			depth = d
			rec.tokens = append(rec.tokens, toks...)
			if comment != "" {
				rec.comments = append(rec.comments, comment)
			}
			if depth == 0 {
				break
			}
			i++
			if i >= len(lines) {
				return p.errf(lineNo, "unclosed parenthesis")
			}
			raw = strings.TrimRight(string(lines[i]), "\r")
		}
		if len(rec.tokens) == 0 {
			continue // comment-only line
		}
		if err := p.record(rec); err != nil {
			return err
		}
	}
	return nil
}

// lexLine splits one physical line into tokens, returning the comment
// text (without ';') and the parenthesis depth after the line.
func lexLine(s string, depth int) ([]token, string, int, error) {
	var toks []token
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == ';':
			return toks, s[i:], depth, nil
		case c == '(':
			depth++
			i++
		case c == ')':
			if depth == 0 {
				return nil, "", 0, fmt.Errorf("unbalanced ')' at column %d", i+1)
			}
			depth--
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '"' {
					closed = true
					i++
					break
				}
				if s[i] == '\\' && i+1 < len(s) {
					if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
						v, _ := strconv.Atoi(s[i+1 : i+4])
						if v > 255 {
							return nil, "", 0, fmt.Errorf("bad escape \\%s", s[i+1:i+4])
						}
						b.WriteByte(byte(v))
						i += 4
						continue
					}
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, "", 0, fmt.Errorf("unterminated quoted string")
			}
			toks = append(toks, token{text: b.String(), quoted: true})
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != ';' && s[j] != '(' && s[j] != ')' && s[j] != '"' {
				j++
			}
			toks = append(toks, token{text: s[i:j]})
			i = j
		}
	}
	return toks, "", depth, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isClass(s string) bool {
	switch strings.ToUpper(s) {
	case "IN", "CH", "HS", "CS":
		return true
	}
	return false
}

func isTTL(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isDigit(c) && !strings.ContainsRune("smhdwSMHDW", rune(c)) {
			return false
		}
	}
	return isDigit(s[0])
}

var rrTypeRe = regexp.MustCompile(`^(?i:A|AAAA|MX|NS|SOA|CNAME|PTR|SRV|CAA|DS|DNSKEY|RRSIG|NSEC|NSEC3|TLSA|SPF|HINFO|NAPTR|SSHFP|TYPE[0-9]+)$`)

func (p *zoneParser) ignore(line int) {
	p.a.Ignored++
	if len(p.a.IgnoredLines) < 100 {
		p.a.IgnoredLines = append(p.a.IgnoredLines, line)
	}
}

func (p *zoneParser) absName(n string, line int) (string, error) {
	if n == "@" {
		if p.origin == "" {
			return "", p.errf(line, "'@' used before $ORIGIN")
		}
		return p.origin, nil
	}
	if strings.HasSuffix(n, ".") {
		return normName(n), nil
	}
	if p.origin != "" {
		return normName(n + "." + p.origin), nil
	}
	return normName(n), nil
}

func (p *zoneParser) record(rec logicalRecord) error {
	t := rec.tokens
	first := t[0].text
	if !t[0].quoted && strings.HasPrefix(first, "$") {
		switch strings.ToUpper(first) {
		case "$ORIGIN":
			if len(t) < 2 {
				return p.errf(rec.line, "$ORIGIN without a name")
			}
			p.origin = normName(t[1].text)
		case "$TTL":
		default:
			p.ignore(rec.line)
		}
		return nil
	}
	var owner string
	rest := t
	if rec.indented {
		if p.lastOwner == "" {
			return p.errf(rec.line, "record without owner name and no previous owner")
		}
		owner = p.lastOwner
	} else {
		if t[0].quoted {
			return p.errf(rec.line, "record starts with a quoted string, expected an owner name")
		}
		if !validOwner(first) {
			return p.errf(rec.line, "%q is not a domain name", truncateStr(first, 60))
		}
		n, err := p.absName(first, rec.line)
		if err != nil {
			return err
		}
		owner = n
		rest = t[1:]
	}
	// Skip optional TTL and class, in either order.
	for k := 0; k < 2 && len(rest) > 0 && !rest[0].quoted && (isTTL(rest[0].text) || isClass(rest[0].text)); k++ {
		rest = rest[1:]
	}
	validity := ""
	for _, c := range rec.comments {
		if m := validRe.FindStringSubmatch(c); m != nil {
			validity = m[0]
		}
	}
	var value string
	switch {
	case len(rest) > 0 && !rest[0].quoted && strings.EqualFold(rest[0].text, "TXT"):
		if len(rest) < 2 {
			return p.errf(rec.line, "TXT record for %s without a string", owner)
		}
		var b strings.Builder
		for _, s := range rest[1:] {
			if !s.quoted && len(rest) > 2 {
				return p.errf(rec.line, "TXT record for %s: unquoted word %q among strings", owner, s.text)
			}
			b.WriteString(s.text)
		}
		value = b.String()
	case len(rest) > 0 && !rest[0].quoted && rrTypeRe.MatchString(rest[0].text):
		p.lastOwner = owner
		p.ignore(rec.line)
		return nil
	default:
		// Plain one-line form: the rest of the physical line is the value.
		if rec.indented || len(rest) == 0 {
			return p.errf(rec.line, "cannot parse record for %s: expected TXT or a DKIM record value", owner)
		}
		line := strings.TrimSpace(rec.raw)
		idx := strings.IndexAny(line, " \t")
		value = strings.TrimSpace(line[idx+1:])
		if m := validRe.FindStringIndex(value); m != nil {
			validity = value[m[0]:]
			value = strings.TrimSpace(value[:m[0]])
		}
	}
	if len(value) > maxTXTLen {
		return p.errf(rec.line, "TXT record for %s longer than %d bytes", owner, maxTXTLen)
	}
	ar := ArchivedRecord{Name: owner, Value: value, Line: rec.line}
	if validity != "" {
		m := validRe.FindStringSubmatch(validity)
		var err error
		if ar.NotBefore, err = parseValidDate(m[1], false); err != nil {
			return p.errf(rec.line, "valid period start: %v", err)
		}
		if ar.NotAfter, err = parseValidDate(m[2], true); err != nil {
			return p.errf(rec.line, "valid period end: %v", err)
		}
		if !ar.NotBefore.IsZero() && !ar.NotAfter.IsZero() && ar.NotAfter.Before(ar.NotBefore) {
			return p.errf(rec.line, "valid period ends before it starts")
		}
	}
	p.count++
	if p.count > MaxArchiveRecords {
		return p.errf(rec.line, "more than %d records", MaxArchiveRecords)
	}
	p.lastOwner = owner
	p.a.Add(ar)
	return nil
}

func validOwner(s string) bool {
	if s == "@" {
		return true
	}
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' || c == '*') {
			return false
		}
	}
	return true
}

func truncateStr(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

func parseValidDate(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if end {
			t = t.Add(24*time.Hour - time.Nanosecond)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is neither YYYY-MM-DD nor RFC 3339", s)
	}
	return t, nil
}

var _ SourceResolver = (*Archive)(nil)
