package mail

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/xml"
	"fmt"
	"image"
	_ "image/gif" // QR codes in GIF pictures
	"image/jpeg"
	_ "image/png" // QR codes in PNG pictures
	"io"
	"strconv"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/mime"
)

// Links hidden from a link filter: inside a PDF or an Office document
// attached to the message (the 2016–2017 lures put the link in the
// document when filters started reading the message), and in QR codes
// (pictures or PDF pages) that send the reader's phone to a login page.
// They are read before the checks run and join the message's links, so
// that every link check applies to them.

// Limits of the reading of documents and pictures for links.
const (
	maxDocLinks     = 100      // links kept per document
	maxDocBytes     = 20 << 20 // documents larger are not read for links
	maxStreamBytes  = 8 << 20  // one decompressed PDF stream
	maxPDFStreams   = 2000     // streams of one PDF looked at
	maxQRImages     = 10       // pictures decoded per message
	maxQRPixels     = 16 << 20 // pictures larger are not decoded
	maxQRImageBytes = 8 << 20
)

var (
	pdfURI      = lazyRegexp(`/URI\s*\(((?:\\.|[^\\)]){1,1000})\)`)
	pdfURIHex   = lazyRegexp(`/URI\s*<([0-9A-Fa-f\s]{2,1000})>`)
	docTextURL  = lazyRegexp(`(?i)\bhttps?://[^\s<>"'()\[\]{}\\]{3,1000}`)
	pdfStreamRe = lazyRegexp(`stream\r?\n`)
)

// docLinks returns the web addresses a document holds: PDF link
// annotations and addresses in its text, Office hyperlink relationships
// and addresses in its text. kind is what sniff said of the content.
func docLinks(kind, ext string, b []byte) []string {
	if len(b) > maxDocBytes {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(u string) {
		u = strings.TrimRight(strings.TrimSpace(u), ".,;:")
		if u == "" || seen[u] || len(out) >= maxDocLinks {
			return
		}
		lu := strings.ToLower(u)
		if !strings.HasPrefix(lu, "http://") && !strings.HasPrefix(lu, "https://") {
			return
		}
		seen[u] = true
		out = append(out, u)
	}
	switch {
	case kind == "pdf" || bytes.HasPrefix(b, []byte("%PDF")):
		for _, s := range pdfSources(b) {
			for _, m := range pdfURI().FindAllSubmatch(s, maxDocLinks) {
				add(pdfUnescape(m[1]))
			}
			for _, m := range pdfURIHex().FindAllSubmatch(s, maxDocLinks) {
				add(pdfHex(m[1]))
			}
		}
		if t, ok, _ := docmeta.Text("pdf", bytes.NewReader(b), int64(len(b))); ok {
			for _, u := range docTextURL().FindAllString(t, maxDocLinks) {
				add(u)
			}
		}
	case kind == "zip" && officeExt[ext]:
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil
		}
		for _, f := range zr.File {
			if !strings.HasSuffix(strings.ToLower(f.Name), ".rels") || f.UncompressedSize64 > 1<<20 {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			data, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
			rc.Close()
			for _, u := range externalHyperlinks(data) {
				add(u)
			}
		}
		if t, ok, _ := docmeta.Text(ext, bytes.NewReader(b), int64(len(b))); ok {
			for _, u := range docTextURL().FindAllString(t, maxDocLinks) {
				add(u)
			}
		}
	}
	return out
}

var officeExt = setOf("docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm", "pptx", "pptm", "potx", "ppsx", "ppsm")

// externalHyperlinks reads an OOXML relationships part for hyperlinks to
// outside the document.
func externalHyperlinks(data []byte) []string {
	var rels struct {
		Rel []struct {
			Type       string `xml:"Type,attr"`
			Target     string `xml:"Target,attr"`
			TargetMode string `xml:"TargetMode,attr"`
		} `xml:"Relationship"`
	}
	if xml.Unmarshal(data, &rels) != nil {
		return nil
	}
	var out []string
	for _, r := range rels.Rel {
		if strings.EqualFold(r.TargetMode, "External") && strings.HasSuffix(r.Type, "/hyperlink") {
			out = append(out, r.Target)
		}
	}
	return out
}

// pdfSources returns the PDF's bytes and its decompressed streams (link
// annotations hide in compressed object streams).
func pdfSources(b []byte) [][]byte {
	out := [][]byte{b}
	idx := pdfStreamRe().FindAllIndex(b, maxPDFStreams)
	total := 0
	for _, loc := range idx {
		start := loc[1]
		end := bytes.Index(b[start:], []byte("endstream"))
		if end < 0 {
			break
		}
		data := b[start : start+end]
		// only Flate streams start with a zlib header
		if len(data) < 2 || data[0]&0x0f != 8 || (uint16(data[0])<<8|uint16(data[1]))%31 != 0 {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			continue
		}
		d, _ := io.ReadAll(io.LimitReader(zr, maxStreamBytes))
		zr.Close()
		if total += len(d); total > 4*maxStreamBytes {
			break
		}
		out = append(out, d)
	}
	return out
}

// pdfUnescape decodes a PDF literal string's escapes.
func pdfUnescape(s []byte) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		default:
			if s[i] >= '0' && s[i] <= '7' {
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(string(s[i:j]), 8, 8)
				b.WriteByte(byte(v))
				i = j - 1
				continue
			}
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func pdfHex(s []byte) string {
	h := strings.Join(strings.Fields(string(s)), "")
	if len(h)%2 == 1 {
		h += "0"
	}
	out := make([]byte, 0, len(h)/2)
	for i := 0; i+1 < len(h); i += 2 {
		v, err := strconv.ParseUint(h[i:i+2], 16, 8)
		if err != nil {
			return ""
		}
		out = append(out, byte(v))
	}
	return string(out)
}

// qrTexts decodes the QR codes of a picture (PNG, JPEG, GIF) or of the
// JPEG pictures inside a PDF.
func qrTexts(kind string, b []byte, budget *int) []string {
	if len(b) > maxDocBytes {
		return nil
	}
	var imgs [][]byte
	switch {
	case kind == "pdf" || bytes.HasPrefix(b, []byte("%PDF")):
		// JPEG pictures (DCTDecode) are stored as they are
		for i, n := 0, 0; n < maxQRImages; n++ {
			j := bytes.Index(b[i:], []byte{0xFF, 0xD8, 0xFF})
			if j < 0 {
				break
			}
			start := i + j
			end := bytes.Index(b[start:], []byte("endstream"))
			if end < 0 {
				break
			}
			imgs = append(imgs, b[start:start+end])
			i = start + end
		}
		// pictures in Flate streams: a PNG's pixels are not a PNG file,
		// but a PDF made from a picture often keeps it whole
		for _, s := range pdfSources(b)[1:] {
			if bytes.HasPrefix(s, []byte("\x89PNG")) {
				imgs = append(imgs, s)
			}
		}
	default:
		imgs = [][]byte{b}
	}
	var out []string
	for _, im := range imgs {
		if *budget <= 0 {
			break
		}
		*budget--
		if t := decodeQR(im); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func decodeQR(b []byte) (text string) {
	if len(b) > maxQRImageBytes {
		return ""
	}
	defer func() {
		if recover() != nil { // a decoder bug on a hostile picture never stops the analysis
			text = ""
		}
	}()
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width*cfg.Height > maxQRPixels || cfg.Width < 21 || cfg.Height < 21 {
		return ""
	}
	var img image.Image
	if bytes.HasPrefix(b, []byte{0xFF, 0xD8}) {
		img, err = jpeg.Decode(bytes.NewReader(b))
	} else {
		img, _, err = image.Decode(bytes.NewReader(b))
	}
	if err != nil {
		return ""
	}
	src, err := luminanceSource(img)
	if err != nil {
		return ""
	}
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		return ""
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return ""
	}
	return res.GetText()
}

// luminanceSource gives the QR decoder the picture's grey levels, computed
// as gozxing.NewLuminanceSourceFromImage computes them — (R+2G+B)/4 over
// white by transparency — but reading the pixels of the usual picture
// types directly: through image.Image's At, each pixel is a heap-allocated
// color, and that conversion cost as much as decoding the QR code.
func luminanceSource(img image.Image) (gozxing.LuminanceSource, error) {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	lum := make([]byte, w*h)
	var at func(x, y int) (r, g, b, a uint32) // a pixel's colour, never allocated
	switch m := img.(type) {
	case *image.YCbCr:
		at = func(x, y int) (uint32, uint32, uint32, uint32) { return m.YCbCrAt(x, y).RGBA() }
	case *image.Gray:
		at = func(x, y int) (uint32, uint32, uint32, uint32) { return m.GrayAt(x, y).RGBA() }
	case *image.NRGBA:
		at = func(x, y int) (uint32, uint32, uint32, uint32) { return m.NRGBAAt(x, y).RGBA() }
	case *image.RGBA:
		at = func(x, y int) (uint32, uint32, uint32, uint32) { return m.RGBAAt(x, y).RGBA() }
	case *image.Paletted:
		// each palette entry converted once
		pal := make([][4]uint32, len(m.Palette))
		for k, c := range m.Palette {
			pal[k][0], pal[k][1], pal[k][2], pal[k][3] = c.RGBA()
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				if k := int(m.ColorIndexAt(x, y)); k >= len(pal) {
					return nil, fmt.Errorf("pixel (%d,%d) uses colour %d of a palette of %d", x, y, k, len(pal))
				}
			}
		}
		at = func(x, y int) (uint32, uint32, uint32, uint32) {
			c := pal[m.ColorIndexAt(x, y)]
			return c[0], c[1], c[2], c[3]
		}
	default:
		at = func(x, y int) (uint32, uint32, uint32, uint32) { return img.At(x, y).RGBA() }
	}
	i := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := at(x, y)
			l := (cr + 2*cg + cb) * 255 / (4 * 0xffff)
			lum[i] = byte((l*ca + (0xffff-ca)*255) / 0xffff)
			i++
		}
	}
	return gozxing.NewPlanarYUVLuminanceSource(lum, w, h, 0, 0, w, h, false)
}

// collectHiddenLinks adds to the message's links those of its attached
// documents and of the QR codes in its pictures and PDFs.
func (a *Analyzer) collectHiddenLinks(x *msg) {
	budget := maxQRImages
	x.m.Walk(func(p *mime.Part) {
		if p.IsMultipart() || len(p.Body) == 0 {
			return
		}
		name := p.Filename
		if name == "" {
			name = "part " + p.Path
		}
		kind := sniff(p.Body)
		isPDF := bytes.HasPrefix(p.Body, []byte("%PDF"))
		if isPDF {
			kind = "pdf"
		}
		ext := extOf(strings.ToLower(name))
		if kind == "pdf" || kind == "zip" && officeExt[ext] {
			for _, u := range docLinks(kind, ext, p.Body) {
				l := Link{Href: u, Part: p.Path, Kind: "document", Text: name}
				x.docLinks = append(x.docLinks, l)
				x.doc.links = append(x.doc.links, l)
			}
		}
		if kind == "pdf" || strings.HasPrefix(p.MediaType, "image/") || ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "gif" {
			for _, t := range qrTexts(kind, p.Body, &budget) {
				l := Link{Href: strings.TrimSpace(t), Part: p.Path, Kind: "qr", Text: name}
				x.qrLinks = append(x.qrLinks, l)
				if _, ok := parseLink(l); ok {
					x.doc.links = append(x.doc.links, l)
				}
			}
		}
	})
}
