package docmeta

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// Limits of text extraction from one document.
const (
	maxTextPart  = 32 << 20 // decompressed bytes of one XML part
	maxTextRatio = 200      // compression ratio of one XML part
	maxText      = 8 << 20  // bytes of text kept per document
	maxTextParts = 2000     // slides, sheets ... read
)

// HasText reports whether Text extracts the text of documents of format
// (a lower-case extension such as "docx", "pdf" or "xls", or "office-zip"
// for an OOXML or ODF package of unknown kind).
func HasText(format string) bool {
	if _, ok := textParts(format, nil); ok {
		return true
	}
	switch format {
	case "office-zip", "pdf", "rtf", "doc", "dot", "xls", "xlt", "ppt", "pps", "pot":
		return true
	}
	if flatODFFormats[format] {
		return true
	}
	return false
}

// Text returns the plain text of a document, for comparing versions of it:
// paragraphs on their own lines, at most 8 MB. ok is false when the format
// has no text extractor; err, with ok true, says why the text could not be
// read (the text read before the problem is returned with it).
func Text(format string, r io.ReaderAt, size int64) (text string, ok bool, err error) {
	return DefaultLimits.Text(format, r, size)
}

// FileText returns the text of the document at path, its format told by
// its content as Read tells it (not by its name). ok is false for a file
// with no text extractor (an image, an Outlook message, an encrypted OOXML
// package).
func (l Limits) FileText(path string) (text string, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", true, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", true, fmt.Errorf("%s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return "", true, fmt.Errorf("%s: not a regular file", path)
	}
	if l.MaxFileSize > 0 && st.Size() > l.MaxFileSize {
		return "", true, fmt.Errorf("%s: %d bytes, larger than the %d-byte limit", path, st.Size(), l.MaxFileSize)
	}
	m, merr := l.ReadAt(path, f, st.Size()) // m tells the format even when the metadata is damaged
	format := strings.ToLower(m.Type)
	if format == "ooxml" || format == "odf" {
		format = "office-zip"
	}
	if !HasText(format) {
		if merr != nil && m.Kind != KindUnknown {
			return "", true, merr // a damaged document, not a file of another kind
		}
		return "", false, nil
	}
	return l.Text(format, f, st.Size())
}

// Text is the package-level Text within the limits l.
func (l Limits) Text(format string, r io.ReaderAt, size int64) (text string, ok bool, err error) {
	switch format {
	case "pdf":
		text, err = l.pdfPlainText(r, size)
		return text, true, err
	case "rtf":
		text, err = l.rtfPlainText(r, size)
		return text, true, err
	case "doc", "dot", "xls", "xlt", "ppt", "pps", "pot":
		text, err = l.oleText(format, r, size)
		return text, true, err
	case "fodt", "fods", "fodp", "fodg":
		text, err = flatText(r, size)
		return text, true, err
	}
	return zipText(format, r, size)
}

// textParts lists, for each zip-based format, the parts holding its text
// and the XML elements that end a paragraph.
func textParts(format string, names []string) (parts []string, ok bool) {
	switch format {
	case "docx", "docm", "dotx", "dotm":
		return []string{"word/document.xml"}, true
	case "xlsx", "xlsm", "xltx", "xltm":
		return []string{"xl/sharedStrings.xml"}, true
	case "pptx", "pptm", "potx", "ppsx", "ppsm":
		var slides []string
		for _, n := range names {
			if strings.HasPrefix(n, "ppt/slides/slide") && strings.HasSuffix(n, ".xml") {
				slides = append(slides, n)
			}
		}
		sort.Slice(slides, func(i, j int) bool { return slideNum(slides[i]) < slideNum(slides[j]) })
		return slides, true
	case "odt", "ods", "odp", "odg", "ott", "ots", "otp":
		return []string{"content.xml"}, true
	}
	return nil, false
}

var digits = regexp.MustCompile(`\d+`)

func slideNum(s string) int {
	n := 0
	fmt.Sscan(digits.FindString(s), &n)
	return n
}

// paragraph elements: their end starts a new line of text.
var paraEnd = map[string]bool{"p": true, "h": true, "si": true, "tr": true, "br": true, "tab": false}

// zipText returns the text of an OOXML or ODF document: paragraphs on
// their own lines. ok is false when the format has no text extractor.
func zipText(format string, r io.ReaderAt, size int64) (text string, ok bool, err error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		if _, known := textParts(format, nil); !known {
			return "", false, nil
		}
		return "", true, fmt.Errorf("text: not a readable zip package: %w", err)
	}
	var names []string
	byName := map[string]*zip.File{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		byName[f.Name] = f
	}
	if format == "office-zip" {
		format = guessOfficeFormat(byName)
	}
	parts, ok := textParts(format, names)
	if !ok {
		return "", false, nil
	}
	if len(parts) > maxTextParts {
		parts = parts[:maxTextParts]
	}
	var sb strings.Builder
	for _, p := range parts {
		f := byName[p]
		if f == nil {
			continue
		}
		if err := xmlText(f, &sb); err != nil {
			return sb.String(), true, fmt.Errorf("text of %s: %w", p, err)
		}
		if sb.Len() >= maxText {
			break
		}
	}
	return sb.String(), true, nil
}

func guessOfficeFormat(byName map[string]*zip.File) string {
	switch {
	case byName["word/document.xml"] != nil:
		return "docx"
	case byName["xl/workbook.xml"] != nil:
		return "xlsx"
	case byName["ppt/presentation.xml"] != nil:
		return "pptx"
	case byName["content.xml"] != nil:
		return "odt"
	}
	return ""
}

func xmlText(f *zip.File, sb *strings.Builder) error {
	if f.Flags&1 != 0 {
		return errors.New("encrypted")
	}
	if f.UncompressedSize64 > maxTextPart {
		return fmt.Errorf("part of %d bytes is larger than the %d-byte limit", f.UncompressedSize64, maxTextPart)
	}
	if f.CompressedSize64 > 0 && f.UncompressedSize64/f.CompressedSize64 > maxTextRatio {
		return fmt.Errorf("compression ratio above %d:1 (zip bomb?)", maxTextRatio)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xmlTextFrom(rc, sb)
}

// flatODFFormats are the flat (single XML file) OpenDocument formats.
var flatODFFormats = map[string]bool{"fodt": true, "fods": true, "fodp": true, "fodg": true}

// flatText returns the text of a flat OpenDocument file (.fodt): one XML
// document holding meta, styles and body.
func flatText(r io.ReaderAt, size int64) (string, error) {
	if size > maxTextPart {
		return "", fmt.Errorf("text: flat OpenDocument file of %d bytes is larger than the %d-byte limit", size, maxTextPart)
	}
	var sb strings.Builder
	err := xmlTextFrom(io.NewSectionReader(r, 0, size), &sb)
	return sb.String(), err
}

// xmlTextFrom appends the paragraphs of an OOXML or ODF XML part to sb.
func xmlTextFrom(rd io.Reader, sb *strings.Builder) error {
	d := xml.NewDecoder(io.LimitReader(rd, maxTextPart))
	d.Strict = false
	inText := false
	line := false
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "t", "span", "p", "h", "a", "s":
				inText = t.Name.Local == "t" || t.Name.Local == "p" || t.Name.Local == "h" || t.Name.Local == "span" || t.Name.Local == "a"
				if t.Name.Local == "s" && t.Name.Space == "text" {
					sb.WriteByte(' ')
				}
			case "tab":
				sb.WriteByte('\t')
			case "br", "line-break":
				sb.WriteByte('\n')
			}
		case xml.EndElement:
			if paraEnd[t.Name.Local] {
				if line {
					sb.WriteByte('\n')
					line = false
				}
			}
			if t.Name.Local == "t" {
				inText = false
			}
		case xml.CharData:
			if inText && len(bytes.TrimSpace(t)) > 0 || inText && line {
				sb.Write(t)
				line = true
			}
		}
		if sb.Len() >= maxText {
			return nil
		}
	}
	return nil
}
