package docmeta

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// rtfBodyText runs the RTF text extractor through Text, as the leak
// authenticator does.
func rtfBodyText(t testing.TB, l Limits, doc string) (string, error) {
	t.Helper()
	text, ok, err := l.Text("rtf", strings.NewReader(doc), int64(len(doc)))
	if !ok {
		t.Fatal("Text does not handle rtf")
	}
	return text, err
}

// rtfHeader is the start of a Word document: font table (Cyrillic and
// Western fonts), colours, styles and \info, none of which is body text.
const rtfHeader = `{\rtf1\ansi\ansicpg1251\deff0\deflang1049` +
	`{\fonttbl{\f0\froman\fcharset204\fprq2{\*\panose 02020603050405020304}Times New Roman;}` +
	`{\f1\fswiss\fcharset0\fprq2 Arial{\*\falt Helvetica};}{\f2\fnil\fcharset128 MS Mincho;}}` +
	`{\colortbl;\red0\green0\blue0;\red255\green0\blue0;}` +
	`{\stylesheet{\ql \f0\fs24 \snext0 Normal;}{\s1\b\fs32 \sbasedon0 heading 1;}}` +
	`{\*\latentstyles\lsdstimax267{\lsdlockedexcept \lsdqformat1 Normal;}}` +
	`{\info{\title \'d1\'e5\'ea\'f0\'e5\'f2}{\author \'c8\'e2\'e0\'ed}{\creatim\yr2024\mo3\dy1}}` +
	`{\*\rsidtbl \rsid1234\rsid5678}{\*\generator Riched20 10.0.19041}{\*\xmlnstbl {\xmlns1 http://schemas.microsoft.com/office/word/2003/wordml}}` +
	"\n\\paperw11906\\paperh16838\\viewkind4\\uc1\n"

func TestRTFText(t *testing.T) {
	tests := []struct {
		name string
		body string // after rtfHeader, before the closing brace
		want string
	}{
		{
			name: "Cyrillic in cp1251, paragraphs as lines",
			body: `\pard\plain\f0\fs24 \'cf\'f0\'e8\'e2\'e5\'f2, \'ec\'e8\'f0!\par` + "\r\n" +
				`\'a8\'eb\'ea\'e0 \'e8 \'e5\'eb\'ea\'e0.\par\par \par}`,
			want: "Привет, мир!\nЁлка и елка.\n",
		},
		{
			name: "code page of the font, not of the document",
			body: `\pard {\f1 caf\'e9} {\f0 \'e4\'e0}\par {\f2 \'82\'a0\'82\'a2}\par}`,
			// f1 is \fcharset0: the document's cp1251 applies (\'e9 is "й").
			want: "cafй да\nあい\n",
		},
		{
			name: "unicode with fallback characters",
			body: `\pard {\uc2\u1044\'c4\'c4\u1072\'e0\'e0} {\u1044 ?\u1072 ?}x\u8212\emdash y` +
				`{\uc0\u1074\u1099}\u-10179?\u-8704?\par}`,
			// \uc2 applies to its group only; the fallback of \u8212 is a
			// control word; the last two \u are a surrogate pair (U+1F600).
			want: "Да Даx—yвы\U0001F600\n",
		},
		{
			name: "field result kept, instruction dropped",
			body: `\pard See {\field{\*\fldinst {HYPERLINK "http://evil.example/"}}{\fldrslt {\ul\cf2 the site}}} now.` +
				` Page {\field{\fldinst PAGE}{\fldrslt 3}}.\par}`,
			want: "See the site now. Page 3.\n",
		},
		{
			name: "pictures and objects do not leak",
			body: `\pard Before{\*\shppict{\pict{\*\picprop{\sp{\sn wzName}{\sv Picture 1}}}\pngblip\picw10\pich10 ` +
				"89504e470d0a1a0a0000000d49484452\n0000000a0000000a0806000000}}" +
				`{\nonshppict{\pict\wmetafile8\picw10 0100090000035a00}}` +
				`{\pict\jpegblip\bin6 {}\\x}}` +
				` after {\object\objemb{\*\objclass Excel.Sheet.12}{\*\objdata 01050000020000000b000000}{\result {\rtlch result}}} end.\par}`,
			want: "Before after result end.\n",
		},
		{
			name: "table rows as lines, cells separated by tabs",
			body: `\pard Header line\par` +
				`\trowd\trgaph108\cellx3000\cellx6000\pard\intbl \'c8\'ec\'ff\cell \'c2\'ee\'e7\'f0\'e0\'f1\'f2\cell\row` +
				`\trowd\cellx3000\cellx6000\pard\intbl Anna\cell 42\cell{\trowd\cellx3000\cellx6000\row}` +
				`\pard After\par}`,
			want: "Header line\nИмя\tВозраст\nAnna\t42\nAfter\n",
		},
		{
			name: "control symbols and character words",
			body: `\pard a\~b co\-op non\_breaking \{x\} back\\slash \ldblquote q\rdblquote  \lquote s\rquote ` +
				`\endash\tab \bullet\line next\page last\par}`,
			want: "a\u00a0b coop non-breaking {x} back\\slash “q” ‘s’–\t•\nnext\nlast\n",
		},
		{
			name: "hidden, deleted, list numbers, unknown destinations",
			body: `{\*\listtable{\list{\listlevel{\leveltext\'02\'00.;}}}}` +
				`\pard{\listtext\pard\plain 1.\tab}Item {\v hidden }{\deleted gone }one{\*\bkmkstart b1}{\*\bkmkend b1}` +
				`{\*\unknowndest junk}{\b  bold}{\xe {index entry}}{\annotation comment} end.\par}`,
			want: "Item one bold end.\n",
		},
		{
			name: "\\v0 and \\plain end hidden text",
			body: `\pard a{\v b\v0 c}\v d\plain e\par}`,
			want: "ace\n",
		},
		{
			name: "headers, footers and footnotes after the body",
			body: `{\header \pard Copy 7 \'97 confidential\par}{\footer \pard Page 1\par}` +
				`\pard First{\super\chftn}{\footnote \pard\plain {\super\chftn} A note.}, then more.\par` +
				` Second.\par}`,
			want: "First, then more.\nSecond.\nCopy 7 — confidential\nPage 1\nA note.\n",
		},
		{
			name: "Unicode part of \\upr",
			body: `\pard {\upr{A?B}{\*\ud{A\u1041?B}}}\par}`,
			want: "AБB\n",
		},
		{
			name: "backslash at end of line is a paragraph (Cocoa)",
			body: "\\pard\\f1 one\\\ntwo\\\n\\\nthree}",
			want: "one\ntwo\nthree\n",
		},
		{
			name: "text box of a shape kept, its properties dropped",
			body: `\pard a {\shp{\*\shpinst\shpleft0{\sp{\sn shapeType}{\sv 202}}{\shptxt \pard box text\par}}` +
				`{\shprslt{\*\do\dobxcolumn{\dptxbx{\pard box text\par}}}}} b\par}`,
			want: "a box text\nb\n",
		},
		{
			name: "literal tabs: indentation of the source dropped, others kept",
			body: "\\pard\n\t\tindented\tcell\\par\n\t\\tab b\\par}",
			want: "indented\tcell\n\tb\n",
		},
		{
			name: "text after the document's closing brace is ignored",
			body: `\pard end\par}}} trailing junk {\b x}`,
			want: "end\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rtfBodyText(t, DefaultLimits, rtfHeader+tt.body)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if got != tt.want {
				t.Errorf("text\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// TestRTFTextMetadataUnchanged checks that the \info group still gives the
// metadata while it is kept out of the text.
func TestRTFTextMetadataUnchanged(t *testing.T) {
	doc := rtfHeader + `\pard Body.\par}`
	m, err := ReadBytes("x.rtf", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	author, _ := m.Get("RTF", "Author")
	title, _ := m.Get("RTF", "Title")
	if author != "Иван" || title != "Секрет" {
		t.Errorf("metadata: %v", m.Tags)
	}
	text, err := rtfBodyText(t, DefaultLimits, doc)
	if err != nil || text != "Body.\n" {
		t.Errorf("text %q, %v", text, err)
	}
}

func TestRTFTextMalformed(t *testing.T) {
	deep := `{\rtf1 a` + strings.Repeat("{", rtfMaxDepth+1) + "b" + strings.Repeat("}", rtfMaxDepth+2)
	tests := []struct {
		name     string
		doc      string
		limits   Limits
		wantText string
		wantErr  string // part of the error; "" for none
	}{
		{name: "not RTF", doc: "Hello, world", wantErr: "not an RTF document"},
		{name: "empty", doc: "", wantErr: "not an RTF document"},
		{name: "truncated", doc: `{\rtf1\ansi Hello\par wor`, wantText: "Hello\nwor\n", wantErr: "unclosed groups"},
		{name: "truncated in a control word", doc: `{\rtf1 Hi\par\`, wantText: "Hi\n", wantErr: "unclosed groups"},
		{name: "truncated \\'h", doc: `{\rtf1 Hi\'e`, wantText: "Hi\n", wantErr: "unclosed groups"},
		{name: "too deep", doc: deep, wantText: "a\n", wantErr: "nested deeper than 1000"},
		{name: "\\bin past the end", doc: `{\rtf1 a{\pict\bin999999 xx}}`, wantText: "a\n", wantErr: `\bin999999`},
		{name: "negative \\bin", doc: `{\rtf1 a{\pict\bin-5 xx}}`, wantText: "a\n", wantErr: `\bin-5`},
		{name: "huge \\uc swallows only its group", doc: `{\rtf1 {\uc99999999\u1044 abc}d}`, wantText: "Дd\n"},
		{name: "parameter out of range ignored", doc: `{\rtf1 a\u99999999999 b\par}`, wantText: "ab\n"},
		{name: "out-of-range \\u", doc: `{\rtf1 \u1114112?x\u-10179?\par\u70000?}`, wantText: "\ufffdx\ufffd\n\U00011170\n"},
		{name: "lone low surrogate", doc: `{\rtf1 \u-8704?x}`, wantText: "\ufffdx\n"},
		{name: "control bytes dropped", doc: "{\\rtf1 a\\'00\\'0d\x01b}", wantText: "ab\n"},
		{name: "unknown code page keeps ASCII", doc: `{\rtf1\ansicpg42 abc\'e9}`, wantText: "abc\ufffd\n"},
		{
			name:     "larger than the input limit",
			doc:      `{\rtf1 ` + strings.Repeat("word ", 100) + `}`,
			limits:   Limits{MaxPartSize: 32},
			wantText: strings.Repeat("word ", 49) + "word\n", // 8 × 32 bytes read
			wantErr:  "larger than the 256-byte limit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.limits
			if l.MaxPartSize == 0 {
				l = DefaultLimits
			}
			got, err := rtfBodyText(t, l, tt.doc)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("error: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if got != tt.wantText {
				t.Errorf("text\n got %q\nwant %q", got, tt.wantText)
			}
		})
	}
}

// TestRTFTextMaxText checks that the text stops at maxText without error
// (Text promises at most 8 MB) and without cutting a character in two.
func TestRTFTextMaxText(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{\rtf1\ansi\ansicpg1251 `)
	line := strings.Repeat(`\'e4`, 99) + `\par` + "\n"
	for b.Len() < 5*maxText {
		b.WriteString(line)
	}
	b.WriteString("}")
	got, err := rtfBodyText(t, DefaultLimits, b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > maxText || len(got) < maxText-8 {
		t.Errorf("text of %d bytes, want about %d", len(got), maxText)
	}
	if !utf8.ValidString(got) || !strings.HasPrefix(got, strings.Repeat("д", 99)+"\n") {
		t.Errorf("text starts %q", got[:20])
	}
}

// checkRTFText checks the properties every extracted text has.
func checkRTFText(t *testing.T, text string) {
	if !utf8.ValidString(text) {
		t.Fatalf("text is not UTF-8: %q", text)
	}
	if len(text) > maxText {
		t.Fatalf("text of %d bytes, more than %d", len(text), maxText)
	}
	for _, r := range text {
		if r < 0x20 && r != '\t' && r != '\n' {
			t.Fatalf("control character %U in text %q", r, text)
		}
	}
	if strings.Contains(text, "\n\n") || strings.HasPrefix(text, "\n") {
		t.Fatalf("empty line in text %q", text)
	}
}

func FuzzRTFText(f *testing.F) {
	f.Add([]byte(rtfHeader + `\pard \'cf\'f0\'e8\'e2\'e5\'f2 {\uc2\u1044\'c4\'c4 x}{\field{\*\fldinst PAGE}{\fldrslt 1}}\par}`))
	f.Add([]byte(rtfHeader + `\trowd\cellx3000\pard\intbl a\cell\row{\pict\bin3 {}\}{\header h\par}{\upr{a}{\*\ud{\u1041?}}}}`))
	f.Add([]byte(`{\rtf1 \u-10179?\u-8704?{\v h}{\*\x y}\~\-\_\bin2 }}`))
	f.Add(testDocs(f)["communique.rtf"])
	f.Fuzz(func(t *testing.T, data []byte) {
		text, ok, err := DefaultLimits.Text("rtf", bytes.NewReader(data), int64(len(data)))
		if !ok {
			t.Fatal("Text does not handle rtf")
		}
		if err != nil && !strings.HasPrefix(err.Error(), "RTF") {
			t.Fatalf("error does not say RTF: %v", err)
		}
		checkRTFText(t, text)
	})
}

// TestRTFTextCorpus extracts the text of the corpus's RTF files and, when
// unrtf is installed, compares their words with unrtf's.
func TestRTFTextCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set")
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "files", "*.rtf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no RTF files in %s: %v", root, err)
	}
	unrtf, _ := exec.LookPath("unrtf")
	if unrtf == "" {
		t.Log("unrtf not installed: the texts are only logged")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			text, err := rtfBodyText(t, DefaultLimits, string(data))
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			checkRTFText(t, text)
			head := text
			if len(head) > 200 {
				head = strings.ToValidUTF8(head[:200], "")
			}
			t.Logf("%d bytes of text, starting %q", len(text), head)
			if unrtf == "" {
				if len(text) == 0 {
					t.Error("no text")
				}
				return
			}
			out, err := exec.Command(unrtf, "--text", path).Output()
			if err != nil {
				t.Fatalf("unrtf: %v", err)
			}
			// unrtf writes "###" comments and \info fields, then a line of
			// dashes, then the text.
			ref := string(out)
			if i := strings.Index(ref, "\n-----------------\n"); i >= 0 {
				ref = ref[i+19:]
			}
			ours, theirs := rtfWords(text), rtfWords(ref)
			if len(theirs) == 0 {
				t.Fatalf("unrtf found no words")
			}
			t.Logf("words: %d ours, %d unrtf's; %d of unrtf's not in ours, %d of ours not in unrtf's",
				len(ours), len(theirs), len(rtfMissing(theirs, ours)), len(rtfMissing(ours, theirs)))
			if missing := rtfMissing(theirs, ours); len(missing)*50 > len(theirs) {
				t.Errorf("%d of unrtf's %d words missing from ours, such as %q", len(missing), len(theirs), missing[:min(10, len(missing))])
			}
			if extra := rtfMissing(ours, theirs); len(extra)*50 > len(ours) {
				t.Errorf("%d of our %d words not in unrtf's text, such as %q", len(extra), len(ours), extra[:min(10, len(extra))])
			}
		})
	}
}

// rtfWords splits text into lower-case words of letters and digits,
// leaving out those with a character unrtf could not decode.
func rtfWords(s string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != utf8.RuneError
	}) {
		if !strings.ContainsRune(w, utf8.RuneError) {
			words = append(words, strings.ToLower(w))
		}
	}
	return words
}

// rtfMissing returns the words of a (with repetition) not found in b.
func rtfMissing(a, b []string) []string {
	count := map[string]int{}
	for _, w := range b {
		count[w]++
	}
	var missing []string
	for _, w := range a {
		if count[w] > 0 {
			count[w]--
		} else {
			missing = append(missing, w)
		}
	}
	return missing
}
