package leak

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/leak/msg"
	"github.com/vigie-project/vigie/internal/leak/neardup"
	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/arc"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
	"github.com/vigie-project/vigie/internal/mime"
)

// analysed is an item with what the comparison with originals needs.
type analysed struct {
	item      *Item
	text      string // mail body text or document text ("" when none)
	hasText   bool
	headers   map[string]string // mail: important header fields, decoded
	messageID string
	sig       neardup.Signature // MinHash of text, when signed
	signed    bool
	// mail: attachments, the transfer encodings of the text parts and
	// the SHA-256 of the raw body, to name what differs from the party's
	// copy.
	attachments []attachmentSum
	encodings   []string
	rawBody     string
	// attached are the documents attached to a message, examined as
	// items of their own ("inbox.mbox#3!Budget.docx").
	attached []entry
}

// maxAttachedDocs bounds the attachments of one message examined as
// documents.
const maxAttachedDocs = 100

// attach records an attachment to examine if it is a document.
func (a *analysed) attach(parent entry, name string, data []byte) {
	if len(a.attached) >= maxAttachedDocs || name == "" {
		return
	}
	f := formatOf(name, data)
	if !docmeta.HasText(f) && f != "ole" {
		return
	}
	name = strings.NewReplacer("/", "_", "\\", "_", "!", "_", "#", "_").Replace(name)
	a.attached = append(a.attached, entry{Path: parent.Path + "!" + name, Format: f, Data: data, Size: int64(len(data)), ModTime: parent.ModTime, unit: parent.unit})
}

// prepare does the comparison work that can run on the workers: the
// MinHash signature of the text.
func (a *analysed) prepare() {
	if a.hasText {
		a.sig, a.signed = neardup.Sign(a.text)
	}
}

// docLimits returns docmeta's limits for this run.
func (c *Config) docLimits() docmeta.Limits {
	l := docmeta.DefaultLimits
	l.MaxFileSize = c.Limits.MaxFileSize
	return l
}

// analyse examines one entry. It never fails: problems become the item's
// error.
func (c *Config) analyse(ctx context.Context, e entry) *analysed {
	it := &Item{Path: e.Path, Format: e.Format, Size: e.Size}
	a := &analysed{item: it}
	switch e.Format {
	case "eml", "mbox-message", "msg":
		it.Kind = KindMail
	case "unknown", "unreadable", "symlink", "special", "zip", "mbox", "7z", "rar", "iso", "tar", "gzip", "xz", "bzip2":
		it.Kind = KindOther
	default:
		it.Kind = KindDocument
		if e.Format != "ole" && !docmeta.HasText(e.Format) {
			it.Kind = KindOther
		}
	}
	if e.Err != nil {
		it.Verdict, it.Error = Error, e.Err.Error()
		it.Reasons = []string{"could not be examined: " + e.Err.Error()}
		if h := e.Header; h != nil {
			it.Mail = &MailEvidence{From: h["From"], To: h["To"], Subject: h["Subject"], Date: h["Date"], MessageID: h["Message-ID"]}
		}
		return a
	}
	// Hash.
	if e.DiskPath != "" {
		sum, err := hashFile(e.DiskPath)
		if err != nil {
			it.Verdict, it.Error = Error, err.Error()
			it.Reasons = []string{"could not be read: " + err.Error()}
			return a
		}
		it.SHA256 = sum
	} else {
		s := sha256.Sum256(e.Data)
		it.SHA256 = hex.EncodeToString(s[:])
	}
	switch it.Kind {
	case KindMail:
		if e.Format == "msg" {
			c.analyseMsg(ctx, e, a)
			return a
		}
		c.analyseMail(ctx, e, a)
	case KindDocument:
		c.analyseDoc(e, a)
	}
	return a
}

// analyseMsg reads an Outlook .msg file. Outlook keeps the message
// converted, not as received: the DKIM check runs on a message rebuilt
// from the transport headers and the plain-text body, and only a pass
// counts (a failure is expected from the conversion and proves nothing).
func (c *Config) analyseMsg(ctx context.Context, e entry, a *analysed) {
	it := a.item
	m, err := msg.Parse(e.Data)
	if err != nil {
		it.Verdict, it.Error = Error, err.Error()
		it.Reasons = []string{"the Outlook message could not be read: " + err.Error()}
		return
	}
	rebuilt := e
	rebuilt.Data = m.RFC5322()
	c.analyseMail(ctx, rebuilt, a)
	if it.Verdict != Authentic && it.Verdict != AuthenticWithCaveats {
		var sigs []string
		for _, s := range it.Mail.Signatures {
			sigs = append(sigs, "d="+s.Domain)
		}
		note := "Outlook .msg files hold the message as Outlook converted it, not the bytes received: no DKIM signature could be checked"
		if len(sigs) > 0 {
			note = fmt.Sprintf("Outlook .msg files hold the message as Outlook converted it, not the bytes received: the DKIM signature(s) in its transport headers (%s) do not verify on the rebuilt message, which is expected and proves nothing", strings.Join(sigs, ", "))
		}
		it.Verdict = Unverifiable
		it.Mail.DKIM.Kind = "unverifiable"
		it.Reasons = []string{note}
	} else {
		it.Reasons = append(it.Reasons, "the signature verifies on the message rebuilt from the Outlook .msg file (transport headers and plain-text body)")
	}
	// Compare the plain-text body as Outlook kept it.
	if m.Body != "" {
		a.text, a.hasText = m.Body, true
	} else if m.HTML != "" {
		a.text, a.hasText = htmlToText(m.HTML), true
	}
	for _, at := range m.Attachments {
		s := sha256.Sum256(at.Data)
		it.Mail.Attachments = append(it.Mail.Attachments, fmt.Sprintf("%s (%d bytes, sha256 %s)", at.Name, len(at.Data), hex.EncodeToString(s[:8])))
		a.attach(e, at.Name, at.Data)
	}
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// importantMailFields are compared with the party's copy of a message.
var importantMailFields = []string{"From", "To", "Cc", "Subject", "Date", "Reply-To", "Message-ID"}

func (c *Config) analyseMail(ctx context.Context, e entry, a *analysed) {
	it := a.item
	raw := e.Data
	if e.Format == "msg" {
		// rebuilt from an Outlook file: its transport headers may start
		// with Outlook's own banner line; the .msg was read, it is a message
	} else if why := notAMessage(raw); why != "" {
		it.Verdict, it.Error = Error, "not a message: "+why
		it.Reasons = []string{"could not be examined: not a message: " + why}
		return
	}
	if why := truncatedHeader(raw); why != "" && e.Format != "msg" {
		it.Verdict, it.Error = Error, "truncated: "+why
		it.Reasons = []string{"truncated: " + why + "; nothing can be said of a message cut short (it is not evidence of alteration)"}
		it.Mail = &MailEvidence{}
		if h := partialHeader(raw); h != nil {
			it.Mail.From, it.Mail.Subject, it.Mail.Date = h["From"], h["Subject"], h["Date"]
		}
		return
	}
	opts := dkim.Options{Resolver: c.Resolver, JudgeAt: dkim.JudgeMessageDate, Time: c.Now}
	if opts.Resolver == nil {
		opts.Resolver = &mailauth.MapResolver{}
	}
	rep := dkim.VerifyMessage(ctx, raw, opts)
	verdict, v := judgeMail(rep)
	ev := &MailEvidence{DKIM: v, Sent: rep.Date}
	for _, s := range rep.Signatures {
		if s.Result == dkim.None && s.Domain == "" {
			continue
		}
		ev.Signatures = append(ev.Signatures, SigEvidence{Domain: s.Domain, Selector: s.Selector, Algorithm: s.Algorithm,
			Result: string(s.Result), Reason: string(s.Reason), KeySource: s.KeySource, KeyBits: s.KeyBits, Hints: s.Hints,
			Canon: string(s.HeaderCanon) + "/" + string(s.BodyCanon), BodyLength: s.BodyLength, Limited: s.BodyLengthLimited, Signed: s.SignedHeaders})
		if ev.JudgedAt.IsZero() {
			ev.JudgedAt = s.JudgedAt
		}
		if s.CryptoValid && !slices.Contains(ev.SignedBy, s.Domain) {
			ev.SignedBy = append(ev.SignedBy, s.Domain)
		}
	}
	// ARC is verified only when the header holds an ARC set: parsing a
	// large message once more for nothing costs its size in memory.
	if hasARC(raw) {
		if ar := arc.Verify(ctx, raw, opts); ar.Result != arc.None {
			ev.ARC = &ARCEvidence{Result: string(ar.Result), Sets: len(ar.Sets), Detail: ar.Detail}
		}
	}
	it.Mail = ev
	it.Verdict = verdict
	if v.Summary != "" {
		it.Reasons = append(it.Reasons, v.Summary)
	}
	for _, x := range v.Altered {
		it.Reasons = append(it.Reasons, "altered: "+strings.TrimSpace(x))
	}
	for _, x := range v.Caveats {
		it.Reasons = append(it.Reasons, "caveat: "+x)
	}
	for _, x := range v.Reasons {
		it.Reasons = append(it.Reasons, x)
	}
	for _, x := range v.Notes {
		// an instance added above a signed field is detected (and called
		// altered): the general warning would only add noise
		if strings.HasPrefix(x, "not over-signed") {
			continue
		}
		it.Reasons = append(it.Reasons, "note: "+x)
	}
	if ev.ARC != nil {
		it.Reasons = append(it.Reasons, fmt.Sprintf("ARC chain of %d set(s): %s%s (an ARC chain records what forwarding servers saw; it does not change the verdict)", ev.ARC.Sets, ev.ARC.Result, suffix(ev.ARC.Detail)))
	}
	// Text and header fields, for people and for the comparison.
	m, err := mime.Parse(stripFromLine(raw), mime.Limits{MaxMessageBytes: int(c.Limits.msgLimit())})
	if err != nil {
		it.Reasons = append(it.Reasons, "the message's MIME structure could not be read: "+err.Error())
		return
	}
	// A message cut short (the end of a truncated mailbox file) fails its
	// body hash: say it was cut, not altered.
	if it.Verdict == Altered && slices.Equal(v.AlteredParts, []string{"body"}) {
		for _, d := range m.Defects {
			if d.Kind == "boundary" && strings.Contains(d.Detail, "closing boundary missing") {
				it.Verdict = Error
				it.Error = "truncated: the message ends before its closing MIME boundary"
				it.Reasons = append([]string{"truncated: the message ends before its closing MIME boundary: it was cut short (the end of a truncated mailbox file, or a partial copy), which is why its body does not match its signature; nothing can be said of the missing part"}, it.Reasons...)
				break
			}
		}
	}
	a.headers = map[string]string{}
	for _, f := range importantMailFields {
		a.headers[f] = strings.Join(m.Header.Values(f), " | ")
	}
	ev.From, ev.To, ev.Subject, ev.Date = a.headers["From"], a.headers["To"], a.headers["Subject"], a.headers["Date"]
	ev.Cc = a.headers["Cc"]
	ev.Mailer = strings.TrimSpace(cmp.Or(m.Header.Get("X-Mailer"), m.Header.Get("User-Agent")))
	ev.MessageID = strings.TrimSpace(a.headers["Message-ID"])
	a.messageID = strings.ToLower(strings.Trim(ev.MessageID, "<> \t"))
	if ds := mailauth.AddressDomains(m.Header.Get("From")); len(ds) == 1 {
		ev.FromDomain = ds[0]
	}
	ev.Relayed = m.Header.Count("Received") > 0
	var plain, html []string
	m.Walk(func(p *mime.Part) {
		switch {
		case p.IsMultipart():
		case p.IsAttachment():
			s := sha256.Sum256(p.Body)
			name := p.Filename
			if name == "" {
				name = "(unnamed " + p.MediaType + ")"
			}
			ev.Attachments = append(ev.Attachments, fmt.Sprintf("%s (%d bytes, sha256 %s)", name, len(p.Body), hex.EncodeToString(s[:8])))
			a.attachments = append(a.attachments, attachmentSum{name: name, sha: hex.EncodeToString(s[:])})
			a.attach(e, p.Filename, p.Body)
		case p.MediaType == "text/plain":
			plain = append(plain, p.Text)
			a.encodings = append(a.encodings, transferEncoding(p))
		case p.MediaType == "text/html":
			html = append(html, htmlToText(p.Text))
			a.encodings = append(a.encodings, transferEncoding(p))
		}
	})
	if len(plain) == 0 {
		plain = html
	}
	a.text = strings.Join(plain, "\n")
	a.hasText = true
	a.rawBody = bodySum(raw)
}

// attachmentSum is an attachment's name and SHA-256, for the comparison
// with the party's copy.
type attachmentSum struct{ name, sha string }

// transferEncoding is a text part's Content-Transfer-Encoding ("7bit"
// when absent).
func transferEncoding(p *mime.Part) string {
	if cte := strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))); cte != "" {
		return cte
	}
	return "7bit"
}

// bodySum is the SHA-256 of the bytes after the header section, line
// endings made LF ("" when there is no header/body separator). It is
// computed as the body is scanned, without a copy of it.
func bodySum(raw []byte) string {
	raw = stripFromLine(raw)
	h := sha256.New()
	if i := bytes.Index(raw, []byte("\r\n\r\n")); i >= 0 && (bytes.Index(raw, []byte("\n\n")) < 0 || i < bytes.Index(raw, []byte("\n\n"))) {
		b := raw[i+4:]
		for {
			j := bytes.Index(b, []byte("\r\n"))
			if j < 0 {
				h.Write(b)
				break
			}
			h.Write(b[:j])
			b = b[j+1:] // keeps the LF
		}
	} else if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		h.Write(raw[i+2:])
	} else {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hasARC reports whether the header section holds an ARC-Seal field.
func hasARC(raw []byte) bool {
	end := bytes.Index(raw, []byte("\n\n"))
	if i := bytes.Index(raw, []byte("\n\r\n")); i >= 0 && (end < 0 || i < end) {
		end = i
	}
	if end < 0 {
		end = len(raw)
	}
	for line := range bytes.Lines(raw[:end]) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(bytes.TrimRight(name, " \t"), []byte("arc-seal")) {
			return true
		}
	}
	return false
}

// notAMessage says why data is not a mail message at all (binary content
// under a mail name), or "" when it starts like one.
func notAMessage(raw []byte) string {
	raw = stripFromLine(raw)
	raw = bytes.TrimLeft(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), "\r\n")
	head := raw[:min(len(raw), 4096)]
	if len(bytes.TrimSpace(head)) == 0 {
		return "the file is empty"
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "the file holds binary data (NUL bytes), not mail header fields"
	}
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "the first line is not a mail header field (\"Name: value\")"
	}
	for _, c := range line[:i] {
		if c <= ' ' || c > '~' {
			return "the first line is not a mail header field (\"Name: value\")"
		}
	}
	return ""
}

// truncatedHeader says why a message ends inside its header section: no
// empty line separates header fields from a body, and the last line is
// cut (no line end) or a header field is cut before its colon. A message
// of header fields only, each complete, is not truncated.
func truncatedHeader(raw []byte) string {
	raw = stripFromLine(raw)
	if bytes.Contains(raw, []byte("\n\n")) || bytes.Contains(raw, []byte("\n\r\n")) {
		return ""
	}
	lines := bytes.Split(bytes.TrimRight(raw, "\r\n"), []byte("\n"))
	last := bytes.TrimRight(lines[len(lines)-1], "\r")
	cut := !bytes.HasSuffix(raw, []byte("\n"))
	if len(last) > 0 && last[0] != ' ' && last[0] != '\t' && bytes.IndexByte(last, ':') < 0 {
		cut = true
	}
	if !cut {
		return ""
	}
	return fmt.Sprintf("the message ends inside its header section after %d bytes (no empty line before a body; the last line is cut)", len(raw))
}

// partialHeader reads the complete header fields at the top of raw (a
// message cut short, or too large to examine), for its error item.
func partialHeader(raw []byte) map[string]string {
	raw = stripFromLine(raw)
	end := len(raw)
	if i := bytes.Index(raw, []byte("\n\n")); i >= 0 {
		end = i + 1
	} else if i := bytes.Index(raw, []byte("\n\r\n")); i >= 0 {
		end = i + 1
	} else if i := bytes.LastIndexByte(raw, '\n'); i >= 0 {
		end = i + 1
	}
	m, err := mime.Parse(append(bytes.Clone(raw[:end]), "\r\n"...), mime.Limits{})
	if err != nil {
		return nil
	}
	out := map[string]string{}
	for _, f := range []string{"From", "To", "Subject", "Date", "Message-ID"} {
		out[f] = m.Header.Get(f)
	}
	return out
}

func suffix(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}

// stripFromLine removes a leading mbox "From " separator line.
func stripFromLine(raw []byte) []byte {
	if bytes.HasPrefix(raw, []byte("From ")) {
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			return raw[i+1:]
		}
	}
	return raw
}

var (
	reTags   = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>|<[^>]*>`)
	reBlocks = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>`)
)

// htmlToText is a plain rendering of an HTML body, good enough to compare
// texts (not to display them).
func htmlToText(h string) string {
	h = reBlocks.ReplaceAllString(h, "\n$0")
	h = reTags.ReplaceAllString(h, "")
	r := strings.NewReplacer("&nbsp;", " ", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'")
	return r.Replace(h)
}

func (c *Config) analyseDoc(e entry, a *analysed) {
	it := a.item
	lim := c.docLimits()
	var (
		m    *docmeta.Meta
		err  error
		ra   io.ReaderAt
		size int64
	)
	if e.DiskPath != "" {
		f, oerr := os.Open(e.DiskPath)
		if oerr != nil {
			it.Verdict, it.Error = Error, oerr.Error()
			it.Reasons = []string{"could not be read: " + oerr.Error()}
			return
		}
		defer f.Close()
		ra, size = f, e.Size
	} else {
		ra, size = bytes.NewReader(e.Data), int64(len(e.Data))
	}
	m, err = lim.ReadAt(e.Path, ra, size)
	if m != nil {
		m.Source = e.Path
		if e.Format == "ole" || e.Format == "office-zip" {
			if m.Type != "" {
				it.Format = strings.ToLower(m.Type)
			}
		}
	}
	d := &DocEvidence{}
	it.Document = d
	if m != nil {
		it.meta = m
		d.Type, d.Title, d.Author, d.LastModifiedBy, d.Company = m.Type, m.Title, m.Author, m.LastModifiedBy, m.Company
		d.Application = strings.TrimSpace(m.Application + " " + m.AppVersion)
		d.Created, d.Modified = fmtTime(m.Created, m.CreatedLocal), fmtTime(m.Modified, m.ModifiedLocal)
		if m.Revision != nil {
			d.Revision = fmt.Sprint(*m.Revision)
		}
		if m.TotalEditTime != nil {
			d.EditTime = fmtDuration(*m.TotalEditTime)
		}
		d.Encrypted = m.Encrypted
		d.Warnings = m.Warnings
	}
	if err != nil {
		if m == nil || len(m.Tags) == 0 {
			it.Verdict, it.Error = Error, err.Error()
			it.Reasons = []string{"metadata could not be read: " + err.Error()}
		} else {
			d.Warnings = append(d.Warnings, "metadata partly read: "+err.Error())
		}
	}
	if d.Encrypted {
		it.Reasons = append(it.Reasons, "the document is encrypted: only the metadata stored in clear was read")
	}
	// Text, for the comparison with originals.
	text, ok, terr := lim.Text(it.Format, ra, size)
	switch {
	case !ok:
		d.TextNote = fmt.Sprintf("the text of %s files is not extracted: compared with originals by hash and metadata only", strings.ToUpper(it.Format))
	case terr != nil && strings.TrimSpace(text) == "" && d.Encrypted:
		d.TextNote = "the document is encrypted: its text cannot be read without the password, so it is compared by hash and metadata only"
	case terr != nil && strings.TrimSpace(text) == "":
		d.TextNote = "text could not be extracted: " + terr.Error()
	case terr != nil:
		// what was read before the problem is compared: a copy of the
		// document has the same problem at the same place
		d.TextNote = "text partly extracted: " + terr.Error()
		d.TextCompared = true
		a.text, a.hasText = text, true
	default:
		d.TextCompared = true
		a.text, a.hasText = text, true
	}
}

// fmtDuration writes an editing time for people: "1 h 05 min", "42 min", "12 s".
func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d s", int(d.Seconds()))
}

func fmtTime(t time.Time, local bool) string {
	if t.IsZero() {
		return ""
	}
	if local {
		return t.Format("2006-01-02 15:04:05") + " (local time, zone not recorded)"
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}
