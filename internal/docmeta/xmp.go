package docmeta

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"
)

// xmpPrefixes are exiftool's group names for the common XMP namespaces.
var xmpPrefixes = map[string]string{
	"http://purl.org/dc/elements/1.1/":                 "dc",
	"http://ns.adobe.com/xap/1.0/":                     "xmp",
	"http://ns.adobe.com/pdf/1.3/":                     "pdf",
	"http://ns.adobe.com/xap/1.0/mm/":                  "xmpMM",
	"http://ns.adobe.com/pdfx/1.3/":                    "pdfx",
	"http://ns.adobe.com/photoshop/1.0/":               "photoshop",
	"http://ns.adobe.com/xap/1.0/rights/":              "xmpRights",
	"http://www.aiim.org/pdfa/ns/id/":                  "pdfaid",
	"http://ns.adobe.com/xap/1.0/sType/ResourceEvent#": "stEvt",
	"http://ns.adobe.com/xap/1.0/sType/ResourceRef#":   "stRef",
	"http://ns.adobe.com/xap/1.0/t/pg/":                "xmpTPg",
	"http://ns.adobe.com/tiff/1.0/":                    "tiff",
	"http://ns.adobe.com/exif/1.0/":                    "exif",
	"http://www.aiim.org/pdfua/ns/id/":                 "pdfuaid",
	"http://www.aiim.org/pdfa/ns/extension/":           "pdfaExtension",
}

const nsRDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

// parseXMP reads an XMP packet (RDF/XML) into XMP-<prefix>:<Name> tags.
func parseXMP(m *Meta, data []byte) error {
	if i := bytes.Index(data, []byte("<x:xmpmeta")); i > 0 {
		data = data[i:]
	} else if i := bytes.Index(data, []byte("<rdf:RDF")); i > 0 {
		data = data[i:]
	}
	if j := bytes.LastIndex(data, []byte("<?xpacket end")); j > 0 {
		data = data[:j]
	}
	if clean, n := xmlLegal(data); n > 0 {
		// exiftool keeps the fields of such a packet; an XML parser
		// stops at the first control character.
		m.warnf("XMP packet holds %d control character(s) XML does not allow: removed to read the fields", n)
		data = clean
	}
	root, err := parseXMLTree(data, "XMP")
	if root == nil {
		return err
	}
	prefixes := map[string]string{}
	var collect func(e *xmlElem, depth int)
	collect = func(e *xmlElem, depth int) {
		if depth > 64 {
			return
		}
		for _, a := range e.attr {
			if a.Name.Space == "xmlns" {
				if _, ok := prefixes[a.Value]; !ok {
					prefixes[a.Value] = a.Name.Local
				}
			}
		}
		for _, c := range e.children {
			collect(c, depth+1)
		}
	}
	collect(root, 0)
	group := func(ns string) string {
		if p, ok := xmpPrefixes[ns]; ok {
			return "XMP-" + p
		}
		if p, ok := prefixes[ns]; ok {
			return "XMP-" + p
		}
		return "XMP"
	}
	if root.name.Local == "xmpmeta" {
		for _, a := range root.attr {
			if a.Name.Local == "xmptk" {
				m.add("XMP-x", "XMPToolkit", a.Value)
			}
		}
	}
	var descs []*xmlElem
	var find func(e *xmlElem, depth int)
	find = func(e *xmlElem, depth int) {
		if depth > 64 {
			return
		}
		if e.name.Space == nsRDF && e.name.Local == "Description" {
			descs = append(descs, e)
			return
		}
		for _, c := range e.children {
			find(c, depth+1)
		}
	}
	find(root, 0)
	if len(descs) == 0 {
		if err != nil {
			return err
		}
		return errors.New("XMP: no rdf:Description")
	}
	count := 0
	var prop func(e *xmlElem, g, prefix string, depth int)
	prop = func(e *xmlElem, g, prefix string, depth int) {
		if depth > 8 || count > maxXMLTags {
			return
		}
		name := prefix + ucfirst(e.name.Local)
		if g == "" {
			g = group(e.name.Space)
		}
		// Container: Seq/Bag/Alt with rdf:li items.
		for _, c := range e.children {
			if c.name.Space == nsRDF && (c.name.Local == "Seq" || c.name.Local == "Bag" || c.name.Local == "Alt") {
				var vals []string
				for _, li := range c.children {
					if len(li.children) > 0 {
						for _, sub := range li.children {
							prop(sub, g, name, depth+1)
						}
						continue
					}
					v := strings.TrimSpace(li.text.String())
					if c.name.Local == "Alt" {
						lang := ""
						for _, a := range li.attr {
							if a.Name.Local == "lang" {
								lang = a.Value
							}
						}
						if lang != "" && lang != "x-default" && len(vals) > 0 {
							continue
						}
					}
					vals = append(vals, convertXMPDate(v, true))
				}
				count++
				switch len(vals) {
				case 0:
				case 1:
					m.add(g, name, vals[0])
				default:
					m.add(g, name, vals)
				}
				return
			}
		}
		// Structure: nested rdf:Description or parseType="Resource".
		if len(e.children) > 0 {
			for _, c := range e.children {
				if c.name.Space == nsRDF && c.name.Local == "Description" {
					for _, a := range c.attr {
						if a.Name.Space != "xmlns" && a.Name.Space != nsRDF && a.Name.Space != "" {
							m.add(g, name+ucfirst(a.Name.Local), convertXMPDate(a.Value, true))
						}
					}
					for _, sub := range c.children {
						prop(sub, g, name, depth+1)
					}
				} else {
					prop(c, g, name, depth+1)
				}
			}
			return
		}
		count++
		m.add(g, name, convertXMPDate(strings.TrimSpace(e.text.String()), true))
	}
	for _, d := range descs {
		for _, a := range d.attr {
			if a.Name.Space == "xmlns" || a.Name.Space == nsRDF || a.Name.Space == "" || a.Name.Local == "about" {
				continue
			}
			m.add(group(a.Name.Space), ucfirst(a.Name.Local), convertXMPDate(a.Value, true))
		}
		for _, c := range d.children {
			prop(c, "", "", 0)
		}
	}
	if err != nil {
		m.warnf("%v", err)
	}
	return nil
}

// xmlLegal removes from data the control characters XML 1.0 does not
// allow (raw, or as character references such as "&#1;") and returns
// how many it removed.
func xmlLegal(data []byte) ([]byte, int) {
	illegal := func(r int64) bool { return r < 0x20 && r != 0x09 && r != 0x0A && r != 0x0D }
	n := 0
	for _, c := range data {
		if illegal(int64(c)) {
			n++
		}
	}
	refs := reCharRef.FindAllSubmatchIndex(data, -1)
	bad := refs[:0]
	for _, r := range refs {
		var v int64
		var err error
		if data[r[2]] == 'x' || data[r[2]] == 'X' {
			v, err = strconv.ParseInt(string(data[r[2]+1:r[3]]), 16, 32)
		} else {
			v, err = strconv.ParseInt(string(data[r[2]:r[3]]), 10, 32)
		}
		if err == nil && illegal(v) {
			bad = append(bad, r)
		}
	}
	if n == 0 && len(bad) == 0 {
		return data, 0
	}
	out := make([]byte, 0, len(data))
	last := 0
	for _, r := range bad {
		out = append(out, data[last:r[0]]...)
		last = r[1]
	}
	out = append(out, data[last:]...)
	clean := out[:0]
	for _, c := range out {
		if !illegal(int64(c)) {
			clean = append(clean, c)
		}
	}
	return clean, n + len(bad)
}

var reCharRef = regexp.MustCompile(`&#([xX][0-9a-fA-F]{1,6}|[0-9]{1,7});`)
