package docmeta

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/htmlindex"
)

// maxXMLTags bounds the tags taken from one XML part.
const maxXMLTags = 5000

// readZip reads an OOXML or ODF package: only the metadata parts
// (docProps/core.xml, app.xml, custom.xml; meta.xml), within limits on
// entry count, part size and compression ratio.
func readZip(m *Meta, r io.ReaderAt, size int64, l Limits) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		// A damaged or truncated archive: read the entries from their local
		// headers instead of the central directory.
		parts, lerr := scanLocalHeaders(r, size, l)
		if lerr != nil || len(parts) == 0 {
			return fmt.Errorf("corrupt zip archive: %w", err)
		}
		m.warnf("damaged zip archive (%v): entries read from their local headers", err)
		if perr := readZipParts(m, parts, l); perr != nil {
			return fmt.Errorf("corrupt zip archive (%v): %w", err, perr)
		}
		return nil
	}
	if len(zr.File) > l.MaxEntries {
		return fmt.Errorf("zip archive has %d entries, over the limit of %d", len(zr.File), l.MaxEntries)
	}
	byName := make(map[string]*zip.File, 16)
	for _, f := range zr.File {
		n := strings.ToLower(strings.TrimPrefix(f.Name, "/"))
		switch n {
		case "[content_types].xml", "mimetype", "meta.xml", "meta-inf/manifest.xml", "docprops/core.xml", "docprops/app.xml", "docprops/custom.xml", "encryptioninfo":
			if _, dup := byName[n]; !dup {
				byName[n] = f
			}
		}
	}
	if f := byName["mimetype"]; f != nil {
		if mt, err := readPart(f, l); err == nil && bytes.HasPrefix(mt, []byte("application/vnd.oasis.opendocument")) {
			m.Kind = KindODF
			m.Type = odfType(string(mt))
		}
	}
	if m.Kind == KindOOXML && byName["[content_types].xml"] == nil && byName["meta.xml"] != nil {
		m.Kind = KindODF
	}
	if m.Kind == KindODF {
		if m.Type == "" {
			m.Type = "ODF"
		}
		if mf := byName["meta-inf/manifest.xml"]; mf != nil {
			if man, err := readPart(mf, l); err == nil && bytes.Contains(man, []byte("encryption-data")) && odfMetaEncrypted(man) {
				m.Encrypted = true
				m.warnf("password-protected OpenDocument file: meta.xml is encrypted, no metadata readable")
				return nil
			}
		}
		f := byName["meta.xml"]
		if f == nil {
			m.warnf("OpenDocument package without meta.xml: no metadata recorded")
			return nil
		}
		data, err := readPart(f, l)
		if err != nil {
			return err
		}
		return parseODFMeta(m, data)
	}
	if byName["[content_types].xml"] == nil {
		return errors.New("zip archive is not an Office (OOXML) or OpenDocument package: no [Content_Types].xml or meta.xml")
	}
	m.Type = "OOXML"
	if ct, err := readPart(byName["[content_types].xml"], l); err == nil {
		m.Type = ooxmlType(ct)
	} else {
		m.warnf("[Content_Types].xml: %v", err)
	}
	var errs []error
	for _, part := range []string{"docprops/core.xml", "docprops/app.xml", "docprops/custom.xml"} {
		f := byName[part]
		if f == nil {
			continue
		}
		data, err := readPart(f, l)
		if err == nil {
			switch part {
			case "docprops/core.xml":
				err = parseOOXMLCore(m, data)
			case "docprops/app.xml":
				err = parseOOXMLApp(m, data)
			default:
				err = parseOOXMLCustom(m, data)
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 && len(m.Tags) == 0 {
		return errors.Join(errs...)
	}
	for _, e := range errs {
		m.warnf("%v", e)
	}
	return nil
}

// readPart decompresses one zip entry within the size and ratio limits.
func readPart(f *zip.File, l Limits) ([]byte, error) {
	if f.UncompressedSize64 > uint64(l.MaxPartSize) {
		return nil, fmt.Errorf("%s: %d bytes uncompressed, over the limit of %d", f.Name, f.UncompressedSize64, l.MaxPartSize)
	}
	if f.CompressedSize64 > 0 && f.UncompressedSize64 > 1<<20 && f.UncompressedSize64/f.CompressedSize64 > uint64(l.MaxRatio) {
		return nil, fmt.Errorf("%s: compression ratio %d:1 looks like a zip bomb", f.Name, f.UncompressedSize64/f.CompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	// The declared size may lie: never read more than the limit.
	data, err := io.ReadAll(io.LimitReader(rc, l.MaxPartSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	if int64(len(data)) > l.MaxPartSize {
		return nil, fmt.Errorf("%s: more than %d bytes uncompressed (declared size is false)", f.Name, l.MaxPartSize)
	}
	return data, nil
}

func odfType(mt string) string {
	mt = strings.TrimSpace(mt)
	switch {
	case strings.HasSuffix(mt, ".text"):
		return "ODT"
	case strings.HasSuffix(mt, ".spreadsheet"):
		return "ODS"
	case strings.HasSuffix(mt, ".presentation"):
		return "ODP"
	case strings.HasSuffix(mt, ".graphics"):
		return "ODG"
	}
	return "ODF"
}

func ooxmlType(ct []byte) string {
	switch {
	case bytes.Contains(ct, []byte("wordprocessingml")):
		return "DOCX"
	case bytes.Contains(ct, []byte("spreadsheetml")) || bytes.Contains(ct, []byte("ms-excel")):
		return "XLSX"
	case bytes.Contains(ct, []byte("presentationml")):
		return "PPTX"
	}
	return "OOXML"
}

// newXMLDecoder returns a lenient decoder that accepts the encodings
// declared by real documents.
func newXMLDecoder(data []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		enc, err := htmlindex.Get(label)
		if err != nil {
			return nil, fmt.Errorf("unknown XML encoding %q", label)
		}
		return enc.NewDecoder().Reader(in), nil
	}
	return d
}

// Namespaces of the metadata parts.
const (
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsDCTerms = "http://purl.org/dc/terms/"
	nsVT      = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
	nsODFMeta = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
)

// xmlElem is a parsed element: a tiny tree is enough for metadata parts.
type xmlElem struct {
	name     xml.Name
	attr     []xml.Attr
	text     strings.Builder
	children []*xmlElem
}

// parseXMLTree parses data into a tree, bounded in element count and depth.
func parseXMLTree(data []byte, part string) (*xmlElem, error) {
	d := newXMLDecoder(data)
	root := &xmlElem{}
	stack := []*xmlElem{root}
	count := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(root.children) > 0 {
				// Keep what was read before the damage.
				return root.children[0], fmt.Errorf("%s: %w", part, err)
			}
			return nil, fmt.Errorf("%s: %w", part, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > 20000 || len(stack) > 64 {
				return nil, fmt.Errorf("%s: too many or too deeply nested elements", part)
			}
			e := &xmlElem{name: t.Name, attr: t.Attr}
			top := stack[len(stack)-1]
			top.children = append(top.children, e)
			stack = append(stack, e)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top := stack[len(stack)-1]
			if top.text.Len() < 1<<20 {
				top.text.Write(t)
			}
		}
	}
	if len(root.children) == 0 {
		return nil, fmt.Errorf("%s: no XML element", part)
	}
	return root.children[0], nil
}

func ucfirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ooxmlCoreNames maps core.xml element names to exiftool's tag names.
var ooxmlCoreNames = map[string]string{
	"created": "CreateDate", "modified": "ModifyDate", "revision": "RevisionNumber",
}

func parseOOXMLCore(m *Meta, data []byte) error {
	root, err := parseXMLTree(data, "docProps/core.xml")
	if root == nil {
		return err
	}
	for _, e := range root.children {
		if len(m.Tags) > maxXMLTags {
			break
		}
		local := e.name.Local
		val := e.text.String()
		if e.name.Space == nsDC {
			m.add("XMP-dc", ucfirst(local), val)
			continue
		}
		name, ok := ooxmlCoreNames[local]
		if !ok {
			name = ucfirst(local)
		}
		switch local {
		case "created", "modified", "lastPrinted":
			val = convertXMPDate(val, false)
		}
		m.add("XML", name, val)
	}
	if err != nil {
		m.warnf("%v", err)
	}
	return nil
}

// ooxmlAppNames maps app.xml element names to exiftool's names and value conversions.
var ooxmlAppNames = map[string]string{"TotalTime": "TotalEditTime"}

var docSecurity = map[string]string{"0": "None", "1": "Password protected", "2": "Read-only recommended", "4": "Read-only enforced", "8": "Locked for annotations"}

func parseOOXMLApp(m *Meta, data []byte) error {
	root, err := parseXMLTree(data, "docProps/app.xml")
	if root == nil {
		return err
	}
	for _, e := range root.children {
		if len(m.Tags) > maxXMLTags {
			break
		}
		local := e.name.Local
		name := ooxmlAppNames[local]
		if name == "" {
			name = local
		}
		if vec := findVector(e); vec != nil {
			vals := vectorValues(vec)
			switch local {
			case "HeadingPairs":
				m.HeadingPairs = headingPairs(vals)
			case "TitlesOfParts":
				m.TitlesOfParts = append([]string(nil), vals...)
			}
			if len(vals) == 1 {
				m.add("XML", name, vals[0])
			} else {
				m.add("XML", name, vals)
			}
			continue
		}
		val := strings.TrimSpace(e.text.String())
		switch local {
		case "TotalTime":
			if n, err := strconv.ParseInt(val, 10, 64); err == nil && n >= 0 && n < 1<<40 {
				d := time.Duration(n) * time.Minute
				m.TotalEditTime = &d
			}
			val = convertTimeSpan(val, 60)
		case "DocSecurity":
			if s, ok := docSecurity[val]; ok {
				val = s
			}
		case "LinksUpToDate", "ScaleCrop", "SharedDoc", "HyperlinksChanged":
			switch val {
			case "false":
				val = "No"
			case "true":
				val = "Yes"
			}
		}
		m.add("XML", name, val)
	}
	if err != nil {
		m.warnf("%v", err)
	}
	return nil
}

func findVector(e *xmlElem) *xmlElem {
	for _, c := range e.children {
		if c.name.Local == "vector" {
			return c
		}
	}
	return nil
}

// vectorValues flattens a vt:vector into its leaf values.
func vectorValues(vec *xmlElem) []string {
	var out []string
	var walk func(e *xmlElem)
	walk = func(e *xmlElem) {
		if len(out) > 10000 {
			return
		}
		if len(e.children) == 0 {
			out = append(out, e.text.String())
			return
		}
		for _, c := range e.children {
			walk(c)
		}
	}
	for _, c := range vec.children {
		walk(c)
	}
	return out
}

func headingPairs(vals []string) []HeadingPair {
	var hp []HeadingPair
	for i := 0; i+1 < len(vals); i += 2 {
		n, _ := strconv.Atoi(strings.TrimSpace(vals[i+1]))
		hp = append(hp, HeadingPair{Label: vals[i], Count: n})
	}
	return hp
}

// customName turns a custom property name into an exiftool tag name.
func customName(name string) string {
	var b strings.Builder
	up := true
	for _, r := range name {
		switch {
		case r == ' ':
			up = true
			continue
		case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
			if up && r >= 'a' && r <= 'z' {
				r -= 'a' - 'A'
			}
			b.WriteRune(r)
		}
		up = false
	}
	out := b.String()
	if out == "" || !(out[0] >= 'A' && out[0] <= 'Z' || out[0] >= 'a' && out[0] <= 'z') {
		out = "Tag_" + strings.TrimLeft(out, "_")
	}
	return out
}

func parseOOXMLCustom(m *Meta, data []byte) error {
	root, err := parseXMLTree(data, "docProps/custom.xml")
	if root == nil {
		return err
	}
	for _, e := range root.children {
		if len(m.Custom) > maxXMLTags {
			break
		}
		var name string
		for _, a := range e.attr {
			if a.Name.Local == "name" {
				name = a.Value
			}
		}
		if name == "" {
			continue
		}
		val := ""
		isDate := false
		if len(e.children) > 0 {
			c := e.children[0]
			if vec := findVector(e); vec != nil {
				val = strings.Join(vectorValues(vec), ", ")
			} else {
				val = c.text.String()
			}
			isDate = c.name.Local == "filetime" || c.name.Local == "date"
		}
		m.Custom = append(m.Custom, Property{Name: name, Value: val})
		if isDate {
			val = convertXMPDate(val, false)
		}
		m.add("XML", customName(name), val)
	}
	if err != nil {
		m.warnf("%v", err)
	}
	return nil
}

// flatMimetype finds the office:mimetype attribute of a flat OpenDocument
// file's root element.
var flatMimetype = regexp.MustCompile(`office:mimetype="([^"]{1,100})"`)

// readFlatODF reads a flat OpenDocument file (.fodt, .fods, .fodp): one
// XML document whose office:meta element holds what meta.xml holds in a
// package. Its Type is the package's with an F: "FODT".
func readFlatODF(m *Meta, r io.ReaderAt, size int64, l Limits) error {
	if size > l.MaxPartSize {
		return fmt.Errorf("flat OpenDocument file of %d bytes is larger than the %d-byte limit", size, l.MaxPartSize)
	}
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
		return err
	}
	m.Type = "FODT"
	if mt := flatMimetype.FindSubmatch(data[:min(len(data), 4096)]); mt != nil {
		m.Type = "F" + odfType(string(mt[1]))
	}
	return parseODFMeta(m, data)
}

// parseODFMeta reads an OpenDocument meta.xml. exiftool reads it as XMP, so
// its tags are named XMP-meta:* and XMP-dc:*.
func parseODFMeta(m *Meta, data []byte) error {
	root, err := parseXMLTree(data, "meta.xml")
	if root == nil {
		return err
	}
	var metaEl *xmlElem
	for _, c := range root.children {
		if c.name.Local == "meta" {
			metaEl = c
		}
	}
	if metaEl == nil {
		if err != nil {
			return err
		}
		return errors.New("meta.xml: no office:meta element")
	}
	for _, e := range metaEl.children {
		if len(m.Tags) > maxXMLTags {
			break
		}
		group := "XMP-meta"
		if e.name.Space == nsDC {
			group = "XMP-dc"
		}
		local := e.name.Local
		switch local {
		case "document-statistic":
			for _, a := range e.attr {
				m.add(group, "Document-statistic"+ucfirst(a.Name.Local), a.Value)
			}
			continue
		case "user-defined":
			name := ""
			for _, a := range e.attr {
				if a.Name.Local == "name" {
					name = a.Value
				}
			}
			m.Custom = append(m.Custom, Property{Name: name, Value: e.text.String()})
			m.add(group, "User-defined", e.text.String())
			m.add(group, "User-definedName", name)
			continue
		case "template", "hyperlink-behaviour", "auto-reload":
			for _, a := range e.attr {
				if a.Name.Local == "title" || a.Name.Local == "href" {
					m.add(group, ucfirst(local)+ucfirst(a.Name.Local), a.Value)
				}
			}
			if local == "template" {
				for _, a := range e.attr {
					if a.Name.Local == "title" {
						m.Template = a.Value
					}
				}
			}
			continue
		case "editing-duration":
			if d, ok := parseISODuration(e.text.String()); ok {
				m.TotalEditTime = &d
			}
		}
		m.add(group, ucfirst(local), convertXMPDate(e.text.String(), true))
	}
	if err != nil {
		m.warnf("%v", err)
	}
	return nil
}

// parseISODuration parses an xs:duration such as "PT21M36S" or "P1DT2H".
func parseISODuration(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "P") {
		return 0, false
	}
	var d time.Duration
	inTime := false
	num := ""
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9' || r == '.':
			num += string(r)
		case r == 'T':
			inTime = true
		default:
			f, err := strconv.ParseFloat(num, 64)
			if err != nil || f > 1e6 {
				return 0, false
			}
			num = ""
			var unit time.Duration
			switch {
			case r == 'Y':
				unit = 365 * 24 * time.Hour
			case r == 'M' && !inTime:
				unit = 30 * 24 * time.Hour
			case r == 'W':
				unit = 7 * 24 * time.Hour
			case r == 'D':
				unit = 24 * time.Hour
			case r == 'H':
				unit = time.Hour
			case r == 'M':
				unit = time.Minute
			case r == 'S':
				unit = time.Second
			default:
				return 0, false
			}
			d += time.Duration(f * float64(unit))
		}
	}
	return d, num == ""
}

// convertXMPDate rewrites an ISO 8601 date as exiftool does
// ("2018-10-26T17:03:00Z" becomes "2018:10:26 17:03:00Z"). With unsure, only
// full date-times are rewritten.
func convertXMPDate(v string, unsure bool) string {
	if mm := xmpDateRe.FindStringSubmatch(v); mm != nil {
		return mm[1] + ":" + mm[2] + ":" + mm[3] + " " + mm[4] + mm[5] + mm[6]
	}
	if !unsure && xmpDatePrefixRe.MatchString(v) {
		return strings.ReplaceAll(v, "-", ":")
	}
	return v
}

// odfMetaEncrypted tells whether the manifest lists meta.xml as encrypted.
func odfMetaEncrypted(man []byte) bool {
	i := bytes.Index(man, []byte(`full-path="meta.xml"`))
	if i < 0 {
		return false
	}
	rest := man[i:]
	end := bytes.Index(rest, []byte("</manifest:file-entry>"))
	if end < 0 {
		end = len(rest)
	}
	if j := bytes.Index(rest[1:], []byte("<manifest:file-entry")); j >= 0 && j+1 < end {
		end = j + 1
	}
	return bytes.Contains(rest[:end], []byte("encryption-data"))
}

// zipPart is one entry recovered from a damaged archive.
type zipPart struct {
	name string
	data []byte
	err  error
}

// scanLocalHeaders walks the local file headers of a damaged zip archive
// and decompresses the metadata parts it finds (within the part limits).
func scanLocalHeaders(r io.ReaderAt, size int64, l Limits) (map[string]zipPart, error) {
	if size > l.MaxPartSize*4 {
		return nil, fmt.Errorf("damaged archive over %d bytes: not scanned", l.MaxPartSize*4)
	}
	buf := make([]byte, size)
	n, err := r.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	buf = buf[:n]
	parts := map[string]zipPart{}
	for off := 0; off+30 <= len(buf) && len(parts) < 64; {
		i := bytes.Index(buf[off:], []byte("PK\x03\x04"))
		if i < 0 {
			break
		}
		h := buf[off+i:]
		off += i + 4
		if len(h) < 30 {
			break
		}
		method := binary.LittleEndian.Uint16(h[8:])
		csize := int(binary.LittleEndian.Uint32(h[18:]))
		nameLen := int(binary.LittleEndian.Uint16(h[26:]))
		extraLen := int(binary.LittleEndian.Uint16(h[28:]))
		if 30+nameLen+extraLen > len(h) {
			break
		}
		name := strings.ToLower(strings.TrimPrefix(string(h[30:30+nameLen]), "/"))
		switch name {
		case "[content_types].xml", "mimetype", "meta.xml", "meta-inf/manifest.xml", "docprops/core.xml", "docprops/app.xml", "docprops/custom.xml":
		default:
			continue
		}
		if _, dup := parts[name]; dup {
			continue
		}
		data := h[30+nameLen+extraLen:]
		var out []byte
		var perr error
		switch method {
		case 0:
			if csize > 0 && csize <= len(data) {
				data = data[:csize]
			} else if j := bytes.Index(data, []byte("PK\x03\x04")); j >= 0 {
				data = data[:j]
			}
			if int64(len(data)) > l.MaxPartSize {
				perr = fmt.Errorf("%s: over the part size limit", name)
			} else {
				out = data
			}
		case 8:
			fr := flate.NewReader(bytes.NewReader(data))
			out, perr = io.ReadAll(io.LimitReader(fr, l.MaxPartSize+1))
			if int64(len(out)) > l.MaxPartSize {
				out, perr = nil, fmt.Errorf("%s: more than %d bytes uncompressed", name, l.MaxPartSize)
			} else if perr != nil && len(out) > 0 {
				perr = nil // keep what inflated before the damage
			}
		default:
			perr = fmt.Errorf("%s: compression method %d not supported", name, method)
		}
		parts[name] = zipPart{name: name, data: out, err: perr}
	}
	return parts, nil
}

// readZipParts reads the metadata parts recovered from a damaged archive.
func readZipParts(m *Meta, parts map[string]zipPart, l Limits) error {
	get := func(n string) ([]byte, bool) {
		p, ok := parts[n]
		if !ok {
			return nil, false
		}
		if p.err != nil {
			m.warnf("%v", p.err)
			return nil, false
		}
		return p.data, true
	}
	if mt, ok := get("mimetype"); ok && bytes.HasPrefix(mt, []byte("application/vnd.oasis.opendocument")) {
		m.Kind, m.Type = KindODF, odfType(string(mt))
	} else if _, ok := parts["meta.xml"]; ok {
		if _, ct := parts["[content_types].xml"]; !ct {
			m.Kind, m.Type = KindODF, "ODF"
		}
	}
	if m.Kind == KindODF {
		data, ok := get("meta.xml")
		if !ok {
			return errors.New("damaged OpenDocument package: meta.xml not recoverable")
		}
		return parseODFMeta(m, data)
	}
	m.Type = "OOXML"
	if ct, ok := get("[content_types].xml"); ok {
		m.Type = ooxmlType(ct)
	}
	found := false
	for _, n := range []string{"docprops/core.xml", "docprops/app.xml", "docprops/custom.xml"} {
		data, ok := get(n)
		if !ok {
			continue
		}
		found = true
		var err error
		switch n {
		case "docprops/core.xml":
			err = parseOOXMLCore(m, data)
		case "docprops/app.xml":
			err = parseOOXMLApp(m, data)
		default:
			err = parseOOXMLCustom(m, data)
		}
		if err != nil {
			m.warnf("%v", err)
		}
	}
	if !found {
		return errors.New("no metadata part recoverable from the local headers")
	}
	return nil
}
