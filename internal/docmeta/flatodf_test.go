package docmeta

import (
	"bytes"
	"strings"
	"testing"
)

const flatODT = `<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:meta>
  <meta:initial-creator>Cedric Example</meta:initial-creator>
  <dc:creator>Рошка Георгий Петрович</dc:creator>
  <meta:creation-date>2017-03-01T09:12:00</meta:creation-date>
  <dc:date>2017-05-05T18:02:00</dc:date>
  <dc:title>Note budget campagne</dc:title>
 </office:meta>
 <office:body><office:text><text:p>Budget previsionnel : 12 500 EUR.</text:p><text:p>Second paragraph.</text:p></office:text></office:body>
</office:document>`

// TestFlatODF: a flat OpenDocument file (.fodt, one XML file, as
// LibreOffice writes with "Save as flat XML") gives its metadata and its
// text like a package does.
func TestFlatODF(t *testing.T) {
	m, err := ReadBytes("note.fodt", []byte(flatODT))
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != "FODT" || m.Author != "Cedric Example" || m.LastModifiedBy != "Рошка Георгий Петрович" || m.Title != "Note budget campagne" {
		t.Errorf("metadata: type %q author %q last %q title %q", m.Type, m.Author, m.LastModifiedBy, m.Title)
	}
	text, ok, err := Text("fodt", bytes.NewReader([]byte(flatODT)), int64(len(flatODT)))
	if !ok || err != nil || text != "Budget previsionnel : 12 500 EUR.\nSecond paragraph.\n" {
		t.Errorf("text %q ok %v err %v", text, ok, err)
	}
	// an XML file that is not OpenDocument is not taken for one
	if _, err := ReadBytes("notes.xml", []byte(strings.Replace(flatODT, "opendocument", "example", -1))); err == nil {
		t.Error("a foreign XML document was read as OpenDocument")
	}
}
