package mime

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// decodeBase64 decodes like clients do: characters outside the alphabet
// are skipped, missing padding is accepted, decoding stops at the first
// padding. bad reports that something had to be skipped or repaired.
// Output is limited to max bytes (truncated reports it).
func decodeBase64(in []byte, max int) (out []byte, bad, truncated bool) {
	// Well-formed base64 (the alphabet, CRLF line breaks, padding at the
	// end), which is nearly every attachment, decodes in one pass
	// without a cleaned copy: large attachments cost a third less
	// memory and far less time. Anything else takes the tolerant path,
	// which gives the same bytes on well-formed input.
	if n := base64.StdEncoding.DecodedLen(len(in)); max < 0 || n <= max {
		out = make([]byte, n)
		if k, err := base64.StdEncoding.Decode(out, in); err == nil {
			return out[:k], false, false
		}
	}
	return decodeBase64Tolerant(in, max)
}

// decodeBase64Tolerant is decodeBase64 on input that is not well formed.
func decodeBase64Tolerant(in []byte, max int) (out []byte, bad, truncated bool) {
	clean := make([]byte, 0, len(in))
	for _, c := range in {
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/':
			clean = append(clean, c)
		case c == '-' || c == '_': // URL alphabet, seen in broken mailers
			bad = true
			if c == '-' {
				clean = append(clean, '+')
			} else {
				clean = append(clean, '/')
			}
		case c == '=':
			goto done
		case c == '\r' || c == '\n' || c == ' ' || c == '\t':
		default:
			bad = true
		}
	}
done:
	if len(clean)%4 == 1 {
		bad = true
		clean = clean[:len(clean)-1]
	}
	if max >= 0 && len(clean)/4*3 > max+3 {
		clean = clean[:(max/3+1)*4]
		truncated = true
	}
	out = make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		bad = true
	}
	out = out[:n]
	if max >= 0 && len(out) > max {
		out = out[:max]
		truncated = true
	}
	return out, bad, truncated
}

// decodeQP decodes quoted-printable tolerantly: soft line breaks with
// CRLF, LF or trailing blanks, and a "=" not followed by two hex digits is
// kept as is (as clients show it).
func decodeQP(in []byte, max int) (out []byte, bad, truncated bool) {
	out = make([]byte, 0, len(in))
	for i := 0; i < len(in); i++ {
		if max >= 0 && len(out) >= max {
			return out, bad, true
		}
		c := in[i]
		if c != '=' {
			out = append(out, c)
			continue
		}
		if i+2 < len(in) && unhex(in[i+1]) >= 0 && unhex(in[i+2]) >= 0 {
			out = append(out, byte(unhex(in[i+1])<<4|unhex(in[i+2])))
			i += 2
			continue
		}
		// soft line break: "=" then optional blanks then (CR)LF
		j := i + 1
		for j < len(in) && (in[j] == ' ' || in[j] == '\t') {
			j++
		}
		if j < len(in) && in[j] == '\r' {
			j++
		}
		if j < len(in) && in[j] == '\n' {
			i = j
			continue
		}
		if j >= len(in) {
			i = j
			continue
		}
		bad = true
		out = append(out, c)
	}
	return out, bad, false
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// decodeUU decodes a uuencoded body ("begin 644 name" ... "end"). name is
// the file name of the begin line.
func decodeUU(in []byte, max int) (out []byte, name string, bad, truncated bool) {
	lines := bytes.Split(in, []byte("\n"))
	started := false
	for _, l := range lines {
		l = bytes.TrimRight(l, "\r")
		if !started {
			if bytes.HasPrefix(l, []byte("begin ")) {
				f := strings.Fields(string(l))
				if len(f) >= 3 {
					name = strings.Join(f[2:], " ")
				}
				started = true
			}
			continue
		}
		if bytes.Equal(l, []byte("end")) {
			return out, name, bad, false
		}
		if len(l) == 0 {
			continue
		}
		n := int((l[0] - ' ') & 63)
		data := l[1:]
		var dec []byte
		for k := 0; k < len(data); k += 4 {
			var q [4]byte
			for m := 0; m < 4; m++ {
				if k+m < len(data) {
					q[m] = (data[k+m] - ' ') & 63
				}
			}
			dec = append(dec, q[0]<<2|q[1]>>4, q[1]<<4|q[2]>>2, q[2]<<6|q[3])
		}
		if n > len(dec) {
			bad = true
			n = len(dec)
		}
		out = append(out, dec[:n]...)
		if max >= 0 && len(out) > max {
			return out[:max], name, bad, true
		}
	}
	if !started {
		bad = true
	}
	return out, name, true, false
}
