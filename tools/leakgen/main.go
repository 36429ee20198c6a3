// Command leakgen builds a synthetic leak dump shaped like the one of May
// 2017 (about 9 GB: some 21,000 messages, many with attachments, a share
// of them DKIM-signed, plus thousands of documents), for the scale
// measurement of `vigie leak verify` in BENCHMARKS.md:
//
//	go run ./tools/leakgen -out /tmp/leak2017 -corpus /work/shared/corpus/docs/files
//	/usr/bin/time -v vigie leak verify /tmp/leak2017/dump --keys /tmp/leak2017/keys.zone --no-dns --out /tmp/leak2017/report
//
// The dump mixes the containers seen in real leaks: one folder of .eml
// files per mailbox, mbox files (one of them over a gigabyte), and zip
// archives of .eml files. Attachments are real documents (taken from
// -corpus, a folder of Office, OpenDocument and PDF files; without it,
// small generated .docx files) and bulky binary files (pictures, scans)
// whose sizes follow a heavy-tailed law, so that the dump reaches -size.
// Messages from the campaign's domain and from a partner are signed with
// DKIM keys generated here; their public keys are written to keys.zone
// (the key archive to pass to --keys). -forgeries plants a batch of
// documents made the way a forger would (another tool, another language,
// saved at night), so that the report's forgery groups can be seen at
// scale. The same -seed gives the same dump.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/ed25519"
	crand "crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

func main() {
	var o options
	flag.StringVar(&o.out, "out", "", "directory to create: OUT/dump is the dump, OUT/keys.zone the DKIM key archive (required)")
	flag.IntVar(&o.messages, "messages", 21000, "number of messages")
	flag.IntVar(&o.docs, "docs", 3000, "number of documents outside messages")
	flag.StringVar(&o.size, "size", "9G", "approximate total size of the dump (K, M, G suffixes)")
	flag.StringVar(&o.corpus, "corpus", "", "folder of real documents used as attachments and documents (default: small generated .docx files)")
	flag.Float64Var(&o.attachShare, "attach", 0.4, "share of messages with attachments")
	flag.IntVar(&o.forgeries, "forgeries", 12, "documents of a planted forged batch")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "leakgen:", err)
		os.Exit(1)
	}
}

type options struct {
	out         string
	messages    int
	docs        int
	size        string
	corpus      string
	attachShare float64
	forgeries   int
	seed        uint64
}

// staff are the mailboxes of the dump; the first one is written as one
// big mbox.
var staff = []string{"direction", "presse", "finances", "evenements", "numerique", "juridique", "territoires", "programme"}

var words = strings.Fields(`le la les un une des et à de du pour avec sur dans par réunion campagne meeting
budget presse dossier note programme équipe candidat délégué territoire numérique financement salle
lundi mardi mercredi jeudi vendredi matin soir demain semaine projet compte rendu point validation
merci bonjour cordialement envoi pièce jointe version finale relecture urgent planning déplacement
mobilisation bénévoles tract affiche sondage débat interview communiqué conférence rappel réponse`)

type gen struct {
	o       options
	rng     *rand.Rand
	pool    []byte // random bytes the bulky attachments are cut from
	docs    []corpusDoc
	edKey   ed25519.PrivateKey
	rsaKey  *rsa.PrivateKey
	partner *rsa.PrivateKey
	written int64
	signed  int
	counter int
}

type corpusDoc struct {
	name string
	data []byte
}

func run(o options) error {
	if o.out == "" {
		return errors.New("-out is required")
	}
	target, err := parseSize(o.size)
	if err != nil {
		return fmt.Errorf("-size: %w", err)
	}
	if o.messages < 1 || o.docs < 0 || o.attachShare < 0 || o.attachShare > 1 {
		return errors.New("-messages must be positive, -docs not negative, -attach between 0 and 1")
	}
	if _, err := os.Stat(o.out); err == nil {
		return fmt.Errorf("%s exists: choose a new directory", o.out)
	}
	g := &gen{o: o, rng: rand.New(rand.NewPCG(o.seed, o.seed^0x5eed))}
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(g.rng.Uint32())
	}
	g.edKey = ed25519.NewKeyFromSeed(seed)
	// RSA keys from a deterministic stream are not supported by the
	// standard library (it adds its own randomness): the RSA keys differ
	// between runs, the messages and sizes do not.
	if g.rsaKey, err = rsa.GenerateKey(cryptoRand{}, 2048); err != nil {
		return err
	}
	if g.partner, err = rsa.GenerateKey(cryptoRand{}, 2048); err != nil {
		return err
	}
	if err := g.loadCorpus(); err != nil {
		return err
	}
	g.pool = make([]byte, 48<<20)
	cr := rand.NewChaCha8([32]byte(seed))
	cr.Read(g.pool)

	dump := filepath.Join(o.out, "dump")
	if err := os.MkdirAll(dump, 0o755); err != nil {
		return err
	}
	if err := g.writeKeys(filepath.Join(o.out, "keys.zone")); err != nil {
		return err
	}
	// Documents first (small), then messages fill the rest of the size.
	if err := g.writeDocs(filepath.Join(dump, "documents")); err != nil {
		return err
	}
	if err := g.writeMail(filepath.Join(dump, "mail"), target); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "leakgen: %s: %d messages (%d signed), %d documents (%d planted forgeries), %.2f GB\n",
		dump, o.messages, g.signed, o.docs, o.forgeries, float64(g.written)/1e9)
	return nil
}

type cryptoRand struct{}

func (cryptoRand) Read(p []byte) (int, error) { return crand.Read(p) }

func signer(k any) crypto.Signer { return k.(crypto.Signer) }

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "G"):
		mult, s = 1e9, strings.TrimSuffix(s, "G")
	case strings.HasSuffix(s, "M"):
		mult, s = 1e6, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "K"):
		mult, s = 1e3, strings.TrimSuffix(s, "K")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("a size such as 9G is expected, not %q", s)
	}
	return int64(f * float64(mult)), nil
}

func (g *gen) loadCorpus() error {
	if g.o.corpus == "" {
		for i := range 40 {
			g.docs = append(g.docs, corpusDoc{name: fmt.Sprintf("note-%02d.docx", i), data: docx(docxSpec{
				author: "Jean Dupont", app: "Microsoft Office Word", version: "16.0000", lang: "fr-FR",
				created: time.Date(2017, 3, 1+i%28, 10, 0, 0, 0, time.UTC), modified: time.Date(2017, 3, 1+i%28, 15, 30, 0, 0, time.UTC),
				text: fmt.Sprintf("Note %d de la campagne.", i)})})
		}
		return nil
	}
	ents, err := os.ReadDir(g.o.corpus)
	if err != nil {
		return fmt.Errorf("-corpus: %w", err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(g.o.corpus, e.Name()))
		if err != nil {
			return fmt.Errorf("-corpus: %w", err)
		}
		if len(b) > 8<<20 {
			continue
		}
		g.docs = append(g.docs, corpusDoc{name: e.Name(), data: b})
	}
	if len(g.docs) == 0 {
		return fmt.Errorf("-corpus %s: no file", g.o.corpus)
	}
	return nil
}

// writeKeys writes the archive of the public keys, valid over 2017.
func (g *gen) writeKeys(path string) error {
	var b strings.Builder
	b.WriteString("; DKIM keys of the synthetic leak (leakgen)\n")
	for _, k := range []struct {
		name string
		pub  any
	}{{"ed2017._domainkey.en-marche.example", g.edKey.Public()}, {"rsa2017._domainkey.en-marche.example", &g.rsaKey.PublicKey}, {"mail._domainkey.partner.example", &g.partner.PublicKey}} {
		rec, err := dkim.KeyRecord(k.pub)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %s ; valid 2016-06-01..2018-01-01\n", k.name, rec)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func (g *gen) text(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			if i%14 == 0 {
				b.WriteString(".\r\n")
			} else {
				b.WriteByte(' ')
			}
		}
		b.WriteString(words[g.rng.IntN(len(words))])
	}
	b.WriteString(".\r\n")
	return b.String()
}

func (g *gen) writeDocs(dir string) error {
	folders := []string{"Comptabilite", "Presse", "Programme", "Meetings", "Juridique", "Numerique"}
	for i := 0; i < g.o.docs; i++ {
		d := g.docs[i%len(g.docs)]
		ext := filepath.Ext(d.name)
		name := fmt.Sprintf("%s-%04d%s", strings.TrimSuffix(d.name, ext), i, ext)
		p := filepath.Join(dir, folders[i%len(folders)], name)
		if err := g.writeFile(p, d.data); err != nil {
			return err
		}
	}
	// The planted batch: the same forger's tool and habits.
	for i := 0; i < g.o.forgeries; i++ {
		night := time.Date(2017, 5, 3, 23, 10+i*3, 0, 0, time.UTC)
		d := docx(docxSpec{author: "Georgy Petrovich", app: "Microsoft Office Word", version: "12.0000", lang: "ru-RU",
			created: night.Add(-time.Hour), modified: night, text: g.text(200)})
		if err := g.writeFile(filepath.Join(dir, "Comptabilite", fmt.Sprintf("virement-%02d.docx", i)), d); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	g.written += int64(len(data))
	return os.WriteFile(p, data, 0o644)
}

// sink is where the messages of one mailbox go.
type sink interface {
	add(name string, crlf []byte) error
	close() error
}

func (g *gen) writeMail(dir string, target int64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Per mailbox: one container kind. direction: one big mbox; then
	// folders of .eml, mboxes and zips in turn.
	sinks := make([]sink, len(staff))
	for i, s := range staff {
		var err error
		switch {
		case i == 0 || i%3 == 2:
			sinks[i], err = newMbox(filepath.Join(dir, s+".mbox"))
		case i%3 == 1:
			sinks[i] = &emlDir{dir: filepath.Join(dir, s)}
		default:
			sinks[i], err = newZip(filepath.Join(dir, s+".zip"))
		}
		if err != nil {
			return err
		}
	}
	withAttach := int(float64(g.o.messages) * g.o.attachShare)
	attachLeft := withAttach
	for i := 0; i < g.o.messages; i++ {
		// The big mailbox gets a quarter of the mail.
		box := 0
		if g.rng.IntN(4) != 0 {
			box = 1 + g.rng.IntN(len(staff)-1)
		}
		var atts []attachment
		if attachLeft > 0 && g.rng.Float64() < float64(attachLeft)/float64(g.o.messages-i) {
			// the bulk left, spread over the messages with attachments left
			left := max(target-g.written-int64(g.o.messages-i)*4000, 0)
			mean := float64(left) / float64(attachLeft) / 1.37
			atts = g.attachments(mean)
			attachLeft--
		}
		msg, err := g.message(i, staff[box], atts)
		if err != nil {
			return err
		}
		g.written += int64(len(msg))
		if err := sinks[box].add(fmt.Sprintf("%05d.eml", i), msg); err != nil {
			return err
		}
	}
	for _, s := range sinks {
		if err := s.close(); err != nil {
			return err
		}
	}
	return nil
}

// maxBulk bounds the bulky attachments of one message (decoded bytes).
const maxBulk = 30 << 20

type attachment struct {
	name, ctype string
	data        []byte
}

// attachments draws one to three attachments whose bulk averages mean
// bytes: half real documents, the rest pictures and scans whose sizes
// follow a log-normal law (most small, a few tens of megabytes).
func (g *gen) attachments(mean float64) []attachment {
	n := 1 + g.rng.IntN(3)
	var out []attachment
	// a message stays well under the 64 MB a DKIM signer or verifier takes
	room := maxBulk
	for range n {
		if g.rng.IntN(2) == 0 {
			d := g.docs[g.rng.IntN(len(g.docs))]
			out = append(out, attachment{name: d.name, ctype: "application/octet-stream", data: d.data})
			mean -= float64(len(d.data))
			continue
		}
		const sigma = 1.3
		size := int(max(mean, 20000) / float64(n) * math.Exp(sigma*g.rng.NormFloat64()-sigma*sigma/2))
		size = min(max(size, 8000), room)
		if size < 8000 {
			break
		}
		room -= size
		off := g.rng.IntN(len(g.pool) - size)
		data := append([]byte(nil), g.pool[off:off+size]...)
		g.counter++
		kind := []struct{ ext, ctype, magic string }{{"jpg", "image/jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00"}, {"png", "image/png", "\x89PNG\r\n\x1a\n"}, {"mp4", "video/mp4", "\x00\x00\x00\x18ftypmp42"}}[g.rng.IntN(3)]
		copy(data, kind.magic)
		copy(data[len(kind.magic):], strconv.Itoa(g.counter)) // each file its own hash
		out = append(out, attachment{name: fmt.Sprintf("IMG_%05d.%s", g.counter, kind.ext), ctype: kind.ctype, data: data})
	}
	return out
}

// message builds message i (CRLF line ends), signed for the campaign's
// and the partner's domains.
func (g *gen) message(i int, box string, atts []attachment) ([]byte, error) {
	day := time.Date(2017, 1, 2, 0, 0, 0, 0, time.FixedZone("", 2*3600)).AddDate(0, 0, g.rng.IntN(123))
	date := day.Add(time.Duration(8*60+g.rng.IntN(11*60)) * time.Minute)
	var from, domain string
	switch r := g.rng.IntN(10); {
	case r < 6:
		from, domain = staff[g.rng.IntN(len(staff))]+"@en-marche.example", "en-marche.example"
	case r < 8:
		from, domain = "contact@partner.example", "partner.example"
	default:
		from, domain = fmt.Sprintf("soutien%d@mail.example", g.rng.IntN(500)), "mail.example"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Received: from mx.%s (mx.%s [192.0.2.%d]) by mx.en-marche.example; %s\r\n", domain, domain, 1+g.rng.IntN(250), date.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "From: %s\r\nTo: %s@en-marche.example\r\nSubject: %s %d\r\nDate: %s\r\nMessage-ID: <%d.%d@%s>\r\nMIME-Version: 1.0\r\n",
		from, box, strings.ToUpper(words[g.rng.IntN(len(words))][:1])+words[g.rng.IntN(len(words))][1:], i, date.Format(time.RFC1123Z), date.Unix(), i, domain)
	body := g.text(40 + g.rng.IntN(300))
	if len(atts) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		b.WriteString(body)
	} else {
		boundary := fmt.Sprintf("=_leakgen_%d", i)
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s", boundary, boundary, body)
		for _, a := range atts {
			fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary, a.ctype, a.name, a.name)
			writeBase64(&b, a.data)
		}
		fmt.Fprintf(&b, "--%s--\r\n", boundary)
	}
	msg := b.Bytes()
	var key any
	var sel string
	switch domain {
	case "en-marche.example":
		key, sel = g.edKey, "ed2017"
		if g.rng.IntN(2) == 0 {
			key, sel = g.rsaKey, "rsa2017"
		}
	case "partner.example":
		key, sel = g.partner, "mail"
	default:
		return msg, nil
	}
	sig, err := dkim.Sign(msg, dkim.SignOptions{Domain: domain, Selector: sel, Signer: signer(key), Time: date})
	if err != nil {
		return nil, fmt.Errorf("signing message %d: %w", i, err)
	}
	g.signed++
	// The signature goes below Received: as a relay's mail server adds it.
	j := bytes.Index(msg, []byte("\r\nFrom: ")) + 2
	return append(append(append([]byte(nil), msg[:j]...), sig...), msg[j:]...), nil
}

func writeBase64(b *bytes.Buffer, data []byte) {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(data)))
	base64.StdEncoding.Encode(enc, data)
	for len(enc) > 76 {
		b.Write(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.Write(enc)
	b.WriteString("\r\n")
}

// mbox writes messages with LF line ends behind "From " lines.
type mbox struct {
	f *os.File
	w *bufio.Writer
}

func newMbox(p string) (*mbox, error) {
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	return &mbox{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (m *mbox) add(_ string, msg []byte) error {
	m.w.WriteString("From leak@en-marche.example Fri May  5 10:00:00 2017\n")
	m.w.Write(bytes.ReplaceAll(msg, []byte("\r\n"), []byte("\n")))
	_, err := m.w.WriteString("\n")
	return err
}

func (m *mbox) close() error {
	if err := m.w.Flush(); err != nil {
		return err
	}
	return m.f.Close()
}

type emlDir struct{ dir string }

func (e *emlDir) add(name string, msg []byte) error {
	if err := os.MkdirAll(e.dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(e.dir, name), msg, 0o644)
}

func (e *emlDir) close() error { return nil }

type zipSink struct {
	f *os.File
	z *zip.Writer
}

func newZip(p string) (*zipSink, error) {
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	z := zip.NewWriter(f) // buffered by the zip writer, flushed by Close
	z.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	return &zipSink{f: f, z: z}, nil
}

func (z *zipSink) add(name string, msg []byte) error {
	w, err := z.z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2017, 5, 5, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		return err
	}
	_, err = w.Write(msg)
	return err
}

func (z *zipSink) close() error {
	if err := z.z.Close(); err != nil {
		return err
	}
	return z.f.Close()
}

type docxSpec struct {
	author, app, version, lang string
	created, modified          time.Time
	text                       string
}

// docx builds a minimal Word document with the given metadata.
func docx(s docxSpec) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"docProps/core.xml": fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>%s</dc:creator><cp:lastModifiedBy>%s</cp:lastModifiedBy><cp:revision>2</cp:revision><dc:language>%s</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">%s</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">%s</dcterms:modified></cp:coreProperties>`,
			s.author, s.author, s.lang, s.created.UTC().Format(time.RFC3339), s.modified.UTC().Format(time.RFC3339)),
		"docProps/app.xml":  fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><TotalTime>3</TotalTime><Application>%s</Application><AppVersion>%s</AppVersion></Properties>`, s.app, s.version),
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>` + s.text + `</w:t></w:r></w:p></w:body></w:document>`,
	}
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, _ := z.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: s.modified})
		io.WriteString(w, parts[n])
	}
	z.Close()
	return buf.Bytes()
}
