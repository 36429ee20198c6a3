package docmeta

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Kind is the container family a document was read as.
type Kind string

// The container families docmeta reads.
const (
	KindOOXML   Kind = "OOXML" // docx, xlsx, pptx and their macro/template variants (zip)
	KindODF     Kind = "ODF"   // odt, ods, odp ... (zip)
	KindPDF     Kind = "PDF"
	KindOLE     Kind = "OLE"     // doc, xls, ppt, msg ... (compound file binary)
	KindRTF     Kind = "RTF"     // rich text format
	KindUnknown Kind = "unknown" // not a format docmeta reads
)

// ErrUnsupported is returned (wrapped) for files in a format docmeta does not read.
var ErrUnsupported = errors.New("not a document format docmeta reads (OOXML, ODF, PDF, OLE, RTF)")

// HeadingPair is one entry of the Office "HeadingPairs" property: a label
// written in the user interface language of the program that saved the file
// ("Worksheets", "Листы", "Titres des diapositives") and how many of the
// TitlesOfParts it covers.
type HeadingPair struct {
	Label string
	Count int
}

// Property is a user-defined (custom) document property.
type Property struct {
	Name  string
	Value string
}

// TZEvidence is one piece of evidence of the UTC offset of the computer that
// wrote the document: either an explicit offset in a date (PDF, XMP), or the
// difference between the same moment stored once in UTC and once in local
// time (Word's DOP dates against the OLE property set).
type TZEvidence struct {
	Source string        // where it was seen, e.g. "PDF:CreateDate", "MS-DOC:CreateDate - FlashPix:CreateDate"
	Offset time.Duration // east of UTC is positive
}

// PDFInfo holds what is specific to PDF files.
type PDFInfo struct {
	Version     string // from the header, e.g. "1.7"
	Producer    string // Info /Producer: the library that wrote the PDF
	Creator     string // Info /Creator: the application the content came from
	Updates     int    // incremental updates appended after the first save (edited after creation)
	XRefCount   int    // xref sections found (including the original)
	Linearized  bool
	PageCount   int
	Encryption  string // e.g. "Standard V2.3 (128-bit)"; empty when not encrypted
	Decrypted   bool   // encrypted with an empty user password, strings decrypted
	XMPToolkit  string
	XMPProducer string
	CreatorTool string // XMP xmp:CreatorTool
}

// Meta is the metadata of one document. Typed fields hold what every format
// shares; Tags holds every value found, named like exiftool's -G1 output.
// Zero values mean "not present" (pointers are used where 0 is meaningful).
type Meta struct {
	Source string // the path or name given
	Kind   Kind
	Type   string // the document type, e.g. "DOCX", "XLS", "PDF"

	Title, Subject, Keywords, Comments, Category string
	Author                                       string   // creator / initial author
	LastModifiedBy                               string   // last person who saved
	LastSavedBy                                  []string // Word: the last ten people who saved, oldest first
	CurrentUser                                  string   // PowerPoint: the last person who opened it for editing
	Company, Manager, Template                   string
	Application                                  string // program that wrote the file (Application, Software, Generator, Producer/Creator for PDF)
	AppVersion                                   string

	Created, Modified, Printed time.Time
	// CreatedLocal etc. are true when the date carries no zone (the local
	// time of the author's computer, e.g. ODF, RTF, Word's DOP).
	CreatedLocal, ModifiedLocal bool

	Revision      *int           // revision number / editing cycles
	TotalEditTime *time.Duration // total editing time
	Pages         *int
	Words         *int
	Characters    *int

	Language      string // language code or name when the format records one
	CodePage      int    // OLE property-set code page (e.g. 1251 for Cyrillic)
	HeadingPairs  []HeadingPair
	TitlesOfParts []string
	Custom        []Property

	TZ        []TZEvidence
	PDF       *PDFInfo
	Encrypted bool

	// Warnings are problems met while reading that did not stop it.
	Warnings []string
	// Tags are all values found, in exiftool's Group:Tag naming, in the order found.
	Tags []Tag
}

// Tag is one metadata value named as exiftool names it with -G1
// (Group "FlashPix", Name "Author"). Value is a string or a []string.
type Tag struct {
	Group string
	Name  string
	Value any
}

// Key returns "Group:Name".
func (t Tag) Key() string { return t.Group + ":" + t.Name }

// Get returns the first value of the tag group:name, as text ("" when absent;
// lists are joined with ", ").
func (m *Meta) Get(group, name string) (string, bool) {
	for _, t := range m.Tags {
		if t.Group == group && t.Name == name {
			switch v := t.Value.(type) {
			case string:
				return v, true
			case []string:
				return strings.Join(v, ", "), true
			}
		}
	}
	return "", false
}

func (m *Meta) add(group, name string, v any) {
	m.Tags = append(m.Tags, Tag{Group: group, Name: name, Value: v})
}

// set replaces the value of group:name where it already is, or adds it.
func (m *Meta) set(group, name string, v any) {
	for i := range m.Tags {
		if m.Tags[i].Group == group && m.Tags[i].Name == name {
			m.Tags[i].Value = v
			return
		}
	}
	m.add(group, name, v)
}

// addFirst adds group:name unless it is already there (exiftool's
// "priority 0" tags: the first value found is kept).
func (m *Meta) addFirst(group, name string, v any) {
	if _, ok := m.Get(group, name); !ok {
		m.add(group, name, v)
	}
}

func (m *Meta) warnf(format string, a ...any) {
	if len(m.Warnings) < 50 {
		m.Warnings = append(m.Warnings, fmt.Sprintf(format, a...))
	}
}

// Limits bound the work spent on one document. Every input is hostile: a
// zip bomb, a PDF with a million objects or a compound file with a looping
// sector chain must end in an error, not in exhausted memory.
type Limits struct {
	MaxFileSize  int64 // larger files are refused (PDFs are read through random access, never whole)
	MaxPartSize  int64 // largest zip part or OLE stream or PDF stream decoded
	MaxEntries   int   // most zip entries / OLE directory entries
	MaxRatio     int64 // highest compression ratio accepted for a zip part
	MaxObjects   int   // most PDF objects resolved for one document
	MaxXRefChain int   // most PDF xref sections followed through /Prev
}

// DefaultLimits are the limits Read and ReadBytes use.
var DefaultLimits = Limits{
	MaxFileSize:  2 << 30,
	MaxPartSize:  16 << 20,
	MaxEntries:   100000,
	MaxRatio:     1000,
	MaxObjects:   2000,
	MaxXRefChain: 200,
}

// Read reads the metadata of the file at path. On error the returned Meta
// may still hold what was read before the problem (it is never nil).
func Read(path string) (*Meta, error) {
	return DefaultLimits.Read(path)
}

// ReadBytes reads the metadata of a document held in memory; name is used in
// messages and as Meta.Source.
func ReadBytes(name string, data []byte) (*Meta, error) {
	return DefaultLimits.ReadAt(name, bytes.NewReader(data), int64(len(data)))
}

// Read is Read with these limits.
func (l Limits) Read(path string) (*Meta, error) {
	m := &Meta{Source: path, Kind: KindUnknown}
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return m, fmt.Errorf("%s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return m, fmt.Errorf("%s: not a regular file", path)
	}
	return l.ReadAt(path, f, st.Size())
}

// ReadAt reads the metadata of a document of the given size through r.
// Only the parts needed are read.
func (l Limits) ReadAt(name string, r io.ReaderAt, size int64) (m *Meta, err error) {
	m = &Meta{Source: name, Kind: KindUnknown}
	if size > l.MaxFileSize {
		return m, fmt.Errorf("%s: %d bytes is over the limit of %d bytes", name, size, l.MaxFileSize)
	}
	head := make([]byte, 1024)
	n, rerr := r.ReadAt(head, 0)
	if rerr != nil && rerr != io.EOF {
		return m, fmt.Errorf("%s: %w", name, rerr)
	}
	head = head[:n]
	kind := sniff(head, name)
	m.Kind = kind
	switch kind {
	case KindOOXML, KindODF:
		if !bytes.HasPrefix(head, []byte("PK")) {
			err = readFlatODF(m, r, size, l)
			break
		}
		err = readZip(m, r, size, l)
	case KindOLE:
		err = readOLE(m, r, size, l)
	case KindPDF:
		err = readPDF(m, r, size, l)
	case KindRTF:
		err = readRTF(m, r, size, l)
	default:
		err = ErrUnsupported
	}
	m.fillTyped()
	if err != nil {
		return m, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

// sniff recognises the container from its first bytes.
func sniff(head []byte, name string) Kind {
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		if bytes.Contains(head[:min(len(head), 100)], []byte("mimetypeapplication/vnd.oasis.opendocument")) {
			return KindODF
		}
		ext := strings.ToLower(filepath.Ext(name))
		if strings.HasPrefix(ext, ".od") || strings.HasPrefix(ext, ".ot") {
			return KindODF
		}
		return KindOOXML
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return KindOLE
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return KindRTF
	case bytes.Contains(head, []byte("%PDF-")):
		return KindPDF
	case bytes.Contains(head, []byte("<office:document")) && bytes.Contains(head, []byte("urn:oasis:names:tc:opendocument")):
		return KindODF // flat OpenDocument (.fodt): one XML file
	}
	return KindUnknown
}

func intPtr(v int) *int { return &v }
