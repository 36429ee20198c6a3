package mime

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// lookupCharset finds the decoder for a charset label: WHATWG labels first
// (what browsers and most clients use, so "iso-8859-1" is read as
// Windows-1252), then the IANA registry. ok is false for unknown labels.
func lookupCharset(label string) (enc encoding.Encoding, ok bool) {
	l := strings.ToLower(strings.Trim(strings.TrimSpace(label), `"'`))
	switch l {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "unicode-1-1-utf-8", "x-unknown", "unknown", "default", "unknown-8bit", "x-user-defined":
		return unicode.UTF8, l != "x-unknown" && l != "unknown" && l != "unknown-8bit" && l != "default"
	case "cp1252", "cp-1252":
		l = "windows-1252"
	case "ks_c_5601-1987", "ks_c_5601":
		l = "euc-kr"
	case "gb2312", "x-gbk", "gb_2312-80":
		l = "gbk"
	}
	if e, err := htmlindex.Get(l); err == nil && e != nil {
		return e, true
	}
	for _, idx := range []*ianaindex.Index{ianaindex.MIME, ianaindex.IANA} {
		if e, err := idx.Encoding(l); err == nil && e != nil {
			return e, true
		}
	}
	return nil, false
}

// KnownCharset reports whether label names a charset Parse can decode.
func KnownCharset(label string) bool {
	_, ok := lookupCharset(label)
	return ok
}

// decodeBytes converts b from charset label to UTF-8. Unknown charsets are
// read as UTF-8 when the bytes are valid UTF-8, else as Windows-1252, which
// is what clients show. Invalid sequences become U+FFFD.
func decodeBytes(label string, b []byte) string {
	enc, ok := lookupCharset(label)
	if !ok {
		if utf8.Valid(b) {
			return string(b)
		}
		enc, _ = lookupCharset("windows-1252")
	}
	if enc == unicode.UTF8 {
		if utf8.Valid(b) {
			return string(b)
		}
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return string(out)
}

// charsetReader is the WordDecoder hook; it never fails so that one bad
// encoded word does not stop the decoding of a header.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(input, 1<<20))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(decodeBytes(charset, b)), nil
}
