package stix

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Identifiers. STIX 2.1 ids are "type--UUID". The specification asks for
// UUIDv4 for domain objects (indicator, malware …) and UUIDv5 for cyber
// observables (SCOs), derived from the STIX namespace and the canonical JSON
// of the properties that identify the observable (§2.9).
//
// Vigie's domain-object ids are UUIDv4 in form, as the specification asks,
// but their 122 free bits come from a SHA-1 of a Vigie namespace and what the
// object stands for (the indicator's type and value, the threat's kind and
// name) instead of from a random source. They are as unique as random ones
// for distinct names, and they make the output deterministic: exporting the
// same indicators twice gives the same ids, so a consumer updates objects
// instead of duplicating them.

// STIXNamespace is the UUIDv5 namespace of STIX cyber-observable ids.
var STIXNamespace = mustUUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

// VigieNamespace is the UUIDv5 namespace of the ids Vigie derives for the
// domain objects it writes (uuid5(NAMESPACE_URL, "https://vigie-project.org/stix")).
var VigieNamespace = uuid5(mustUUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8"), "https://vigie-project.org/stix")

type uuid [16]byte

func mustUUID(s string) uuid {
	u, ok := parseUUID(s)
	if !ok {
		panic("stix: bad built-in UUID " + s) // built-in constants only, covered by tests
	}
	return u
}

func parseUUID(s string) (uuid, bool) {
	var u uuid
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	h := s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:]
	if _, err := hex.Decode(u[:], []byte(h)); err != nil {
		return u, false
	}
	return u, true
}

func (u uuid) String() string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// uuid5 is RFC 9562's name-based UUID with SHA-1.
func uuid5(ns uuid, name string) uuid {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u uuid
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// DeriveID returns "objType--" + a deterministic UUIDv4-form id of name in
// the Vigie namespace (see the comment on identifiers above).
func DeriveID(objType, name string) string {
	u := uuid5(VigieNamespace, objType+"\x00"+name)
	u[6] = u[6]&0x0f | 0x40 // version 4
	return objType + "--" + u.String()
}

// SCOID returns the deterministic id of a STIX cyber-observable: its type,
// "--", and the UUIDv5 in the STIX namespace of the canonical JSON (RFC 8785:
// sorted keys, no blanks, no HTML escaping) of its ID-contributing
// properties, e.g. {"value": "evil.example"} for a domain-name or
// {"hashes": {"SHA-256": "…"}} for a file.
func SCOID(objType string, props map[string]any) (string, error) {
	var b bytes.Buffer
	if err := canonical(&b, props); err != nil {
		return "", fmt.Errorf("SCO id of %s: %w", objType, err)
	}
	return objType + "--" + uuid5(STIXNamespace, b.String()).String(), nil
}

// canonical writes v as RFC 8785 JSON for the value kinds SCO properties
// use: objects, arrays, strings, integers and booleans.
func canonical(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return utf16Less(keys[i], keys[j]) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, k)
			b.WriteByte(':')
			if err := canonical(b, v[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case map[string]string:
		m := make(map[string]any, len(v))
		for k, s := range v {
			m[k] = s
		}
		return canonical(b, m)
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := canonical(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case string:
		writeJSONString(b, v)
	case int:
		fmt.Fprintf(b, "%d", v)
	case int64:
		fmt.Fprintf(b, "%d", v)
	case bool:
		fmt.Fprintf(b, "%t", v)
	default:
		return fmt.Errorf("cannot canonicalise a %T", v)
	}
	return nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Write(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
}

// utf16Less orders keys by UTF-16 code units, as RFC 8785 asks.
func utf16Less(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			return utf16Key(ra[i]) < utf16Key(rb[i])
		}
	}
	return len(ra) < len(rb)
}

func utf16Key(r rune) rune {
	if r >= 0x10000 {
		return 0xD800 + (r-0x10000)>>10 // high surrogate sorts first
	}
	return r
}

// validID reports whether id is "objType--UUID" (any version).
func validID(id, objType string) bool {
	rest, ok := strings.CutPrefix(id, objType+"--")
	if !ok {
		return false
	}
	_, ok = parseUUID(rest)
	return ok
}
