package advisory

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Publisher names who issues the advisories in a CSAF document.
type Publisher struct {
	// Name is the agency's name ("ANSSI").
	Name string
	// Namespace is a URL the agency controls ("https://hub.example.org").
	Namespace string
	// Contact is how to reach the agency (optional).
	Contact string
}

// CSAF is a CSAF 2.0 document, profile csaf_base: the document part only
// (an advisory of the agency is about a threat, not about products).
// Field names follow the specification.
type CSAF struct {
	Document CSAFDocument `json:"document"`
}

// CSAFDocument is the document property of a CSAF 2.0 document.
type CSAFDocument struct {
	Category          string            `json:"category"`
	CSAFVersion       string            `json:"csaf_version"`
	Title             string            `json:"title"`
	Lang              string            `json:"lang,omitempty"`
	Publisher         csafPublisher     `json:"publisher"`
	Tracking          csafTracking      `json:"tracking"`
	Distribution      csafDistribution  `json:"distribution"`
	AggregateSeverity *csafSeverity     `json:"aggregate_severity,omitempty"`
	Notes             []csafNote        `json:"notes,omitempty"`
	References        []csafReference   `json:"references,omitempty"`
	Acknowledgments   []json.RawMessage `json:"acknowledgments,omitempty"`
}

type csafPublisher struct {
	Category       string `json:"category"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
	ContactDetails string `json:"contact_details,omitempty"`
}

type csafTracking struct {
	ID                 string         `json:"id"`
	Status             string         `json:"status"`
	Version            string         `json:"version"`
	InitialReleaseDate string         `json:"initial_release_date"`
	CurrentReleaseDate string         `json:"current_release_date"`
	RevisionHistory    []csafRevision `json:"revision_history"`
	Generator          *csafGenerator `json:"generator,omitempty"`
}

type csafRevision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

type csafGenerator struct {
	Engine csafEngine `json:"engine"`
	Date   string     `json:"date,omitempty"`
}

type csafEngine struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type csafDistribution struct {
	Text string   `json:"text,omitempty"`
	TLP  *csafTLP `json:"tlp,omitempty"`
}

type csafTLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

type csafSeverity struct {
	Text string `json:"text"`
}

type csafNote struct {
	Category string `json:"category"`
	Title    string `json:"title,omitempty"`
	Text     string `json:"text"`
}

type csafReference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// csafTLP maps a TLP 2.0 level to CSAF 2.0's labels (TLP 1.0: CLEAR is
// WHITE; AMBER+STRICT has no label of its own, it becomes AMBER and the
// distribution text says "AMBER+STRICT").
func csafLabel(t indicator.TLP) string {
	switch t {
	case indicator.TLPClear, indicator.TLPWhite:
		return "WHITE"
	case indicator.TLPGreen:
		return "GREEN"
	case indicator.TLPAmber, indicator.TLPAmberStrict:
		return "AMBER"
	}
	return "RED"
}

func csafTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ExportCSAF makes the CSAF 2.0 document (profile csaf_base) of an
// advisory: its text and checklist as notes, its revisions as the revision
// history, its TLP as the distribution. indicators are lines that describe
// the attached indicators ("domain accounts-verify.example"), link is the
// advisory's page on the hub ("" for none), engine the generator's
// version.
func ExportCSAF(a *Advisory, pub Publisher, indicators []string, link, engine string) (*CSAF, error) {
	if pub.Name == "" || pub.Namespace == "" {
		return nil, fmt.Errorf("advisory: CSAF export: the publisher needs a name and a namespace URL")
	}
	d := CSAFDocument{
		Category:    "csaf_base",
		CSAFVersion: "2.0",
		Title:       a.Title,
		Publisher:   csafPublisher{Category: "coordinator", Name: pub.Name, Namespace: pub.Namespace, ContactDetails: pub.Contact},
		Distribution: csafDistribution{
			Text: a.TLP.String() + ": " + tlpText(a.TLP),
			TLP:  &csafTLP{Label: csafLabel(a.TLP), URL: "https://www.first.org/tlp/"},
		},
		AggregateSeverity: &csafSeverity{Text: string(a.Severity)},
	}
	t := &d.Tracking
	t.ID = a.Tracking()
	t.Generator = &csafGenerator{Engine: csafEngine{Name: "Vigie", Version: engine}}
	if a.Status == Draft || a.Version == 0 {
		t.Status, t.Version = "draft", "0"
		t.InitialReleaseDate, t.CurrentReleaseDate = csafTime(a.CreatedAt), csafTime(a.UpdatedAt)
		t.RevisionHistory = []csafRevision{{Date: csafTime(a.UpdatedAt), Number: "0", Summary: "Draft."}}
	} else {
		t.Status, t.Version = "final", strconv.Itoa(a.Version)
		t.InitialReleaseDate = csafTime(a.PublishedAt)
		t.CurrentReleaseDate = csafTime(a.UpdatedAt)
		for i := len(a.Revisions) - 1; i >= 0; i-- { // oldest first
			r := a.Revisions[i]
			t.RevisionHistory = append(t.RevisionHistory, csafRevision{Date: csafTime(r.At), Number: strconv.Itoa(r.Version), Summary: r.Summary})
		}
		if len(t.RevisionHistory) == 0 {
			t.RevisionHistory = []csafRevision{{Date: t.InitialReleaseDate, Number: t.Version, Summary: "Initial version."}}
		}
	}
	if strings.TrimSpace(a.Body) != "" {
		d.Notes = append(d.Notes, csafNote{Category: "summary", Title: "What is happening", Text: a.Body})
	}
	if acts := a.CurrentActions(); len(acts) > 0 {
		var b strings.Builder
		for _, x := range acts {
			fmt.Fprintf(&b, "- [ ] %s\n", x.Text)
		}
		d.Notes = append(d.Notes, csafNote{Category: "general", Title: "Recommended actions", Text: strings.TrimSuffix(b.String(), "\n")})
	}
	if len(indicators) > 0 {
		d.Notes = append(d.Notes, csafNote{Category: "details", Title: "Indicators", Text: strings.Join(indicators, "\n")})
	}
	if a.Status == Withdrawn {
		d.Notes = append(d.Notes, csafNote{Category: "general", Title: "Withdrawn", Text: "This advisory was withdrawn on " + csafTime(a.WithdrawnAt) + "."})
	}
	if link != "" {
		d.References = []csafReference{{Category: "self", Summary: "This advisory on the hub", URL: link}}
	}
	return &CSAF{Document: d}, nil
}

// tlpText says in words who may see a document of level t.
func tlpText(t indicator.TLP) string {
	switch t {
	case indicator.TLPClear, indicator.TLPWhite:
		return "disclosure is not limited."
	case indicator.TLPGreen:
		return "limited disclosure, restricted to the community."
	case indicator.TLPAmber:
		return "limited disclosure, restricted to the recipient's organisation and its clients."
	case indicator.TLPAmberStrict:
		return "limited disclosure, restricted to the recipient's organisation only."
	}
	return "for the eyes and ears of the individual recipients only, no further disclosure."
}
