// Package docmeta reads document metadata natively in Go, for leak
// forensics: who wrote a document and who saved it last, when, with which
// software, in which language and time zone, how often it was revised, and
// whether a PDF was changed after it was first written. Nothing is executed
// and no external tool is needed.
//
// # Formats
//
//   - OOXML (docx, xlsx, pptx, their macro and template variants): the
//     docProps/core.xml, app.xml (including HeadingPairs, whose labels are
//     written in the language of the user interface: "Worksheets",
//     "Feuilles de calcul", "Листы") and custom.xml parts. Only those parts
//     are decompressed, within limits on entry count, part size and
//     compression ratio (zip bombs are refused).
//   - ODF (odt, ods, odp): meta.xml. Password-protected packages are
//     recognised from their manifest.
//   - OLE2 compound files (doc, xls, ppt, msg): a small compound-file reader
//     of its own (sector chains bounded, loops detected), the
//     SummaryInformation and DocumentSummaryInformation property sets with
//     their code page (cp1251 and the others decoded with
//     golang.org/x/text), and for Word files the FIB and the DOP. Word keeps
//     its creation and revision dates twice: in UTC in the property set and
//     in the author's local time in the DOP; the difference is the author's
//     UTC offset (Meta.TZ). The list of the last ten savers (SttbSavedBy) is
//     read too.
//   - PDF: the trailer chain from startxref through /Prev (xref tables and
//     compressed xref streams with PNG predictors, object streams, hybrid
//     files), the Info dictionary (PDFDocEncoding, UTF-16BE, escapes, hex
//     strings), the XMP metadata stream, the page count, and the number of
//     incremental updates, i.e. saves appended after the first one
//     (linearization is not counted). PDFs encrypted with the standard
//     security handler and an empty user password (RC4 40/128-bit, AES-128,
//     AES-256 revision 6) are decrypted, Info and XMP alike; others are
//     reported as encrypted with what is still readable. A PDF is read through random access: only the tail,
//     the xref sections and the objects needed. A broken xref makes the
//     reader scan the file for objects (files up to 4 × MaxPartSize).
//   - RTF: the \info group (\author, \operator, \creatim, \revtim,
//     \version, \edmins ...), with \'hh bytes in the \ansicpg code page and
//     \uN characters.
//
// # Output
//
// Read and ReadBytes return a Meta: typed fields for what matters to an
// investigation, and Tags, every value found under exiftool's -G1 names
// ("FlashPix:Author", "XML:LastModifiedBy", "PDF:Producer",
// "XMP-xmp:CreateDate", "MS-DOC:CreateDate" ...), with values formatted as
// exiftool prints them (dates "2017:05:03 14:02:11Z", "+02:00" offsets,
// edit times "1.6 hours"). WriteJSON writes them as `exiftool -j -G1` does;
// WriteText writes a report for people. Check applies the anomaly rules
// against an OrgProfile and explains each anomaly in plain words.
//
// # Text
//
// Text returns a document's plain text, for comparing a leaked copy with
// its original (near-duplicates and diffs in the leak authenticator):
// paragraphs, table rows and slides as lines. OOXML and ODF (the document,
// shared-strings or slide parts), PDF (pages in drawing order through the
// fonts' ToUnicode maps or encodings, Form XObjects, pdftext.go), legacy
// Word (the piece table, field results), Excel (BIFF5/8 cells, shared
// strings across CONTINUE records, dates) and PowerPoint (slides in the
// persist directory's order, oletext.go), and RTF (destinations skipped,
// \'hh bytes in each font's code page, rtftext.go). Every extractor has the
// same limits as the metadata readers, and returns the text read before a
// problem together with the error. On the shared corpus the words agree
// with pdftotext, catdoc, xls2csv, catppt and unrtf (median recall 1.00;
// TestPDFTextCorpus, TestOLETextCorpus, TestRTFTextCorpus).
//
// # Agreement with exiftool
//
// On the 487 documents of the shared corpus (checked by
// TestCorpusAgainstExiftool with VIGIE_CORPUS set), every author,
// last-modified-by, creation and modification date, application and
// revision value that exiftool 12.57 finds is found with the same value,
// except these documented differences:
//
//   - test-data__document__bug65255.doc, FlashPix:Author and
//     FlashPix:LastModifiedBy: the strings are in code page 936 (Simplified
//     Chinese). docmeta decodes them ("王久君"); exiftool prints "???þ?".
//   - test-data__spreadsheet__styles.xlsx, XML:Application: the value
//     contains a CR LF line break. XML 1.0 requires parsers to normalise
//     line ends to LF, which encoding/xml does; exiftool keeps the CR.
//
// Files exiftool cannot read either (corrupt zips, broken compound files)
// give errors here too; documents exiftool reads with a warning and no
// metadata (an ODF without meta.xml, a password-protected ODF) give a
// warning here. Some fields exiftool extracts are not read (CompObj user
// type, PowerPoint's Current User stream, Word's DocFlags, hyperlink lists,
// PDF PageMode/PageLayout/TaggedPDF, ICC profiles and ZIP entry details).
package docmeta
