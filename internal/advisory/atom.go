package advisory

import (
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// AtomFeed describes the feed of TLP:CLEAR advisories.
type AtomFeed struct {
	// ID is the feed's permanent id (a URL or urn).
	ID string
	// Title and Author name the feed ("Vigie advisories", the agency).
	Title, Author string
	// Self is the feed's own URL, Base the hub's (entries link to
	// Base+"/advisories/ID").
	Self, Base string
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID        string     `xml:"id"`
	Title     string     `xml:"title"`
	Updated   string     `xml:"updated"`
	Published string     `xml:"published"`
	Links     []atomLink `xml:"link"`
	Category  atomCat    `xml:"category"`
	Summary   string     `xml:"summary,omitempty"`
	Content   atomText   `xml:"content"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// WriteAtom writes the Atom feed (RFC 4287) of advisories: only the
// published or withdrawn TLP:CLEAR ones are put in, whatever the caller
// passes, so that nothing restricted leaves through a feed reader. The
// content is the sanitised HTML of the text.
func WriteAtom(w io.Writer, f AtomFeed, advisories []Advisory, now time.Time) error {
	out := atomFeed{ID: f.ID, Title: f.Title, Author: atomPerson{Name: f.Author},
		Links: []atomLink{{Rel: "self", Href: f.Self}, {Rel: "alternate", Href: f.Base + "/advisories"}}}
	var newest time.Time
	for i := range advisories {
		a := &advisories[i]
		if a.TLP != indicator.TLPClear && a.TLP != indicator.TLPWhite || a.Status == Draft {
			continue
		}
		html, err := RenderMarkdown(a.Body)
		if err != nil {
			return fmt.Errorf("advisory %d: %w", a.ID, err)
		}
		title := a.Title
		if a.Status == Withdrawn {
			title = "[withdrawn] " + title
		}
		e := atomEntry{ID: "urn:uuid:" + a.UUID, Title: title, Updated: a.UpdatedAt.UTC().Format(time.RFC3339), Published: a.PublishedAt.UTC().Format(time.RFC3339),
			Links: []atomLink{{Rel: "alternate", Href: fmt.Sprintf("%s/advisories/%d", f.Base, a.ID)}}, Category: atomCat{Term: string(a.Severity)},
			Summary: a.Tracking() + " · " + string(a.Severity), Content: atomText{Type: "html", Body: html}}
		if len(a.Revisions) > 0 {
			e.Summary += " · " + a.Revisions[0].Summary
		}
		if a.UpdatedAt.After(newest) {
			newest = a.UpdatedAt
		}
		out.Entries = append(out.Entries, e)
	}
	if newest.IsZero() {
		newest = now
	}
	out.Updated = newest.UTC().Format(time.RFC3339)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", " ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("advisory: atom: %w", err)
	}
	return enc.Close()
}
