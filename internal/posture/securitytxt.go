package posture

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxSecurityTxtSize bounds the security.txt file read.
const MaxSecurityTxtSize = 32 << 10

// SecurityTxt is a parsed RFC 9116 file.
type SecurityTxt struct {
	Contact []string
	Expires time.Time
	Signed  bool
	Fields  map[string][]string // every field, by lower-case name
}

// ParseSecurityTxt parses a security.txt file (RFC 9116 §4): "Name: value"
// lines, "#" comments, an optional OpenPGP cleartext signature around it.
// Contact (one or more) and Expires (exactly one, RFC 3339) are required.
func ParseSecurityTxt(text string) (*SecurityTxt, error) {
	if len(text) > MaxSecurityTxtSize {
		return nil, fmt.Errorf("security.txt of %d bytes, more than %d", len(text), MaxSecurityTxtSize)
	}
	s := &SecurityTxt{Fields: map[string][]string{}}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(lines) > 0 && strings.TrimSpace(lines[0]) == "-----BEGIN PGP SIGNED MESSAGE-----" {
		s.Signed = true
		i := 1
		for i < len(lines) && strings.TrimSpace(lines[i]) != "" { // armor headers (Hash:)
			i++
		}
		var body []string
		end := false
		for i++; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == "-----BEGIN PGP SIGNATURE-----" {
				end = true
				break
			}
			body = append(body, strings.TrimPrefix(lines[i], "- ")) // dash-escaping, RFC 4880 §7.1
		}
		if !end {
			return nil, errors.New("security.txt: signed message without its signature block")
		}
		lines = body
	}
	for n, line := range lines {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok || strings.ContainsAny(k, " \t") || k == "" {
			return nil, fmt.Errorf("security.txt line %d %q is not \"Field: value\"", n+1, trunc(t, 40))
		}
		k, v = strings.ToLower(k), strings.TrimSpace(v)
		if len(s.Fields) > 100 || len(s.Fields[k]) > 100 {
			return nil, errors.New("security.txt has too many fields")
		}
		s.Fields[k] = append(s.Fields[k], v)
	}
	s.Contact = s.Fields["contact"]
	if len(s.Contact) == 0 {
		return nil, errors.New("security.txt has no Contact field (RFC 9116 §2.5.3)")
	}
	for _, c := range s.Contact {
		lc := strings.ToLower(c)
		if !strings.HasPrefix(lc, "mailto:") && !strings.HasPrefix(lc, "https://") && !strings.HasPrefix(lc, "tel:") {
			return nil, fmt.Errorf("security.txt Contact %q is not a mailto:, https: or tel: URI", trunc(c, 40))
		}
	}
	exp := s.Fields["expires"]
	switch len(exp) {
	case 0:
		return nil, errors.New("security.txt has no Expires field (RFC 9116 §2.5.5)")
	case 1:
	default:
		return nil, errors.New("security.txt has Expires more than once")
	}
	t, err := time.Parse(time.RFC3339, exp[0])
	if err != nil {
		return nil, fmt.Errorf("security.txt Expires %q is not an RFC 3339 date-time", trunc(exp[0], 40))
	}
	s.Expires = t
	return s, nil
}
