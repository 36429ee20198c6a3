package leak

import (
	"time"

	"github.com/vigie-project/vigie/internal/docmeta"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// SchemaVersion is the version of report.json's shape. 2: the verdicts
// forged and reformatted, reasons_fr, the mail evidence of the signing
// practice (from_domain, relayed, signed_by, sent), key_archives,
// originals_sha256, command_line, lang.
const SchemaVersion = 2

// Verdict is the conclusion on one item of a leak. The strings are stable:
// they appear in report.json and items.csv.
type Verdict string

// Mail verdicts (from the DKIM forensic verdict, see package dkim), and
// comparison with the party's own copy when there is one.
const (
	Authentic            Verdict = "authentic"
	AuthenticWithCaveats Verdict = "authentic-with-caveats"
	Altered              Verdict = "altered"
	Unverifiable         Verdict = "unverifiable"
	// Forged: evidence that the message is not what its sender's domain
	// sent: a signature made with another key than the archived key of
	// its selector, or no valid signature from a domain whose signing
	// practice is established in the dump (see applyPractice).
	Forged Verdict = "forged"
	// Reformatted: the signature no longer verifies, but the party's own
	// copy shows the text, header fields and attachments unchanged: only
	// whitespace, line wrapping or the transfer encoding differ (a relay
	// or a mail client rewrote the bytes, not the content).
	Reformatted Verdict = "reformatted"
)

// Document (and other file) verdicts.
const (
	IdenticalToOriginal Verdict = "identical-to-original"
	ModifiedCopy        Verdict = "modified-copy"
	Suspicious          Verdict = "suspicious"
	NoOriginal          Verdict = "no-original"
	// Unverifiable (above) is also used for documents when no originals
	// were given: nothing to compare against and no anomaly found.
)

// Error means the item could not be examined (corrupt, encrypted, over a
// limit, a format not yet readable); Item.Error says why.
const Error Verdict = "error"

// VerdictOrder is the order verdicts are shown in: what needs attention
// first.
var VerdictOrder = []Verdict{Forged, Altered, ModifiedCopy, Suspicious, Error, Reformatted, AuthenticWithCaveats, Authentic, IdenticalToOriginal, NoOriginal, Unverifiable}

// Needs reports whether a verdict needs a reader's attention (and makes
// vigie leak verify exit with status 1).
func (v Verdict) Needs() bool {
	return v == Forged || v == Altered || v == ModifiedCopy || v == Suspicious || v == Error
}

// Kinds of items.
const (
	KindMail     = "mail"
	KindDocument = "document"
	KindOther    = "other"
)

// Item is the result for one item of the dump.
type Item struct {
	Path    string   `json:"path"`
	Kind    string   `json:"kind"`
	Format  string   `json:"format"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256,omitempty"`
	Verdict Verdict  `json:"verdict"`
	Reasons []string `json:"reasons"`
	// ReasonsFR are the reasons in French (report.json carries both).
	ReasonsFR []string       `json:"reasons_fr,omitempty"`
	Error     string         `json:"error,omitempty"`
	Mail      *MailEvidence  `json:"mail,omitempty"`
	Document  *DocEvidence   `json:"document,omitempty"`
	Original  *OriginalMatch `json:"original,omitempty"`

	unit     string // checkpoint unit (disk file) the item came from
	attached bool   // a document attached to a message, not walked itself
	meta     *docmeta.Meta
	msgN     int   // the message's number in an mbox file on disk (attachments: their message's)
	msgEnd   int64 // where the next message of that mbox starts
}

// MailEvidence is what was found about a message.
type MailEvidence struct {
	From        string        `json:"from,omitempty"`
	To          string        `json:"to,omitempty"`
	Cc          string        `json:"cc,omitempty"`
	Subject     string        `json:"subject,omitempty"`
	Date        string        `json:"date,omitempty"`
	MessageID   string        `json:"message_id,omitempty"`
	JudgedAt    time.Time     `json:"judged_at,omitzero"`
	DKIM        dkim.Verdict  `json:"dkim"`
	Signatures  []SigEvidence `json:"signatures,omitempty"`
	ARC         *ARCEvidence  `json:"arc,omitempty"`
	Attachments []string      `json:"attachments,omitempty"`
	// Mailer is the program that wrote the message (X-Mailer or
	// User-Agent), a trait of origin for the forgery groups.
	Mailer string `json:"mailer,omitempty"`
	// FromDomain is the domain of the From address; Relayed says the
	// message passed through mail servers (it has a Received field);
	// SignedBy lists the d= of the signatures that verify; Sent is the
	// parsed Date. They feed the signing-practice rule (Forged).
	FromDomain string    `json:"from_domain,omitempty"`
	Relayed    bool      `json:"relayed,omitempty"`
	SignedBy   []string  `json:"signed_by,omitempty"`
	Sent       time.Time `json:"sent,omitzero"`
}

// SigEvidence summarises one DKIM signature.
type SigEvidence struct {
	Domain    string   `json:"domain"`
	Selector  string   `json:"selector"`
	Algorithm string   `json:"algorithm"`
	Result    string   `json:"result"`
	Reason    string   `json:"reason,omitempty"`
	KeySource string   `json:"key_source,omitempty"`
	KeyBits   int      `json:"key_bits,omitempty"`
	Hints     []string `json:"hints,omitempty"`
	// Canon is c= (header/body); BodyLength is l= when Limited; Signed
	// is h=.
	Canon      string   `json:"canon,omitempty"`
	BodyLength int64    `json:"body_length,omitempty"`
	Limited    bool     `json:"limited,omitempty"`
	Signed     []string `json:"signed_headers,omitempty"`
}

// ARCEvidence summarises an ARC chain.
type ARCEvidence struct {
	Result string `json:"result"`
	Sets   int    `json:"sets"`
	Detail string `json:"detail,omitempty"`
}

// DocEvidence is the metadata that matters for a document's authenticity.
type DocEvidence struct {
	Type           string            `json:"type,omitempty"`
	Title          string            `json:"title,omitempty"`
	Author         string            `json:"author,omitempty"`
	LastModifiedBy string            `json:"last_modified_by,omitempty"`
	Company        string            `json:"company,omitempty"`
	Application    string            `json:"application,omitempty"`
	Created        string            `json:"created,omitempty"`
	Modified       string            `json:"modified,omitempty"`
	Revision       string            `json:"revision,omitempty"`
	EditTime       string            `json:"edit_time,omitempty"`
	Encrypted      bool              `json:"encrypted,omitempty"`
	Warnings       []string          `json:"warnings,omitempty"`
	Anomalies      []docmeta.Anomaly `json:"anomalies,omitempty"`
	// TextCompared says whether the document's text was extracted and
	// used to look for near-duplicate originals; TextNote says why not.
	TextCompared bool   `json:"text_compared"`
	TextNote     string `json:"text_note,omitempty"`
}

// OriginalMatch is what the comparison with the party's originals found.
type OriginalMatch struct {
	Path string `json:"path"`
	// Match is "exact" (same bytes), "message-id" (same Message-ID),
	// "near-duplicate" (similar text) or "same-name" (same file name and
	// creation date, text not comparable).
	Match      string  `json:"match"`
	Similarity float64 `json:"similarity,omitempty"`
	// TextDiff is a unified diff from the original to the leaked text.
	TextDiff     string        `json:"text_diff,omitempty"`
	LinesAdded   int           `json:"lines_added,omitempty"`
	LinesRemoved int           `json:"lines_removed,omitempty"`
	Headers      []FieldChange `json:"header_changes,omitempty"`
	Metadata     []FieldChange `json:"metadata_changes,omitempty"`
}

// FieldChange is one header or metadata field that differs.
type FieldChange struct {
	Field    string `json:"field"`
	Original string `json:"original"`
	Leaked   string `json:"leaked"`
}

// KeyArchive is one DKIM key archive a run used.
type KeyArchive struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256"`
	Records int    `json:"records,omitempty"`
}

// Report is the whole result, written as report.json.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          string    `json:"tool"`
	Generated     time.Time `json:"generated"`
	// CommandLine is the command that produced the report; Lang the
	// language of report.html ("en" or "fr").
	CommandLine string `json:"command_line,omitempty"`
	Lang        string `json:"lang,omitempty"`
	// KeyArchives are the DKIM key archives used, each with its SHA-256:
	// the proof of every signature checked with an archived key rests on
	// that file. OriginalsSHA256 fingerprints the party's originals
	// folder (see originalsDigest).
	KeyArchives     []KeyArchive   `json:"key_archives,omitempty"`
	OriginalsSHA256 string         `json:"originals_sha256,omitempty"`
	Dump            string         `json:"dump"`
	Originals       string         `json:"originals,omitempty"`
	OriginalCount   int            `json:"original_count,omitempty"`
	Keys            string         `json:"keys,omitempty"`
	KeyRecords      int            `json:"key_records,omitempty"`
	LiveDNS         bool           `json:"live_dns"`
	Staff           int            `json:"staff,omitempty"`
	Counts          map[string]int `json:"counts"`
	Resumed         int            `json:"resumed,omitempty"`
	Items           []*Item        `json:"items"`
	// Groups are sets of items that share a forger's traits (see
	// groupForgeries), largest first.
	Groups []ForgeryGroup `json:"forgery_groups,omitempty"`
}
