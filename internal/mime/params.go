package mime

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// parseMediaType reads "type/sub; a=b; c*=utf-8”x; d*0=..; d*1=.." the way
// clients do: it accepts duplicate parameters (first wins), missing quotes,
// stray semicolons, and RFC 2231 continuations and charset-tagged values in
// any charset. The media type is lower-cased; "" when absent or malformed.
func parseMediaType(v string) (mt string, params map[string]string, bad bool) {
	params = map[string]string{}
	semi := strings.IndexByte(v, ';')
	head := v
	rest := ""
	if semi >= 0 {
		head, rest = v[:semi], v[semi+1:]
	}
	mt = strings.ToLower(strings.TrimSpace(head))
	if mt != "" && !strings.Contains(mt, "/") && !isToken(mt) {
		bad = true
	}
	type piece struct {
		n   int
		enc bool
		val string
	}
	cont := map[string][]piece{}
	for _, kv := range splitParams(rest) {
		eq := strings.IndexByte(kv, '=')
		if eq <= 0 {
			if strings.TrimSpace(kv) != "" {
				bad = true
			}
			continue
		}
		key := strings.ToLower(strings.TrimSpace(kv[:eq]))
		val := strings.TrimSpace(kv[eq+1:])
		val = unquoteParam(val)
		if key == "" {
			bad = true
			continue
		}
		// RFC 2231: name*, name*N, name*N*
		if star := strings.IndexByte(key, '*'); star >= 0 {
			base := key[:star]
			suf := key[star+1:]
			enc := strings.HasSuffix(suf, "*") || suf == ""
			suf = strings.TrimSuffix(suf, "*")
			n := 0
			if suf != "" {
				x, err := strconv.Atoi(suf)
				if err != nil || x < 0 || x > 1000 {
					bad = true
					continue
				}
				n = x
			}
			if len(cont[base]) < 1000 {
				cont[base] = append(cont[base], piece{n, enc, val})
			}
			continue
		}
		if _, dup := params[key]; !dup && len(params) < 100 {
			params[key] = val
		}
	}
	for base, ps := range cont {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		charset := ""
		var b strings.Builder
		for i, p := range ps {
			val := p.val
			if p.enc {
				if i == 0 {
					// charset'language'value
					if q1 := strings.IndexByte(val, '\''); q1 >= 0 {
						if q2 := strings.IndexByte(val[q1+1:], '\''); q2 >= 0 {
							charset = val[:q1]
							val = val[q1+1+q2+1:]
						}
					}
				}
				if u, err := url.PathUnescape(strings.ReplaceAll(val, "+", "%2B")); err == nil {
					val = u
				} else {
					bad = true
				}
			}
			b.WriteString(val)
		}
		s := b.String()
		if charset != "" {
			s = decodeBytes(charset, []byte(s))
		}
		params[base] = s // RFC 2231 form wins over the plain one
	}
	return mt, params, bad
}

func splitParams(s string) []string {
	var out []string
	inQ, esc, start := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case c == '\\' && inQ:
			esc = true
		case c == '"':
			inQ = !inQ
		case c == ';' && !inQ:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquoteParam(v string) string {
	if len(v) >= 1 && v[0] == '"' {
		v = v[1:]
		if i := strings.LastIndexByte(v, '"'); i >= 0 {
			v = v[:i]
		}
		if strings.IndexByte(v, '\\') >= 0 {
			var b strings.Builder
			for i := 0; i < len(v); i++ {
				if v[i] == '\\' && i+1 < len(v) {
					i++
				}
				b.WriteByte(v[i])
			}
			v = b.String()
		}
	}
	return v
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 127 || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}
