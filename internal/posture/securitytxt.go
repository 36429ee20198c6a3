package posture

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// MaxSecurityTxtSize bounds the security.txt file read.
const MaxSecurityTxtSize = 32 << 10

// SecurityTxtNote is one problem or recommendation found in a security.txt
// file; Code is the one internet.nl shows (from the sectxt library it
// uses), Line the line it is on (0 for the whole file).
type SecurityTxtNote struct {
	Code    string
	Line    int
	Message string
}

func (n SecurityTxtNote) String() string {
	if n.Line > 0 {
		return fmt.Sprintf("line %d: %s (%s)", n.Line, n.Message, n.Code)
	}
	return fmt.Sprintf("%s (%s)", n.Message, n.Code)
}

// SecurityTxt is a parsed RFC 9116 file.
type SecurityTxt struct {
	Contact []string
	Expires time.Time // zero when missing or invalid
	Signed  bool
	Fields  map[string][]string // every field, by lower-case name
	// Errors break RFC 9116 (internet.nl: an error, the test is a
	// warning); Recommendations are its "should"s (internet.nl: info).
	Errors, Recommendations []SecurityTxtNote
}

// Valid reports whether the file has no error.
func (s *SecurityTxt) Valid() bool { return len(s.Errors) == 0 }

// securityTxtURIFields are the fields whose value is a URI (RFC 9116 §2.5,
// and CSAF's).
var securityTxtURIFields = map[string]bool{"acknowledgments": true, "canonical": true, "contact": true, "encryption": true, "hiring": true, "policy": true, "csaf": true}

// securityTxtDate is the date-time form of Expires: RFC 3339, with "T" or a
// space between date and time, as internet.nl accepts.
var securityTxtDate = regexp.MustCompile(`(?i)^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[-+]\d{2}:\d{2})$`)

// uriScheme is the scheme of a URI ("" when there is none).
var uriScheme = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// ParseSecurityTxt reads a security.txt file (RFC 9116 §4) with the rules
// internet.nl applies through the sectxt library: "Name: value" lines
// (one space after the colon), "#" comments, every line ending in a line
// feed, an optional OpenPGP cleartext signature around it; Contact (one or
// more, URIs) and Expires (exactly one, an RFC 3339 date-time in the
// future) required. now dates Expires; url is where the file was found,
// which a Canonical field must name. Problems are collected in the result;
// only a file over MaxSecurityTxtSize is an error.
func ParseSecurityTxt(text string, now time.Time, url string) (*SecurityTxt, error) {
	if len(text) > MaxSecurityTxtSize {
		return nil, fmt.Errorf("security.txt of %d bytes, more than %d", len(text), MaxSecurityTxtSize)
	}
	p := &stParser{s: &SecurityTxt{Fields: map[string][]string{}}, now: now}
	s := p.s
	if t, ok := strings.CutPrefix(text, "\ufeff"); ok {
		p.err(0, "bom_in_file", "the file starts with a byte-order mark, which RFC 9116 forbids")
		text = t
	}
	if !utf8.ValidString(text) {
		p.err(0, "utf8", "the file is not UTF-8")
		text = strings.ToValidUTF8(text, "\ufffd")
	}
	lines := strings.Split(text, "\n")
	kinds := make([]string, len(lines))
	for i, line := range lines {
		p.line = i + 1
		kinds[i] = p.parseLine(strings.TrimRight(line, " \t\r\v\f"), text)
	}
	p.line = 0
	if len(s.Fields) > 100 {
		return nil, fmt.Errorf("security.txt has %d different fields, more than 100", len(s.Fields))
	}
	s.Contact = s.Fields["contact"]
	switch exp := s.Fields["expires"]; len(exp) {
	case 0:
		p.err(0, "no_expire", "no Expires field (RFC 9116 §2.5.5)")
	case 1:
	default:
		p.err(0, "multi_expire", "Expires appears more than once")
	}
	if canon := s.Fields["canonical"]; url != "" && len(canon) > 0 && !containsString(canon, url) {
		p.err(0, "no_canonical_match", fmt.Sprintf("no Canonical field names %s, where the file was found", url))
	}
	if kinds[len(kinds)-1] != "empty" {
		p.err(len(kinds), "no_line_separators", "the last line does not end with a line feed")
	}
	if s.Signed && len(kinds) > 1 && kinds[len(kinds)-1] == "empty" && kinds[len(kinds)-2] == "empty" {
		p.err(len(kinds), "too_many_line_separators", "a signed file must not end with more than one line feed")
	}
	if csaf := s.Fields["csaf"]; len(csaf) > 0 {
		for _, v := range csaf {
			if !strings.HasSuffix(v, "provider-metadata.json") {
				p.err(0, "no_csaf_file", "a CSAF field does not point to a provider-metadata.json file")
				break
			}
		}
		if len(csaf) > 1 {
			p.rec("multiple_csaf_fields", "more than one CSAF field")
		}
	}
	if len(s.Contact) == 0 {
		p.err(0, "no_contact", "no Contact field (RFC 9116 §2.5.3)")
	} else if _, enc := s.Fields["encryption"]; !enc {
		for _, c := range s.Contact {
			if strings.HasPrefix(c, "mailto:") {
				p.rec("no_encryption", "a mailto: Contact without an Encryption field")
				break
			}
		}
	}
	if len(s.Fields["preferred-languages"]) > 1 {
		p.err(0, "multi_lang", "Preferred-Languages appears more than once")
	}
	if !s.Signed {
		p.rec("not_signed", "the file is not signed (RFC 9116 §2.3)")
	} else if len(s.Fields["canonical"]) == 0 {
		p.rec("no_canonical", "a signed file without a Canonical field")
	}
	return s, nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// stParser is the line state of ParseSecurityTxt.
type stParser struct {
	s                    *SecurityTxt
	now                  time.Time
	line                 int
	readingSig, sigEnded bool
}

func (p *stParser) err(line int, code, msg string) {
	if len(p.s.Errors) < 100 {
		p.s.Errors = append(p.s.Errors, SecurityTxtNote{Code: code, Line: line, Message: msg})
	}
}

func (p *stParser) rec(code, msg string) {
	p.s.Recommendations = append(p.s.Recommendations, SecurityTxtNote{Code: code, Line: p.line, Message: msg})
}

// parseLine reads one line (trailing spaces removed) and returns its kind:
// "pgp", "comment", "field", "error" or "empty".
func (p *stParser) parseLine(line, whole string) string {
	if p.readingSig {
		if line == "-----END PGP SIGNATURE-----" {
			p.readingSig, p.sigEnded = false, true
		}
		return "pgp"
	}
	if line != "" && p.sigEnded {
		p.err(p.line, "data_after_sig", "data after the signature")
		return "error"
	}
	if p.s.Signed && strings.HasPrefix(line, "- ") { // dash-escaping, RFC 4880 §7.1
		line = line[2:]
	}
	switch {
	case line == "-----BEGIN PGP SIGNED MESSAGE-----":
		if p.line != 1 {
			p.err(p.line, "signed_format_issue", "a signed file must start with -----BEGIN PGP SIGNED MESSAGE-----")
		}
		if !p.s.Signed {
			if err := checkPGPSignature(whole); err != nil {
				p.err(p.line, "pgp_error", "the OpenPGP signature block is malformed: "+err.Error())
			}
		}
		p.s.Signed = true
		return "pgp"
	case line == "-----BEGIN PGP SIGNATURE-----" && p.s.Signed:
		p.readingSig = true
		return "pgp"
	case strings.HasPrefix(line, "#"):
		return "comment"
	case strings.Contains(line, ":"):
		return p.parseField(line)
	case line != "":
		p.err(p.line, "invalid_line", fmt.Sprintf("%q is not \"Field: value\", a comment or blank", trunc(line, 40)))
		return "error"
	}
	return "empty"
}

func (p *stParser) parseField(line string) string {
	k, v, _ := strings.Cut(line, ":")
	k = strings.ToLower(k)
	if t := strings.TrimRight(k, " \t"); t != k {
		p.err(p.line, "prec_ws", "white space before the colon")
		k = t
	}
	if v != "" {
		if v[0] != ' ' {
			p.err(p.line, "no_space", "no space after the colon")
		}
		v = strings.TrimLeft(v, " \t")
	}
	if k == "hash" && p.s.Signed {
		return "pgp"
	}
	if k == "" {
		p.err(p.line, "empty_key", "a field without a name")
		return "error"
	}
	if v == "" {
		p.err(p.line, "empty_value", fmt.Sprintf("field %q without a value", trunc(k, 40)))
		return "error"
	}
	switch {
	case securityTxtURIFields[k]:
		m := uriScheme.FindStringSubmatch(v)
		switch {
		case m == nil:
			p.err(p.line, "no_uri", fmt.Sprintf("%s %q is not a URI (mailto:, https:, tel:)", k, trunc(v, 40)))
		case strings.EqualFold(m[1], "http"):
			p.err(p.line, "no_https", fmt.Sprintf("%s %q is an http: URI, not https:", k, trunc(v, 40)))
		}
	case k == "expires":
		p.parseExpires(v)
	case k == "preferred-languages":
		for l := range strings.SplitSeq(v, ",") {
			if _, err := language.Parse(strings.TrimSpace(l)); err != nil {
				p.err(p.line, "invalid_lang", fmt.Sprintf("Preferred-Languages %q is not a list of language tags", trunc(v, 40)))
				break
			}
		}
	}
	if len(p.s.Fields[k]) < 100 {
		p.s.Fields[k] = append(p.s.Fields[k], v)
	}
	return "field"
}

func (p *stParser) parseExpires(v string) {
	bad := func() {
		p.err(p.line, "invalid_expiry", fmt.Sprintf("Expires %q is not an RFC 3339 date-time", trunc(v, 40)))
	}
	if !securityTxtDate.MatchString(v) {
		bad()
		return
	}
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(strings.Replace(v, " ", "T", 1)))
	if err != nil {
		bad()
		return
	}
	if p.s.Expires.IsZero() {
		p.s.Expires = t
	}
	switch {
	case t.After(p.now.AddDate(1, 0, 0)):
		p.rec("long_expiry", "Expires is more than a year ahead; RFC 9116 §2.5.5 recommends less, so that stale contacts expire")
	case t.Before(p.now):
		p.err(p.line, "expired", "the file expired on "+t.Format("2006-01-02"))
	}
}

// checkPGPSignature checks the shape of the signature block of a
// cleartext-signed file (RFC 4880 §7): its armor decodes, its CRC-24
// matches, and it holds a signature packet. The signature itself is not
// verified (the key is not known).
func checkPGPSignature(text string) error {
	_, block, ok := strings.Cut(text, "\n-----BEGIN PGP SIGNATURE-----")
	if !ok {
		return fmt.Errorf("no signature block")
	}
	block, _, ok = strings.Cut(block, "-----END PGP SIGNATURE-----")
	if !ok {
		return fmt.Errorf("signature block without its end line")
	}
	lines := strings.Split(strings.ReplaceAll(block, "\r", ""), "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	for i < len(lines) && strings.Contains(lines[i], ": ") { // armor headers (Version:, Comment:)
		i++
	}
	var b64, crc strings.Builder
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "=") && len(l) == 5 {
			crc.WriteString(l[1:])
			continue
		}
		b64.WriteString(l)
	}
	data, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil || len(data) == 0 {
		return fmt.Errorf("signature is not base64")
	}
	if crc.Len() > 0 {
		sum, err := base64.StdEncoding.DecodeString(crc.String())
		if err != nil || len(sum) != 3 || !bytes.Equal(sum, crc24(data)) {
			return fmt.Errorf("armor checksum does not match")
		}
	}
	tag := -1
	switch h := data[0]; {
	case h&0x80 == 0:
	case h&0x40 != 0: // new format
		tag = int(h & 0x3f)
	default:
		tag = int(h>>2) & 0x0f
	}
	if tag != 2 {
		return fmt.Errorf("the block holds no signature packet")
	}
	if len(data) < 12 {
		return fmt.Errorf("signature packet too short")
	}
	return nil
}

// crc24 is the OpenPGP armor checksum (RFC 4880 §6.1).
func crc24(data []byte) []byte {
	crc := uint32(0xB704CE)
	for _, b := range data {
		crc ^= uint32(b) << 16
		for range 8 {
			crc <<= 1
			if crc&0x1000000 != 0 {
				crc ^= 0x1864CFB
			}
		}
	}
	return []byte{byte(crc >> 16), byte(crc >> 8), byte(crc)}
}
