package pdns

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Limits on one list file.
const (
	maxListLine  = 64 << 10   // bytes in one line (or one parenthesised RPZ record)
	maxListNames = 20_000_000 // trigger names from one file
)

// Problem is one line of a list that could not be read.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Err  string `json:"error"`
}

func (p Problem) Error() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Err) }

// LoadReport tells what one list file gave.
type LoadReport struct {
	File     string    `json:"file"`
	Names    int       `json:"names"`
	Skipped  int       `json:"skipped"`  // lines with a problem (lenient)
	Problems []Problem `json:"problems"` // the first few of them
}

const keepProblems = 20

func (r *LoadReport) problem(lenient bool, line int, format string, a ...any) error {
	p := Problem{File: r.File, Line: line, Err: fmt.Sprintf(format, a...)}
	if !lenient {
		return p
	}
	r.Skipped++
	if len(r.Problems) < keepProblems {
		r.Problems = append(r.Problems, p)
	}
	return nil
}

// AddBlocklist reads a plain list and blocks each name with its
// sub-domains. A line is a name ("bad.example"), a hosts-file line
// ("0.0.0.0 bad.example other.example"), or an Adblock-style domain rule
// ("||bad.example^"); "#" and "!" start comments. A malformed line is an
// error naming the file and line; with lenient it is skipped and counted.
func (b *Builder) AddBlocklist(file string, r io.Reader, lenient bool) (LoadReport, error) {
	rep := LoadReport{File: file}
	src, err := b.source(KindList, file)
	if err != nil {
		return rep, err
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxListLine)
	line := 0
	for sc.Scan() {
		line++
		s := sc.Text()
		if i := strings.IndexAny(s, "#"); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		if s == "" || s[0] == '!' {
			continue
		}
		var names []string
		switch {
		case strings.HasPrefix(s, "||"):
			n := strings.TrimPrefix(s, "||")
			n, opts, _ := strings.Cut(n, "^")
			if opts != "" && opts != "$important" {
				if err := rep.problem(lenient, line, "adblock rule %q has options this resolver cannot apply to a whole name", s); err != nil {
					return rep, err
				}
				continue
			}
			names = []string{n}
		default:
			f := strings.Fields(s)
			if _, err := netip.ParseAddr(f[0]); err == nil {
				if len(f) < 2 {
					if err := rep.problem(lenient, line, "hosts line with an address and no name"); err != nil {
						return rep, err
					}
					continue
				}
				names = f[1:]
			} else {
				if len(f) != 1 {
					if err := rep.problem(lenient, line, "%q is neither a name nor a hosts-file line", s); err != nil {
						return rep, err
					}
					continue
				}
				names = f
			}
		}
		for _, raw := range names {
			n, err := normalizeName(raw)
			if err == nil && strings.Contains(n, "*") {
				err = fmt.Errorf("wildcards are not needed: a listed name blocks its sub-domains")
			}
			if err == nil && !strings.Contains(n, ".") && isHostsNoise(n) {
				continue // "localhost", "broadcasthost" in a hosts file
			}
			if err != nil {
				if err := rep.problem(lenient, line, "%v", err); err != nil {
					return rep, err
				}
				continue
			}
			if rep.Names >= maxListNames {
				return rep, Problem{File: file, Line: line, Err: fmt.Sprintf("more than %d names in one list", maxListNames)}
			}
			b.add(n, src, BlockNXDomain, uint32(line), true, true)
			rep.Names++
		}
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("%s:%d: %w", file, line+1, err)
	}
	return rep, nil
}

func isHostsNoise(n string) bool {
	switch n {
	case "localhost", "localhost.localdomain", "local", "broadcasthost", "ip6-localhost", "ip6-loopback",
		"ip6-localnet", "ip6-mcastprefix", "ip6-allnodes", "ip6-allrouters", "ip6-allhosts":
		return true
	}
	return false
}

// AddRPZ reads a Response Policy Zone in zone-file syntax. The zone's
// origin is taken from $ORIGIN or the SOA record (or given as origin; when
// none is known, owners written relative to "@" are triggers as written);
// each record's owner, relative to the origin, is a QNAME trigger
// ("bad.example" or "*.bad.example"). The action is the record:
//
//	CNAME .               NXDOMAIN
//	CNAME *.              NODATA
//	CNAME rpz-passthru.   PASSTHRU (resolve normally, no later rule)
//	CNAME rpz-drop.       DROP (no answer)
//	anything else         local data, answered instead of the real records
//
// Triggers of other kinds (rpz-ip, rpz-nsdname, rpz-nsip, rpz-client-ip)
// are refused as errors naming the line, since this resolver applies QNAME
// policy only; with lenient they are skipped and counted.
func (b *Builder) AddRPZ(file string, r io.Reader, origin string, lenient bool) (LoadReport, error) {
	rep := LoadReport{File: file}
	src, err := b.source(KindRPZ, file)
	if err != nil {
		return rep, err
	}
	if origin != "" {
		origin = dns.Fqdn(strings.ToLower(origin))
	}
	rd := &zoneReader{r: bufio.NewReaderSize(r, 64<<10)}
	ttl := uint32(3600)
	var lastOwner string
	local := map[string]int{} // trigger+self/below → index in b.p.local
	for {
		rec, line, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, Problem{File: file, Line: line, Err: err.Error()}
		}
		if rec == "" {
			continue
		}
		f := strings.Fields(rec)
		if strings.HasPrefix(f[0], "$") {
			switch strings.ToUpper(f[0]) {
			case "$ORIGIN":
				if len(f) != 2 {
					return rep, Problem{File: file, Line: line, Err: "$ORIGIN needs one name"}
				}
				origin = dns.Fqdn(strings.ToLower(f[1]))
			case "$TTL":
				if len(f) != 2 {
					return rep, Problem{File: file, Line: line, Err: "$TTL needs a number of seconds"}
				}
				v, err := strconv.ParseUint(f[1], 10, 32)
				if err != nil {
					return rep, Problem{File: file, Line: line, Err: "$TTL needs a number of seconds"}
				}
				ttl = uint32(v)
			case "$INCLUDE":
				return rep, Problem{File: file, Line: line, Err: "$INCLUDE is not followed (give each file with --rpz)"}
			default:
				if err := rep.problem(lenient, line, "unknown directive %s", f[0]); err != nil {
					return rep, err
				}
			}
			continue
		}
		// A record whose line starts with a blank has the previous owner.
		owner := lastOwner
		if rec[0] != ' ' && rec[0] != '\t' {
			owner = f[0]
		}
		if owner == "" {
			return rep, Problem{File: file, Line: line, Err: "a record with no owner name before it"}
		}
		lastOwner = owner
		// Fast path: "name CNAME target" with optional TTL and class.
		eff := origin
		if eff == "" {
			eff = placeholderOrigin
		}
		rr, err := parseRecord(rec, owner, eff, ttl)
		if err != nil {
			if err := rep.problem(lenient, line, "%v", err); err != nil {
				return rep, err
			}
			continue
		}
		if soa, ok := rr.(*dns.SOA); ok {
			if origin == "" {
				origin = strings.ToLower(soa.Hdr.Name)
			}
			continue
		}
		if _, ok := rr.(*dns.NS); ok && strings.EqualFold(rr.Header().Name, origin) {
			continue
		}
		if origin == "" {
			origin = placeholderOrigin
		}
		trigger, ok := relative(strings.ToLower(rr.Header().Name), origin)
		if !ok {
			if err := rep.problem(lenient, line, "%s is outside the zone %s", rr.Header().Name, origin); err != nil {
				return rep, err
			}
			continue
		}
		if kind := otherTrigger(trigger); kind != "" {
			if err := rep.problem(lenient, line, "%s triggers (%s) are not supported: only QNAME triggers are", kind, trigger); err != nil {
				return rep, err
			}
			continue
		}
		below := strings.HasPrefix(trigger, "*.")
		name := strings.TrimPrefix(trigger, "*.")
		n, err := normalizeName(name)
		if err == nil && strings.Contains(n, "*") {
			err = fmt.Errorf("a wildcard is allowed only as the first label")
		}
		if err != nil {
			if err := rep.problem(lenient, line, "trigger %q: %v", trigger, err); err != nil {
				return rep, err
			}
			continue
		}
		act, ref := LocalData, uint32(0)
		if c, ok := rr.(*dns.CNAME); ok {
			switch strings.ToLower(c.Target) {
			case ".":
				act = BlockNXDomain
			case "*.":
				act = BlockNoData
			case "rpz-passthru.":
				act = Allow
			case "rpz-drop.":
				act = Drop
			case "rpz-tcp-only.":
				if err := rep.problem(lenient, line, "the rpz-tcp-only action is not supported"); err != nil {
					return rep, err
				}
				continue
			}
		}
		if act == LocalData {
			key := trigger
			idx, seen := local[key]
			if !seen {
				b.p.local = append(b.p.local, nil)
				idx = len(b.p.local) - 1
				local[key] = idx
			}
			// The answer's owner is set per query; keep the record relative.
			b.p.local[idx] = append(b.p.local[idx], rr)
			ref = uint32(idx)
		} else {
			ref = uint32(line)
		}
		if rep.Names >= maxListNames {
			return rep, Problem{File: file, Line: line, Err: fmt.Sprintf("more than %d triggers in one zone", maxListNames)}
		}
		b.add(n, src, act, ref, !below, below)
		rep.Names++
	}
	return rep, nil
}

// placeholderOrigin stands for the zone's name in a file that neither
// names it ($ORIGIN, an absolute SOA owner) nor needs it: the zone's name
// lives in the resolver's configuration (unbound's "name: rpz.local"),
// and every owner written relative to it is a trigger as written.
const placeholderOrigin = "rpz.invalid."

// otherTrigger recognises the RPZ trigger kinds other than QNAME.
func otherTrigger(t string) string {
	for _, k := range []string{"rpz-ip", "rpz-nsdname", "rpz-nsip", "rpz-client-ip"} {
		if t == k || strings.HasSuffix(t, "."+k) {
			return k
		}
	}
	return ""
}

// relative returns name relative to origin ("bad.example" for
// "bad.example.rpz.local." in "rpz.local.").
func relative(name, origin string) (string, bool) {
	if !strings.HasSuffix(name, "."+origin) {
		return "", false
	}
	return strings.TrimSuffix(name, "."+origin), true
}

// parseRecord reads one record. The common RPZ line "name [ttl] [IN]
// CNAME target" is read directly; anything else goes through miekg/dns's
// zone parser, which knows every record type.
func parseRecord(rec, owner, origin string, ttl uint32) (dns.RR, error) {
	f := strings.Fields(rec)
	if rec[0] == ' ' || rec[0] == '\t' {
		f = append([]string{owner}, f...)
	}
	abs := func(n string) string {
		switch {
		case n == "@":
			return origin
		case strings.HasSuffix(n, "."):
			return n
		case origin == "":
			return n + "."
		}
		return n + "." + origin
	}
	i := 1
	if i < len(f) {
		if v, err := strconv.ParseUint(f[i], 10, 32); err == nil {
			ttl = uint32(v)
			i++
		}
	}
	if i < len(f) && strings.EqualFold(f[i], "IN") {
		i++
	}
	if i+2 == len(f) && strings.EqualFold(f[i], "CNAME") {
		return &dns.CNAME{Hdr: dns.RR_Header{Name: abs(f[0]), Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: ttl}, Target: abs(f[i+1])}, nil
	}
	zp := dns.NewZoneParser(strings.NewReader(rec), origin, "")
	zp.SetDefaultTTL(ttl)
	if rec[0] == ' ' || rec[0] == '\t' {
		zp = dns.NewZoneParser(strings.NewReader(f[0]+" "+strings.TrimSpace(rec)), origin, "")
		zp.SetDefaultTTL(ttl)
	}
	rr, ok := zp.Next()
	if err := zp.Err(); err != nil {
		if pe, ok := err.(*dns.ParseError); ok {
			return nil, fmt.Errorf("%s", strings.TrimPrefix(pe.Error(), "dns: "))
		}
		return nil, err
	}
	if !ok || rr == nil {
		return nil, fmt.Errorf("not a record: %q", rec)
	}
	return rr, nil
}

// zoneReader splits a zone file into records: comments removed, lines
// inside parentheses joined, each with the number of its first line.
type zoneReader struct {
	r    *bufio.Reader
	line int
}

func (z *zoneReader) next() (string, int, error) {
	var sb strings.Builder
	depth := 0
	start := 0
	for {
		raw, err := z.r.ReadString('\n')
		if err != nil && (err != io.EOF || raw == "") {
			if err == io.EOF && depth > 0 {
				return "", start, fmt.Errorf("unbalanced parenthesis: the file ends inside a record")
			}
			return "", z.line, err
		}
		z.line++
		if start == 0 {
			start = z.line
		}
		if len(raw) > maxListLine || sb.Len()+len(raw) > maxListLine {
			return "", z.line, fmt.Errorf("record longer than %d bytes", maxListLine)
		}
		s := stripComment(strings.TrimRight(raw, "\r\n"))
		for _, c := range s {
			switch c {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth < 0 {
			return "", z.line, fmt.Errorf("unbalanced parenthesis")
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strings.NewReplacer("(", " ", ")", " ").Replace(s))
		if depth == 0 {
			rec := sb.String()
			if strings.TrimSpace(rec) == "" {
				sb.Reset()
				start = 0
				if err == io.EOF {
					return "", z.line, io.EOF
				}
				continue
			}
			return strings.TrimRight(rec, " \t"), start, nil
		}
		if err == io.EOF {
			return "", start, fmt.Errorf("unbalanced parenthesis: the file ends inside a record")
		}
	}
}

// stripComment removes a ";" comment outside quotes.
func stripComment(s string) string {
	q := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			q = !q
		case ';':
			if !q {
				return s[:i]
			}
		}
	}
	return s
}
