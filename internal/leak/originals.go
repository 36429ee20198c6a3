package leak

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/vigie-project/vigie/internal/leak/neardup"
	"github.com/vigie-project/vigie/internal/leak/textdiff"
)

// Comparison thresholds.
const (
	// MinSimilarity is the estimated Jaccard similarity of word shingles
	// from which a leaked item is taken for a copy of an original.
	MinSimilarity = 0.5
	// maxStoredText bounds the (compressed) text kept per original for
	// diffs; maxStoredTotal bounds all of them together.
	maxStoredText  = 4 << 20
	maxStoredTotal = 2 << 30
	// diffLines bounds the diff lines shown per item.
	diffLines = 400
)

// original is one item of the party's originals, as kept for comparison.
type original struct {
	path      string
	kind      string
	format    string
	sha       string
	messageID string
	name      string // base name, lower case (documents)
	created   string
	headers   map[string]string
	doc       *DocEvidence
	text      []byte // flate-compressed text; nil when not kept
	textLost  bool   // text existed but was over the storage limit
	sigID     int    // id in the LSH index, -1 when the text had no words
	// mail: attachments, text-part transfer encodings, raw body hash
	attachments []attachmentSum
	encodings   []string
	rawBody     string
}

// originals is the index of the party's originals.
type originals struct {
	list    []*original
	byHash  map[string][]int
	byMsgID map[string]int
	byName  map[string][]int
	ix      *neardup.Index
	ixOrig  []int // LSH id -> list index
	stored  int64
	errors  int
}

func newOriginals() *originals {
	return &originals{byHash: map[string][]int{}, byMsgID: map[string]int{}, byName: map[string][]int{}, ix: neardup.NewIndex()}
}

var flatePool = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}

func compress(s string) []byte {
	var b bytes.Buffer
	w := flatePool.Get().(*flate.Writer)
	w.Reset(&b)
	io.WriteString(w, s)
	w.Close()
	flatePool.Put(w)
	return b.Bytes()
}

func decompress(b []byte) string {
	out, _ := io.ReadAll(flate.NewReader(bytes.NewReader(b)))
	return string(out)
}

// add indexes one analysed original.
func (o *originals) add(a *analysed) {
	it := a.item
	if it.Verdict == Error {
		o.errors++
		return
	}
	or := &original{sigID: -1, path: it.Path, kind: it.Kind, format: it.Format, sha: it.SHA256, messageID: a.messageID, headers: a.headers, doc: it.Document,
		attachments: a.attachments, encodings: a.encodings, rawBody: a.rawBody}
	if it.Kind == KindDocument {
		or.name = strings.ToLower(baseName(it.Path))
		if it.Document != nil {
			or.created = it.Document.Created
		}
	}
	id := len(o.list)
	o.list = append(o.list, or)
	o.byHash[or.sha] = append(o.byHash[or.sha], id)
	if or.messageID != "" {
		// Duplicates: keep the first path in sort order, so that the
		// report does not depend on the order workers finish in.
		if prev, dup := o.byMsgID[or.messageID]; !dup || naturalLess(or.path, o.list[prev].path) {
			o.byMsgID[or.messageID] = id
		}
	}
	if or.name != "" {
		o.byName[or.name] = append(o.byName[or.name], id)
	}
	if a.hasText {
		if a.signed {
			or.sigID = o.ix.Add(a.sig)
			o.ixOrig = append(o.ixOrig, id)
		}
		if len(a.text) > 0 {
			c := compress(a.text)
			if len(c) <= maxStoredText && o.stored+int64(len(c)) <= maxStoredTotal {
				or.text = c
				o.stored += int64(len(c))
			} else {
				or.textLost = true
			}
		}
	}
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, "!#"); i >= 0 && i > strings.LastIndexByte(p, '/') {
		p = p[i+1:]
	}
	return path.Base(strings.ReplaceAll(p, "\\", "/"))
}

// compare finds the original of a leaked item and sets its verdict.
func (o *originals) compare(a *analysed) {
	it := a.item
	if it.Verdict == Error || it.SHA256 == "" {
		return
	}
	// 1. Exact copy.
	if ids := o.byHash[it.SHA256]; len(ids) > 0 {
		or := o.list[ids[0]]
		for _, id := range ids[1:] {
			if naturalLess(o.list[id].path, or.path) {
				or = o.list[id]
			}
		}
		it.Original = &OriginalMatch{Path: or.path, Match: "exact", Similarity: 1}
		if it.Kind == KindMail {
			it.Reasons = append(it.Reasons, fmt.Sprintf("identical, byte for byte, to the party's copy %s", or.path))
		} else {
			it.Verdict = IdenticalToOriginal
			it.Reasons = append([]string{fmt.Sprintf("identical, byte for byte (SHA-256), to the original %s", or.path)}, it.Reasons...)
		}
		return
	}
	// 2. Same message (Message-ID), then 3. similar text.
	var or *original
	var match string
	var sim float64
	if it.Kind == KindMail && a.messageID != "" {
		if id, ok := o.byMsgID[a.messageID]; ok {
			or, match = o.list[id], "message-id"
		}
	}
	sig, signed := a.sig, a.signed
	if or == nil && signed {
		// Best similarity first; among equals, an original of the same
		// format (the party keeps a note as .docx and as .pdf: a leaked
		// .pdf is compared with the .pdf, metadata and all), then by path.
		ext := strings.ToLower(path.Ext(it.Path))
		for _, m := range o.ix.Query(&sig, MinSimilarity, 20) {
			cand := o.list[o.ixOrig[m.ID]]
			if cand.kind != it.Kind {
				continue
			}
			if or == nil || m.Similarity > sim {
				or, match, sim = cand, "near-duplicate", m.Similarity
				continue
			}
			if m.Similarity == sim {
				candSame, curSame := strings.ToLower(path.Ext(cand.path)) == ext, strings.ToLower(path.Ext(or.path)) == ext
				if candSame && !curSame || candSame == curSame && naturalLess(cand.path, or.path) {
					or = cand
				}
			}
		}
	} else if or != nil && signed && or.sigID >= 0 {
		sim = neardup.Similarity(&sig, o.ix.Signature(or.sigID))
	}
	// 4. Documents without comparable text, or whose text changed too
	// much to be a near-duplicate: same name and creation date. A forger
	// who rewrites an original keeps both.
	if or == nil && it.Kind == KindDocument && it.Document != nil && it.Document.Created != "" {
		for _, id := range o.byName[strings.ToLower(baseName(it.Path))] {
			if c := o.list[id]; c.created == it.Document.Created {
				or, match = c, "same-name"
				break
			}
		}
	}
	if or == nil {
		if it.Kind != KindMail && it.Verdict == "" {
			it.Verdict = NoOriginal
			it.Reasons = append(it.Reasons, "no original with the same content or similar text was found among the party's files")
		}
		return
	}
	om := &OriginalMatch{Path: or.path, Match: match, Similarity: round2(sim)}
	it.Original = om
	// The differences.
	var origText string
	if or.text != nil {
		origText = decompress(or.text)
	}
	leakText := a.text
	quoted := false
	if it.Kind == KindMail {
		quoted = unquoteFrom(origText) != origText || unquoteFrom(leakText) != leakText
		// mbox ">From " quoting is storage, not content
		origText, leakText = unquoteFrom(origText), unquoteFrom(leakText)
	}
	if or.text != nil && a.hasText {
		d := textdiff.Diff(textdiff.Lines(origText), textdiff.Lines(leakText))
		om.TextDiff = d.Unified("original: "+or.path, "leaked: "+it.Path, 2, diffLines)
		om.LinesAdded, om.LinesRemoved = d.Added, d.Removed
	} else if or.textLost {
		om.TextDiff = "(the original's text was too large to keep for a diff)"
	}
	if it.Kind == KindMail {
		for _, f := range importantMailFields {
			if x, y := or.headers[f], a.headers[f]; x != y {
				om.Headers = append(om.Headers, FieldChange{Field: f, Original: x, Leaked: y})
			}
		}
	}
	if it.Document != nil && or.doc != nil {
		om.Metadata = metaChanges(or.doc, it.Document)
	}
	o.verdict(a, or, om, origText, leakText, quoted)
}

// unquoteFrom undoes mbox quoting of body lines (">From " -> "From ",
// ">>From " -> ">From "): the same message kept in two mail stores
// differs only there.
func unquoteFrom(s string) string {
	if !strings.Contains(s, ">From ") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, ">")
		if len(t) < len(l) && strings.HasPrefix(t, "From ") {
			lines[i] = l[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// whitespaceOnly tells how two texts that differ compare once whitespace
// is set aside: "trailing" (only spaces and tabs at line ends differ),
// "wrapping" (only line breaks and runs of whitespace differ), or "".
func whitespaceOnly(a, b string) string {
	trim := func(s string) string {
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " \t")
		}
		return strings.TrimRight(strings.Join(lines, "\n"), "\n")
	}
	if trim(a) == trim(b) {
		return "trailing"
	}
	if strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ") {
		return "wrapping"
	}
	return ""
}

func lines(n int) string {
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%d lines", n)
}

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

func metaChanges(a, b *DocEvidence) []FieldChange {
	var out []FieldChange
	add := func(f, x, y string) {
		if x != y {
			out = append(out, FieldChange{Field: f, Original: x, Leaked: y})
		}
	}
	add("Title", a.Title, b.Title)
	add("Author", a.Author, b.Author)
	add("Last modified by", a.LastModifiedBy, b.LastModifiedBy)
	add("Company", a.Company, b.Company)
	add("Application", a.Application, b.Application)
	add("Created", a.Created, b.Created)
	add("Modified", a.Modified, b.Modified)
	add("Revision", a.Revision, b.Revision)
	add("Total edit time", a.EditTime, b.EditTime)
	return out
}

// verdict sets the verdict of an item that has an original (not exact).
func (o *originals) verdict(a *analysed, or *original, om *OriginalMatch, origText, leakText string, quoted bool) {
	it := a.item
	textChanged := om.LinesAdded+om.LinesRemoved > 0
	if it.Kind == KindMail {
		o.mailVerdict(a, or, om, origText, leakText, quoted)
		return
	}
	var msg string
	switch {
	case om.Match == "same-name" && !a.hasText:
		msg = fmt.Sprintf("differs from the original %s (same name and creation date, different bytes; the text of this file could not be compared)", or.path)
	case om.Match == "same-name":
		msg = fmt.Sprintf("a rewritten version of the original %s (same name and creation date, but the text differs too much to be a near-duplicate): %s added, %s removed", or.path, lines(om.LinesAdded), lines(om.LinesRemoved))
	case textChanged:
		msg = fmt.Sprintf("a modified copy of the original %s (text similarity %.0f%%): %s added, %s removed", or.path, om.Similarity*100, lines(om.LinesAdded), lines(om.LinesRemoved))
	default:
		msg = fmt.Sprintf("same text as the original %s but not the same file: re-saved or its metadata changed", or.path)
	}
	if len(om.Metadata) > 0 {
		var f []string
		for _, m := range om.Metadata {
			f = append(f, m.Field)
		}
		msg += "; metadata changed: " + strings.Join(f, ", ")
	}
	it.Verdict = ModifiedCopy
	it.Reasons = append([]string{msg}, it.Reasons...)
}

// load walks the originals directory and indexes every item.
func (o *originals) load(ctx context.Context, c *Config, root string) error {
	return c.pipeline(ctx, root, nil, func(a *analysed) error {
		o.add(a)
		return nil
	})
}

// mailVerdict compares a leaked message with the party's copy and sets
// what the comparison proves. The comparison overrides a signature's
// "authentic" only to say "altered": a field the reader sees that differs
// from the party's copy was changed, signed or not (an unsigned Subject,
// Cc or To). A body that fails its signature but whose text, header
// fields and attachments are those of the party's copy, differing only in
// whitespace or transfer encoding, is "reformatted", with the difference
// named.
func (o *originals) mailVerdict(a *analysed, or *original, om *OriginalMatch, origText, leakText string, quoted bool) {
	it := a.item
	how := "found by Message-ID"
	if om.Match == "near-duplicate" {
		how = fmt.Sprintf("found by text similarity %.0f%%", om.Similarity*100)
	}
	var what []string
	textChanged := om.LinesAdded+om.LinesRemoved > 0
	ws := ""
	if textChanged {
		ws = whitespaceOnly(origText, leakText)
		if ws == "" {
			what = append(what, fmt.Sprintf("body text (%s added, %s removed)", lines(om.LinesAdded), lines(om.LinesRemoved)))
		} else {
			om.TextDiff, om.LinesAdded, om.LinesRemoved = "", 0, 0
		}
	}
	var visible []string
	for _, h := range om.Headers {
		what = append(what, h.Field)
		if slices.Contains(visibleFields, h.Field) {
			visible = append(visible, h.Field)
		}
	}
	// Attachments, by name and content.
	origAtt := map[string]string{}
	for _, x := range or.attachments {
		origAtt[x.name] = x.sha
	}
	leakAtt := map[string]bool{}
	for _, x := range a.attachments {
		leakAtt[x.name] = true
		switch sha, ok := origAtt[x.name]; {
		case !ok:
			what = append(what, fmt.Sprintf("attachment %q added (not in the party's copy)", x.name))
		case sha != x.sha:
			what = append(what, fmt.Sprintf("attachment %q replaced: its content differs from the party's copy (SHA-256 %s… there, %s… here)", x.name, sha[:12], x.sha[:12]))
		}
	}
	for _, x := range or.attachments {
		if !leakAtt[x.name] {
			what = append(what, fmt.Sprintf("attachment %q removed", x.name))
		}
	}
	if len(what) == 0 {
		// Same content. Say why the bytes differ, if they do.
		form := ""
		switch {
		case a.rawBody == or.rawBody:
		case !slices.Equal(a.encodings, or.encodings):
			form = fmt.Sprintf("the body was re-encoded: its text parts are in %s transfer encoding here and in %s in the party's copy (a relay converts 8bit to quoted-printable this way); the decoded text is the same", strings.Join(a.encodings, ", "), strings.Join(or.encodings, ", "))
		case quoted && ws == "":
			form = "the only difference is mbox quoting: one copy was kept in an mbox file, where body lines starting with \"From \" are stored as \">From \"; the text is the same"
		case ws == "trailing":
			form = "only whitespace at line ends differs from the party's copy (spaces or tabs added or removed by a mail client or relay); the text is the same"
		case ws == "wrapping":
			form = "only line wrapping and whitespace differ from the party's copy (lines re-wrapped by a mail client or relay); the words are the same"
		default:
			form = "the body bytes differ from the party's copy but its decoded text and attachments are the same (a change of MIME formatting)"
		}
		if form == "" {
			it.Reasons = append(it.Reasons, fmt.Sprintf("the party's copy %s (%s) has the same body, attachments and header fields (From, To, Cc, Subject, Date, Reply-To, Message-ID)", or.path, how))
			return
		}
		if it.Verdict == Altered && slices.Equal(it.Mail.DKIM.AlteredParts, []string{"body"}) {
			it.Verdict = Reformatted
			it.Reasons = slices.DeleteFunc(it.Reasons, func(r string) bool { return r == "the message does not match what was signed: body changed" })
			for i, r := range it.Reasons {
				if x, ok := strings.CutPrefix(r, "altered: "); ok {
					it.Reasons[i] = "DKIM: " + x
				}
			}
			it.Reasons = append([]string{"reformatted, text unchanged: the signature no longer verifies over the body, but the party's copy " + or.path + " (" + how + ") shows the content is the same: " + form + ". DKIM hashes bytes, so such a change breaks the signature without changing what a reader sees"}, it.Reasons...)
			return
		}
		it.Reasons = append(it.Reasons, fmt.Sprintf("the party's copy %s (%s) has the same text, attachments and header fields; %s", or.path, how, form))
		return
	}
	msg := fmt.Sprintf("differs from the party's copy %s (%s) in: %s", or.path, how, strings.Join(what, "; "))
	if ws != "" {
		msg += fmt.Sprintf("; the body text differs only in whitespace (%s)", map[string]string{"trailing": "at line ends", "wrapping": "line wrapping"}[ws])
	}
	switch it.Verdict {
	case Altered, Forged:
	case Authentic, AuthenticWithCaveats:
		it.Verdict = Altered
		if len(visible) > 0 {
			msg = fmt.Sprintf("altered: %s, which the signature does not cover, %s changed: ", strings.Join(visible, ", "), map[bool]string{true: "was", false: "were"}[len(visible) == 1]) + msg
		} else {
			msg = "altered compared with the party's copy: " + msg
		}
	default:
		// The cryptography could not decide; the party's own copy can.
		it.Verdict = Altered
		msg = "altered compared with the party's copy (not proven by a signature): " + msg
	}
	it.Reasons = append([]string{msg}, it.Reasons...)
}
