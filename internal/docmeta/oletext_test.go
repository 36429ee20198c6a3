package docmeta

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/docmeta/doctest"
)

// --- builders of legacy Office files ---

func le16b(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32b(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func utf16le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// wordPieceSpec is one piece of a built Word document: its text, stored
// compressed (8-bit, each rune must be < 0x100) or in UTF-16LE. The rune
// U+E007 is written as a cell mark (0x07) whose paragraph ends a table
// row (fTtp in its PAPX).
type wordPieceSpec struct {
	text       string
	compressed bool
}

// wordSpec describes a built Word 97 document.
type wordSpec struct {
	pieces   []wordPieceSpec
	ccp      []int // ccpText, ccpFtn, ccpHdd ...; nil: the whole text is the main story
	flags    uint16
	nFib     uint16
	clxExtra []byte // bytes before the Pcdt (Prc entries)
}

// buildWordDoc builds a Word 97 .doc whose text is in the given pieces.
func buildWordDoc(s wordSpec) []byte {
	wd := make([]byte, 0x800)
	binary.LittleEndian.PutUint16(wd[0:], 0xa5ec)
	nFib := s.nFib
	if nFib == 0 {
		nFib = 0xc1
	}
	binary.LittleEndian.PutUint16(wd[2:], nFib)
	binary.LittleEndian.PutUint16(wd[6:], 0x040c)
	binary.LittleEndian.PutUint16(wd[10:], 0x0200|s.flags)
	binary.LittleEndian.PutUint16(wd[32:], 14) // csw
	binary.LittleEndian.PutUint16(wd[62:], 22) // cslw
	lw := 64
	total := 0
	for _, p := range s.pieces {
		total += len([]rune(p.text))
	}
	ccp := s.ccp
	if ccp == nil {
		ccp = []int{total}
	}
	for i, n := range ccp {
		binary.LittleEndian.PutUint32(wd[lw+12+4*i:], uint32(n))
	}
	binary.LittleEndian.PutUint16(wd[152:], 0x5D) // cbRgFcLcb
	blob := 154
	// Text after the FIB; the piece table in 1Table.
	var cps []uint32
	var pcds []byte
	var ttp [][2]uint32 // stream ranges of row-end marks
	textStart := uint32(len(wd))
	cp := 0
	for _, p := range s.pieces {
		cps = append(cps, uint32(cp))
		cp += len([]rune(p.text))
		var fc uint32
		if p.compressed {
			fc = uint32(len(wd))*2 | 0x40000000
			for _, r := range p.text {
				if r == 0xE007 {
					ttp = append(ttp, [2]uint32{uint32(len(wd)), uint32(len(wd) + 1)})
					r = 0x07
				}
				b := byte(r)
				for k, v := range wordCompressedExceptions {
					if v == r {
						b = k
					}
				}
				wd = append(wd, b)
			}
		} else {
			fc = uint32(len(wd))
			for _, r := range p.text {
				if r == 0xE007 {
					ttp = append(ttp, [2]uint32{uint32(len(wd)), uint32(len(wd) + 2)})
					r = 0x07
				}
				wd = append(wd, utf16le(string(r))...)
			}
		}
		pcd := make([]byte, 8)
		binary.LittleEndian.PutUint32(pcd[2:], fc)
		pcds = append(pcds, pcd...)
	}
	cps = append(cps, uint32(cp))
	var plc []byte
	for _, c := range cps {
		plc = append(plc, le32b(c)...)
	}
	plc = append(plc, pcds...)
	table := make([]byte, 0x100)
	fcClx := len(table)
	table = append(table, s.clxExtra...)
	table = append(table, 0x02)
	table = append(table, le32b(uint32(len(plc)))...)
	table = append(table, plc...)
	binary.LittleEndian.PutUint32(wd[blob+0x108:], uint32(fcClx))
	binary.LittleEndian.PutUint32(wd[blob+0x10C:], uint32(len(table)-fcClx))
	if len(ttp) > 0 {
		// One FKP page of paragraph properties: runs between the row-end
		// marks have none, the marks have a PAPX setting sprmPFTtp.
		textEnd := uint32(len(wd))
		for len(wd)%512 != 0 {
			wd = append(wd, 0)
		}
		pn := uint32(len(wd) / 512)
		page := make([]byte, 512)
		rgfc := []uint32{textStart}
		var papx []bool
		for _, r := range ttp {
			if r[0] > rgfc[len(rgfc)-1] {
				rgfc = append(rgfc, r[0])
				papx = append(papx, false)
			}
			rgfc = append(rgfc, r[1])
			papx = append(papx, true)
		}
		if textEnd > rgfc[len(rgfc)-1] {
			rgfc = append(rgfc, textEnd)
			papx = append(papx, false)
		}
		crun := len(papx)
		for i, fc := range rgfc {
			binary.LittleEndian.PutUint32(page[4*i:], fc)
		}
		copy(page[0x1C0:], []byte{3, 0, 0, 0x17, 0x24, 1}) // cb 3: istd 0, sprmPFTtp 1
		for i, has := range papx {
			if has {
				page[4*(crun+1)+13*i] = 0x1C0 / 2
			}
		}
		page[511] = byte(crun)
		wd = append(wd, page...)
		fcBte := len(table)
		table = append(table, le32b(textStart)...)
		table = append(table, le32b(textEnd)...)
		table = append(table, le32b(pn)...)
		binary.LittleEndian.PutUint32(wd[blob+13*8:], uint32(fcBte))
		binary.LittleEndian.PutUint32(wd[blob+13*8+4:], 12)
	}
	return buildCFB([][2]any{{"WordDocument", wd}, {"1Table", table}})
}

// biffRec encodes one BIFF record.
var biffRec = doctest.BIFFRecord

// xlString encodes a BIFF8 XLUnicodeString (16-bit count), in UTF-16LE
// when high.
func xlString(s string, high bool) []byte {
	u := utf16.Encode([]rune(s))
	b := le16b(uint16(len(u)))
	if high {
		return append(append(b, 1), utf16le(s)...)
	}
	b = append(b, 0)
	for _, c := range u {
		b = append(b, byte(c))
	}
	return b
}

func cellHdr(row, col uint16) []byte {
	return append(append(le16b(row), le16b(col)...), le16b(15)...)
}

func f64b(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }

// buildXLS builds a BIFF8 workbook of two sheets whose shared string table
// is split across CONTINUE records: in the middle of an 8-bit string that
// goes on in UTF-16 (the re-sent flags byte), inside the rich text runs,
// and inside the phonetic data of another string.
func buildXLS(extraGlobals []byte) []byte {
	// SST strings: 0 "Région" (8-bit), 1 "Budget 2024" rich (2 runs),
	// 2 "Total" with phonetic data, 3 "Évolution αβ" (split: 8-bit part
	// then UTF-16 part), 4 "x".
	sst1 := bytes.Join([][]byte{
		le32b(9), le32b(5),
		xlString("Région", false),
		// rich: cch, flags 0x08, cRun, chars, runs (split after one run)
		le16b(11), {0x08}, le16b(2), []byte("Budget 2024"), le32b(0x00010000),
	}, nil)
	cont1 := bytes.Join([][]byte{
		le32b(0x00050001), // second run
		// phonetic: cch, flags 0x04, cbExtRst, chars, ext (split)
		le16b(5), {0x04}, le32b(10), []byte("Total"), make([]byte, 4),
	}, nil)
	cont2 := bytes.Join([][]byte{
		make([]byte, 6),                                // rest of the phonetic data
		le16b(12), {0x00}, {0xC9}, []byte("volution "), // "Évolution " in 8 bits
	}, nil)
	cont3 := append([]byte{0x01}, utf16le("αβ")...)
	cont3 = append(cont3, xlString("x", false)...)
	globalsHead := bytes.Join([][]byte{
		biffRec(0x0809, le16b(0x0600), le16b(0x0005), make([]byte, 12)),
		extraGlobals,
		biffRec(0x0042, le16b(1252)),
		biffRec(0x041E, le16b(164), xlString(`dd/mm/yyyy;[Red]"neg"`, false)),
		biffRec(0x041E, le16b(165), xlString(`0.00" days"`, false)),
		xfRecords(),
	}, nil)
	sheetNames := []string{"Résultats", "Vide"}
	bsLen := 0
	for _, n := range sheetNames {
		bsLen += 4 + 6 + 2 + len([]rune(n))
	}
	sstPart := bytes.Join([][]byte{
		biffRec(0x00FC, sst1), biffRec(0x003C, cont1), biffRec(0x003C, cont2), biffRec(0x003C, cont3),
		biffRec(0x000A),
	}, nil)
	sheet1 := bytes.Join([][]byte{
		biffRec(0x0809, le16b(0x0600), le16b(0x0010), make([]byte, 12)),
		biffRec(0x00FD, cellHdr(0, 0), le32b(0)),
		biffRec(0x00FD, cellHdr(0, 1), le32b(1)),
		biffRec(0x00FD, cellHdr(0, 3), le32b(2)),
		biffRec(0x0203, cellHdr(1, 0), f64b(1234.5)),
		biffRec(0x027E, cellHdr(1, 1), le32b(uint32(int32(42)<<2|2))),
		biffRec(0x027E, cellHdr(1, 2), le32b(uint32(int32(1999)<<2|3))), // 19.99
		biffRec(0x00BD, le16b(2), le16b(0), le16b(15), le32b(7<<2|2), le16b(15), le32b(8<<2|2), le16b(1)),
		biffRec(0x0006, cellHdr(2, 2), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)),
		biffRec(0x0207, xlString("calculé", false)),
		biffRec(0x0006, cellHdr(3, 0), f64b(0.1+0.2), make([]byte, 6)),
		biffRec(0x0205, cellHdr(3, 1), []byte{1, 0}),
		biffRec(0x0205, cellHdr(3, 2), []byte{0x07, 1}),
		biffRec(0x0204, cellHdr(4, 1), xlString("Commentaire — fin", true)),
		biffRec(0x00FD, cellHdr(5, 0), le32b(3)),
		biffRec(0x00FD, cellHdr(5, 1), le32b(4)),
		biffRec(0x0203, le16b(6), le16b(0), le16b(16), f64b(45000.5)),
		biffRec(0x027E, le16b(6), le16b(1), le16b(17), le32b(45000<<2|2)),
		biffRec(0x027E, le16b(6), le16b(2), le16b(18), le32b(45000<<2|2)),
		biffRec(0x000A),
	}, nil)
	sheet2 := bytes.Join([][]byte{
		biffRec(0x0809, le16b(0x0600), le16b(0x0010), make([]byte, 12)),
		biffRec(0x000A),
	}, nil)
	pos1 := len(globalsHead) + bsLen + len(sstPart)
	pos2 := pos1 + len(sheet1)
	var bs []byte
	for i, n := range sheetNames {
		pos := pos1
		if i == 1 {
			pos = pos2
		}
		var name []byte
		for _, r := range n {
			name = append(name, byte(r))
		}
		bs = append(bs, biffRec(0x0085, le32b(uint32(pos)), []byte{0, 0, byte(len(name)), 0}, name)...)
	}
	wb := bytes.Join([][]byte{globalsHead, bs, sstPart, sheet1, sheet2}, nil)
	return buildCFB([][2]any{{"Workbook", wb}})
}

// xfRecords writes 19 XF records: 0..15 General, 16 built-in format 22
// (date and time), 17 custom date format 164, 18 custom format 165 (not a
// date).
func xfRecords() []byte {
	var b []byte
	for i := 0; i < 19; i++ {
		ifmt := uint16(0)
		switch i {
		case 16:
			ifmt = 22
		case 17:
			ifmt = 164
		case 18:
			ifmt = 165
		}
		b = append(b, biffRec(0x00E0, le16b(0), le16b(ifmt), make([]byte, 16))...)
	}
	return b
}

// pptRecB encodes one PowerPoint record; containers have version 0xF.
func pptRecB(ver, instance, typ uint16, data ...[]byte) []byte {
	body := bytes.Join(data, nil)
	h := le16b(ver | instance<<4)
	h = append(h, le16b(typ)...)
	h = append(h, le32b(uint32(len(body)))...)
	return append(h, body...)
}

func pptChars(s string) []byte { return pptRecB(0, 0, 0x0FA0, utf16le(s)) }
func pptBytes(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return pptRecB(0, 0, 0x0FA8, b)
}

// pptSlideRec is a slide container whose drawing holds text boxes.
func pptSlideRec(texts ...[]byte) []byte {
	box := pptRecB(0xF, 0, 0xF00D, bytes.Join(texts, nil))
	sp := pptRecB(0xF, 0, 0xF004, box)
	dg := pptRecB(0xF, 0, 0xF002, sp)
	return pptRecB(0xF, 0, 0x03EE, pptRecB(0, 0, 0x03EF, make([]byte, 24)), pptRecB(0xF, 0, 0x040C, dg))
}

// buildPPT builds a presentation of two slides whose slide list gives
// them in the order opposite to the stream, a master whose text must not
// appear, and a notes page. withUser false leaves out the Current User
// stream so the reader falls back to stream order.
func buildPPT(withUser bool) []byte {
	persistAtom := func(ref uint32) []byte { return pptRecB(0, 0, 0x03F3, le32b(ref), make([]byte, 16)) }
	slwt := pptRecB(0xF, 0, 0x0FF0,
		persistAtom(3), pptRecB(0, 0, 0x0F9F, le32b(0)), pptChars("Premier titre\rPremier corps\vsuite"),
		persistAtom(2), pptRecB(0, 0, 0x0F9F, le32b(0)), pptBytes("Second titre"),
	)
	master := pptRecB(0xF, 1, 0x0FF0, persistAtom(5), pptChars("Cliquez pour modifier"))
	notesList := pptRecB(0xF, 2, 0x0FF0, persistAtom(6))
	doc := pptRecB(0xF, 0, 0x03E8, pptRecB(0, 0, 0x03E9, make([]byte, 40)), slwt, master, notesList)
	stream := doc
	offs := map[uint32]int{1: 0}
	add := func(id uint32, rec []byte) {
		offs[id] = len(stream)
		stream = append(stream, rec...)
	}
	add(2, pptSlideRec(pptChars("Boîte du second")))
	add(3, pptSlideRec(pptBytes("Boîte du premier")))
	add(5, pptRecB(0xF, 0, 0x03F8, pptChars("Modèle masqué")))
	add(6, pptRecB(0xF, 0, 0x03F0, pptRecB(0xF, 0, 0x040C, pptChars("Notes de l'orateur"))))
	dir := le32b(1 | 3<<20) // ids 1..3, then 5..6

	for _, id := range []uint32{1, 2, 3} {
		dir = append(dir, le32b(uint32(offs[id]))...)
	}
	dir = append(dir, le32b(5|2<<20)...)
	dir = append(dir, le32b(uint32(offs[5]))...)
	dir = append(dir, le32b(uint32(offs[6]))...)
	dirOff := len(stream)
	stream = append(stream, pptRecB(0, 0, 0x1772, dir)...)
	editOff := len(stream)
	stream = append(stream, pptRecB(0, 0, 0x0FF5, le32b(256), le16b(0), []byte{0, 3}, le32b(0), le32b(uint32(dirOff)), le32b(1), le32b(7), le16b(1), le16b(0))...)
	streams := [][2]any{{"PowerPoint Document", stream}}
	if withUser {
		cu := pptRecB(0, 0, 0x0FF6, le32b(20), le32b(0xE391C05F), le32b(uint32(editOff)), make([]byte, 12))
		streams = append(streams, [2]any{"Current User", cu})
	}
	return buildCFB(streams)
}

// --- tests ---

func oleTextOf(t testing.TB, format string, data []byte) (string, error) {
	t.Helper()
	text, ok, err := Text(format, bytes.NewReader(data), int64(len(data)))
	if !ok {
		t.Fatalf("Text(%q) has no extractor", format)
	}
	return text, err
}

func TestOLETextWord(t *testing.T) {
	tests := []struct {
		name string
		spec wordSpec
		want string
	}{
		{
			name: "compressed and unicode pieces",
			spec: wordSpec{pieces: []wordPieceSpec{
				{"Bonjour \u201cmonde\u201d\r\x13 HYPERLINK \"http://x\" \x14lien\x15 ici\r", true},
				{"Élection\u00a02024 \u2013 ré\x1fsul\x1etats\x01\r", false},
			}},
			want: "Bonjour \u201cmonde\u201d\nlien ici\nÉlection 2024 \u2013 résul-tats",
		},
		{
			name: "nested fields, table and breaks",
			spec: wordSpec{pieces: []wordPieceSpec{
				{"\x13 IF \x13 PAGE \x14 1\x15 = 1 \"a\" \x14vrai\x15\rA\x07B\x07\x07C\x07D\x07\x07fin\vligne\x0cpage\r", true},
			}},
			want: "vrai\nA\tB\nC\tD\nfin\nligne\npage",
		},
		{
			name: "main text then footnote story, with a Prc before the Pcdt",
			spec: wordSpec{
				pieces:   []wordPieceSpec{{"Texte\x02 principal\r", true}, {"Note de bas de page\r\r", false}},
				ccp:      []int{17, 20},
				clxExtra: []byte{0x01, 0x02, 0x00, 0xAA, 0xBB},
			},
			want: "Texte principal\n\nNote de bas de page",
		},
		{
			name: "table rows from the paragraph properties, with empty cells",
			spec: wordSpec{pieces: []wordPieceSpec{
				{"Nom\x07\x07Total\x07\ue007", true},
				{"\x07Été\x07 5\x07\ue007fin\r", false},
			}},
			want: "Nom\t\tTotal\n\tÉté\t 5\nfin",
		},
		{
			name: "field code without result and a broken field",
			spec: wordSpec{pieces: []wordPieceSpec{{"a\x13 XE \"index\" \x15b\r\x15c\x14d\rend\x13 open", true}}},
			want: "ab\ncd\nend",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := oleTextOf(t, "doc", buildWordDoc(tc.spec))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("text\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestOLETextExcel(t *testing.T) {
	t.Run("workbook as Excel writes it", func(t *testing.T) {
		data := doctest.XLS(
			doctest.Sheet{Name: "Budget", Rows: [][]any{{"Poste", "Montant", "Validé"}, {"Salle", 12500, true}, {nil, 0.25}, {"Salle", "Ελλάδα"}}},
			doctest.Sheet{Name: "Лист2", Rows: [][]any{{"Итого", -3}}},
		)
		got, err := oleTextOf(t, "xls", data)
		if err != nil {
			t.Fatalf("error: %v", err)
		}
		if want := "Budget\nPoste\tMontant\tValidé\nSalle\t12500\tTRUE\n\t0.25\nSalle\tΕλλάδα\n\nЛист2\nИтого\t-3"; got != want {
			t.Errorf("text\n got %q\nwant %q", got, want)
		}
	})
	got, err := oleTextOf(t, "xls", buildXLS(nil))
	if err != nil {
		t.Fatalf("error: %v", err)
	}
	want := strings.Join([]string{
		"Résultats",
		"Région\tBudget 2024\t\tTotal",
		"1234.5\t42\t19.99",
		"7\t8\tcalculé",
		"0.3\tTRUE\t#DIV/0!",
		"\tCommentaire — fin",
		"Évolution αβ\tx",
		"2023-03-15 12:00:00\t2023-03-15\t45000",
		"",
		"Vide",
	}, "\n")
	if got != want {
		t.Errorf("text\n got %q\nwant %q", got, want)
	}
}

func TestOLETextPowerPoint(t *testing.T) {
	tests := []struct {
		name     string
		withUser bool
		want     string
	}{
		{"slide order from the persist directory", true,
			"Premier titre\nPremier corps\nsuite\nBoîte du premier\n\nSecond titre\nBoîte du second\n\nNotes de l'orateur"},
		{"stream order without Current User", false,
			"Premier titre\nPremier corps\nsuite\n\nSecond titre\n\nBoîte du second\n\nBoîte du premier\n\nNotes de l'orateur"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := oleTextOf(t, "ppt", buildPPT(tc.withUser))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tc.want {
				t.Errorf("text\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestOLETextTrustsStreams: the streams, not the extension, decide.
func TestOLETextTrustsStreams(t *testing.T) {
	got, err := oleTextOf(t, "doc", buildXLS(nil))
	if err != nil || !strings.HasPrefix(got, "Résultats\n") {
		t.Errorf("workbook named .doc: %q, %v", got, err)
	}
}

func TestOLETextErrors(t *testing.T) {
	word := buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"Texte\r", true}}})
	// A piece table pointing past the end of the WordDocument stream.
	badPiece := buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"Texte\r", true}}})
	if i := bytes.Index(badPiece, []byte{0x02, 16, 0, 0, 0}); i >= 0 {
		binary.LittleEndian.PutUint32(badPiece[i+5+8+2:], 0x7FFFFFF0|0x40000000)
	}
	tests := []struct {
		name, format string
		data         []byte
		want         string // in the error
	}{
		{"encrypted Word", "doc", buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"x\r", true}}, flags: 0x0100}), "encrypted: text not readable"},
		{"obfuscated Word", "doc", buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"x\r", true}}, flags: 0x8000}), "encrypted: text not readable"},
		{"Word 2", "doc", buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"x\r", true}}, nFib: 45}), "Word 2 or older"},
		{"piece beyond the stream", "doc", badPiece, "beyond the end of the stream"},
		{"encrypted Excel", "xls", buildXLS(biffRec(0x002F, make([]byte, 54))), "encrypted: text not readable"},
		{"encrypted PowerPoint", "ppt", buildCFB([][2]any{{"PowerPoint Document", pptRecB(0xF, 0, 0x2F14, pptChars("x"))}}), "encrypted: text not readable"},
		{"encrypted OOXML", "doc", buildCFB([][2]any{{"EncryptedPackage", []byte("x")}}), "encrypted: text not readable"},
		{"no Office stream", "xls", buildCFB([][2]any{{"Other", []byte("x")}}), "no WordDocument, Workbook or PowerPoint Document stream"},
		{"not a compound file", "ppt", []byte("plain text, not OLE"), "not an OLE2 compound file"},
		{"truncated compound file", "doc", word[:600], "doc text"},
		{"workbook without BOF", "xls", buildCFB([][2]any{{"Workbook", biffRec(0x000A)}}), "does not start with a BOF"},
		{"PowerPoint record past its end", "ppt", buildCFB([][2]any{{"PowerPoint Document", append(pptRecB(0xF, 0, 0x03EE), 0, 0, 0xEE, 0x03, 0xFF, 0xFF, 0, 0)}}), "runs past its container"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oleTextOf(t, tc.format, tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestOLETextDamaged cuts and corrupts the built files: errors, never panics.
func TestOLETextDamaged(t *testing.T) {
	for _, doc := range []struct {
		format string
		data   []byte
	}{
		{"doc", buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"Bonjour\r", true}, {"monde\r", false}}})},
		{"xls", buildXLS(nil)},
		{"xls", doctest.XLS(doctest.Sheet{Name: "Feuil1", Rows: [][]any{{"a", 1.5, true}, {"Ελλάδα"}}})},
		{"ppt", buildPPT(true)},
	} {
		for cut := 0; cut < len(doc.data); cut += 97 {
			Text(doc.format, bytes.NewReader(doc.data[:cut]), int64(cut))
		}
		for i := 512; i < len(doc.data); i += 13 {
			d := bytes.Clone(doc.data)
			d[i] ^= 0xFF
			Text(doc.format, bytes.NewReader(d), int64(len(d)))
		}
	}
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0, "0"}, {42, "42"}, {-3.5, "-3.5"}, {0.1 + 0.2, "0.3"}, {1234567, "1234567"},
		{1e20, "1e+20"}, {1.5e-7, "1.5e-07"}, {44927, "44927"},
	} {
		if got := formatNumber(tc.v); got != tc.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestExcelDates(t *testing.T) {
	for _, tc := range []struct {
		code string
		date bool
	}{
		{"General", false}, {"0.00", false}, {"0.00E+00", false}, {`#,##0" jours"`, false},
		{"dd/mm/yyyy", true}, {"[$-40C]d mmmm yyyy", true}, {"[h]:mm:ss", true}, {`[Red]0.00;"m"`, false},
		{`0\m`, false}, {"mmm-yy", true},
	} {
		if got := isDateFormat(tc.code); got != tc.date {
			t.Errorf("isDateFormat(%q) = %v, want %v", tc.code, got, tc.date)
		}
	}
	for _, tc := range []struct {
		v        float64
		date1904 bool
		want     string
	}{
		{1, false, "1900-01-01"}, {59, false, "1900-02-28"}, {61, false, "1900-03-01"},
		{60, false, "1900-03-01"}, // Excel's 1900-02-29, a day that never was
		{45000, false, "2023-03-15"}, {0.75, false, "18:00:00"}, {0, true, "1904-01-01"},
		{45000.25, false, "2023-03-15 06:00:00"},
	} {
		if got, _ := excelDate(tc.v, tc.date1904); got != tc.want {
			t.Errorf("excelDate(%v, %v) = %q, want %q", tc.v, tc.date1904, got, tc.want)
		}
	}
}

// --- corpus ---

// wordFieldWords are words of Word field codes (and their switches),
// which catdoc prints and Text drops: they are not counted.
var wordFieldWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`hyperlink mergeformat charformat page pageref numpages toc formtext formcheckbox
		formdropdown macrobutton nomacro date time createdate savedate printdate author filename styleref xe tc seq
		arabic roman alphabetic ref docproperty includepicture includetext embed eq symbol if fillin numwords
		numchars title subject keywords comments lastsavedby template userref username userinitials mailto
		shape listnum sectionpages section quote index link noteref gotobutton ask set advance
		mergefield dde ddeauto autotext autonum autonumlgl autonumout bidioutline barcode citation bibliography`) {
		wordFieldWords[w] = true
	}
}

// oleWords returns the lower-cased words (letters and digits) of s, of
// two characters or more, except Word field keywords when fields is set.
func oleWords(s string, fields bool) map[string]bool {
	if fields {
		return textWords(s, 2, wordFieldWords)
	}
	return textWords(s, 2, nil)
}

// TestOLETextCorpus compares the words of each .doc, .xls and .ppt of the
// shared corpus with those catdoc, xls2csv and catppt (Debian package
// catdoc) extract. Run with VIGIE_CORPUS=/work/shared/corpus.
func TestOLETextCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	tools := map[string]string{"doc": "catdoc", "xls": "xls2csv", "ppt": "catppt"}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (apt-get install catdoc)", tool)
		}
	}
	// catppt prints the names of slide masters ("Office Theme", "Default
	// Design") and the text of the first saved version of a presentation
	// saved incrementally, which Text does not: presentations where it
	// finds fewer than 10 words are not counted.
	minWords := map[string]int{"doc": 1, "xls": 1, "ppt": 10}
	for _, ext := range []string{"doc", "xls", "ppt"} {
		t.Run(ext, func(t *testing.T) {
			var files []string
			all, _ := filepath.Glob(filepath.Join(root, "docs", "files", "*"))
			for _, f := range all {
				if strings.EqualFold(filepath.Ext(f), "."+ext) {
					files = append(files, f)
				}
			}
			if len(files) == 0 {
				t.Skipf("no .%s in the corpus", ext)
			}
			type result struct {
				name         string
				recall       float64
				ours, theirs int
				note         string
			}
			var results []result
			var recalls []float64
			var ourTime, toolTime time.Duration
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				text, _, terr := Text(ext, bytes.NewReader(data), int64(len(data)))
				ourTime += time.Since(start)
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				start = time.Now()
				out, cerr := exec.CommandContext(ctx, tools[ext], "-d", "utf-8", f).Output()
				toolTime += time.Since(start)
				cancel()
				r := result{name: filepath.Base(f)}
				ours, theirs := oleWords(text, ext == "doc"), oleWords(string(out), ext == "doc")
				r.ours, r.theirs = len(ours), len(theirs)
				common := 0
				var missed []string
				for w := range theirs {
					if ours[w] {
						common++
					} else if len(missed) < 200 {
						missed = append(missed, w)
					}
				}
				r.recall = 1
				if len(theirs) >= minWords[ext] {
					r.recall = float64(common) / float64(len(theirs))
				}
				if cerr != nil {
					r.note = tools[ext] + ": " + cerr.Error() + "; "
				}
				if terr != nil {
					r.note += "ours: " + terr.Error() + "; "
				}
				if r.recall < 1 {
					sort.Strings(missed)
					r.note += fmt.Sprintf("missed e.g. %q", missed[:min(8, len(missed))])
				}
				// Files the tool cannot read either (encrypted, not really
				// this format) do not count.
				if len(theirs) >= minWords[ext] {
					recalls = append(recalls, r.recall)
				}
				results = append(results, r)
			}
			sort.Slice(results, func(i, j int) bool { return results[i].recall < results[j].recall })
			sort.Float64s(recalls)
			mean := 0.0
			for _, v := range recalls {
				mean += v
			}
			if len(recalls) == 0 {
				t.Skip("the reference tool read no file")
			}
			mean /= float64(len(recalls))
			median := recalls[len(recalls)/2]
			t.Logf(".%s: %d files (%d counted): recall median %.3f mean %.3f; ours %v, %s %v",
				ext, len(files), len(recalls), median, mean, ourTime, tools[ext], toolTime)
			for _, r := range results {
				if r.recall < 0.95 || testing.Verbose() {
					t.Logf("%-72s recall %.3f words %d/%d %s", r.name, r.recall, r.ours, r.theirs, r.note)
				}
			}
			if median < 0.9 {
				t.Errorf(".%s: median recall %.3f is below 0.9", ext, median)
			}
		})
	}
}

func BenchmarkOLEText(b *testing.B) {
	type doc struct {
		format string
		data   []byte
	}
	docs := []doc{
		{"doc", buildWordDoc(wordSpec{pieces: []wordPieceSpec{{strings.Repeat("Bonjour le monde\r", 200), true}, {strings.Repeat("Élection\r", 200), false}}})},
		{"xls", buildXLS(nil)},
		{"ppt", buildPPT(true)},
	}
	if root := os.Getenv("VIGIE_CORPUS"); root != "" {
		all, _ := filepath.Glob(filepath.Join(root, "docs", "files", "*"))
		for _, f := range all {
			ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(f), "."))
			if ext != "doc" && ext != "xls" && ext != "ppt" {
				continue
			}
			if data, err := os.ReadFile(f); err == nil {
				docs = append(docs, doc{ext, data})
			}
		}
	}
	var size int64
	for _, d := range docs {
		size += int64(len(d.data))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			Text(d.format, bytes.NewReader(d.data), int64(len(d.data)))
		}
	}
}

func FuzzOLEText(f *testing.F) {
	f.Add(buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"Bonjour \x13 PAGE \x14 1\x15\rA\x07\x07", true}, {"monde\r", false}}, ccp: []int{10, 11}}))
	f.Add(buildWordDoc(wordSpec{pieces: []wordPieceSpec{{"A\x07\x07B\x07\ue007", true}, {"\x07C\x07\ue007", false}}}))
	f.Add(buildXLS(nil))
	f.Add(doctest.XLS(doctest.Sheet{Name: "Feuil1", Rows: [][]any{{"a", 1.5, true}, {"Ελλάδα"}}}))
	f.Add(buildPPT(true))
	f.Add(buildPPT(false))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The streams present decide the kind of document, so one format
		// name reaches the three readers.
		text, _, err := Text("doc", bytes.NewReader(data), int64(len(data)))
		if len(text) > maxText {
			t.Fatalf("text of %d bytes is over the %d limit", len(text), maxText)
		}
		if !utf8.ValidString(text) {
			t.Fatalf("text is not valid UTF-8 (error %v)", err)
		}
	})
}
