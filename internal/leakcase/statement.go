package leakcase

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/safejson"
)

// Item is one item of a case as the statement shows it.
type Item struct {
	Path   string `json:"path"`
	Kind   string `json:"kind"`
	SHA256 string `json:"sha256,omitempty"`
	// MessageID, From, Subject and Date are a message's (empty for a
	// document).
	MessageID string `json:"message_id,omitempty"`
	From      string `json:"from,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Date      string `json:"date,omitempty"`
	// Machine is the verdict of the verification and Reasons, ReasonsFR
	// its reasons; Override, when set, is an analyst's revision.
	Machine   leak.Verdict `json:"machine_verdict"`
	Reasons   []string     `json:"reasons"`
	ReasonsFR []string     `json:"reasons_fr,omitempty"`
	Override  *Override    `json:"override,omitempty"`
}

// Override is an analyst's revision of the machine's verdict.
type Override struct {
	Verdict leak.Verdict `json:"verdict"`
	Why     string       `json:"why"`
	By      string       `json:"by"`
	At      time.Time    `json:"at"`
}

// Verdict is the item's verdict: the analyst's when revised, else the
// machine's.
func (it *Item) Verdict() leak.Verdict {
	if it.Override != nil && it.Override.Verdict != "" {
		return it.Override.Verdict
	}
	return it.Machine
}

// ItemFromReport takes what a statement needs from one item of
// report.json.
func ItemFromReport(li *leak.Item) Item {
	it := Item{Path: li.Path, Kind: li.Kind, SHA256: li.SHA256, Machine: li.Verdict, Reasons: li.Reasons, ReasonsFR: li.ReasonsFR}
	if m := li.Mail; m != nil {
		it.MessageID, it.From, it.Subject, it.Date = NormalizeMessageID(m.MessageID), m.From, m.Subject, m.Date
	}
	return it
}

// NormalizeMessageID strips the angle brackets and spaces around a
// Message-ID, so that "<a@b>" and "a@b" are looked up alike.
func NormalizeMessageID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.TrimSpace(s)
}

// ValidVerdict reports whether v is a verdict an analyst may give.
func ValidVerdict(v leak.Verdict) bool { return slices.Contains(leak.VerdictOrder, v) }

// Statement is what the agency publishes on a case.
type Statement struct {
	// Case is the case's public reference; Title its title.
	Case, Title string
	Agency      string
	Published   time.Time
	// Tool is the program that verified the dump, KeyArchives the DKIM
	// key archives (with their SHA-256) the proof rests on.
	Tool        string
	KeyArchives []leak.KeyArchive
	// Withheld is the number of items of the case not published.
	Withheld int
	Items    []Item
	// Signer is the agency's public key; Identity the name the agency
	// publishes it under (the allowed_signers principal).
	Signer   ssh.PublicKey
	Identity string
	// SigFile is the signature's file name, next to the page.
	SigFile string
}

// Counts returns the number of published items per verdict.
func (s *Statement) Counts() map[leak.Verdict]int {
	c := map[leak.Verdict]int{}
	for i := range s.Items {
		c[s.Items[i].Verdict()]++
	}
	return c
}

//go:embed statement.html.tmpl
var statementTmpl string

var labels = map[leak.Verdict][2]string{
	leak.Authentic:            {"Authentic", "Authentique"},
	leak.AuthenticWithCaveats: {"Authentic, with caveats", "Authentique, avec réserves"},
	leak.Altered:              {"Altered", "Modifié"},
	leak.Forged:               {"Forged", "Falsifié"},
	leak.Reformatted:          {"Reformatted, text unchanged", "Reformaté, texte inchangé"},
	leak.Unverifiable:         {"Unverifiable", "Invérifiable"},
	leak.IdenticalToOriginal:  {"Identical to an original", "Identique à un original"},
	leak.ModifiedCopy:         {"Modified copy", "Copie modifiée"},
	leak.Suspicious:           {"Suspicious metadata", "Métadonnées suspectes"},
	leak.NoOriginal:           {"No original found", "Aucun original trouvé"},
	leak.Error:                {"Could not be examined", "Non examiné"},
}

// Label names a verdict for people, in English ("en") or French ("fr").
func Label(v leak.Verdict, lang string) string {
	l, ok := labels[v]
	if !ok {
		return string(v)
	}
	if lang == "fr" {
		return l[1]
	}
	return l[0]
}

type countRow struct {
	Verdict leak.Verdict
	N       int
}

type statementView struct {
	*Statement
	Rows       []countRow
	Total      int
	SignerLine string
	Fprint     string
	Allowed    string
}

var tmpl = template.Must(template.New("statement").Funcs(template.FuncMap{
	"label": Label,
	"reasons": func(it Item, lang string) []string {
		if lang == "fr" && len(it.ReasonsFR) == len(it.Reasons) {
			return it.ReasonsFR
		}
		if lang == "fr" {
			out := make([]string, len(it.Reasons))
			for i, r := range it.Reasons {
				out[i] = leak.French(r)
			}
			return out
		}
		return it.Reasons
	},
	"day":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"short": func(s string) string { return s[:min(len(s), 16)] },
}).Parse(statementTmpl))

// Render writes the statement as one static HTML page, English then
// French: inline style, no script, no external resource, every value
// from the dump escaped. The bytes are what Sign signs.
func Render(s *Statement) ([]byte, error) {
	if s.Signer == nil {
		return nil, fmt.Errorf("statement: no signing key")
	}
	if s.SigFile == "" {
		s.SigFile = "statement.html.sig"
	}
	if s.Identity == "" {
		s.Identity = "statement@vigie"
	}
	if !validIdentity(s.Identity) {
		return nil, fmt.Errorf("statement: signer identity %q: use letters, digits and @ . _ - only (it goes in an allowed_signers line)", s.Identity)
	}
	v := statementView{Statement: s, Total: len(s.Items), SignerLine: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.Signer))), Fprint: Fingerprint(s.Signer), Allowed: AllowedSigners(s.Identity, s.Signer)}
	counts := s.Counts()
	for _, vd := range leak.VerdictOrder {
		if counts[vd] > 0 {
			v.Rows = append(v.Rows, countRow{vd, counts[vd]})
		}
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return b.Bytes(), nil
}

// Publish renders the statement and signs it: the page and its detached
// signature (the content of SigFile).
func Publish(s *Statement, signer ssh.Signer) (page, sig []byte, err error) {
	s.Signer = signer.PublicKey()
	page, err = Render(s)
	if err != nil {
		return nil, nil, err
	}
	sig, err = Sign(signer, Namespace, page)
	if err != nil {
		return nil, nil, err
	}
	return page, sig, nil
}

func validIdentity(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@._-", r)) {
			return false
		}
	}
	return true
}

// MaxReportSize bounds a report.json read by ReadReport: a dump of 21,000
// messages and thousands of documents makes a report of a few hundred MB
// at most.
const MaxReportSize = 1 << 30

// MaxReportItems bounds the number of items of a report.
const MaxReportItems = 2_000_000

// ReadReport reads the report.json that vigie leak verify wrote, within
// limits (size, nesting, items), checking its schema version and verdicts.
func ReadReport(r io.Reader, name string, maxBytes int64) (*leak.Report, error) {
	if maxBytes <= 0 || maxBytes > MaxReportSize {
		maxBytes = MaxReportSize
	}
	var rep leak.Report
	if err := safejson.Decode(r, name, maxBytes, 32, &rep); err != nil {
		return nil, err
	}
	if rep.SchemaVersion < 1 || rep.SchemaVersion > leak.SchemaVersion {
		return nil, fmt.Errorf("%s: schema_version %d: not a report.json of vigie leak verify (known versions 1 to %d)", name, rep.SchemaVersion, leak.SchemaVersion)
	}
	if len(rep.Items) > MaxReportItems {
		return nil, fmt.Errorf("%s: %d items, more than the limit of %d", name, len(rep.Items), MaxReportItems)
	}
	for i, it := range rep.Items {
		if it == nil || it.Path == "" {
			return nil, fmt.Errorf("%s: item %d has no path", name, i+1)
		}
		if !ValidVerdict(it.Verdict) {
			return nil, fmt.Errorf("%s: item %d (%s): unknown verdict %q", name, i+1, it.Path, it.Verdict)
		}
	}
	return &rep, nil
}
