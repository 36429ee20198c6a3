package docmeta

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

var typeNames = map[string]string{
	"DOCX": "Word document", "XLSX": "Excel workbook", "PPTX": "PowerPoint presentation",
	"DOC": "Word 97-2003 document", "XLS": "Excel 97-2003 workbook", "PPT": "PowerPoint 97-2003 presentation",
	"ODT": "OpenDocument text", "ODS": "OpenDocument spreadsheet", "ODP": "OpenDocument presentation",
	"PDF": "PDF document", "RTF": "Rich Text document", "MSG": "Outlook message", "OOXML": "Office document",
}

// WriteText writes the results for people: one block per document with the
// fields that matter for authenticity, then the anomalies in plain words.
func WriteText(w io.Writer, results []Result, anomalies []Anomaly) error {
	bw := bufio.NewWriter(w)
	bySource := map[string][]Anomaly{}
	var multi []Anomaly
	for _, a := range anomalies {
		if a.Source != "" {
			bySource[a.Source] = append(bySource[a.Source], a)
		} else {
			multi = append(multi, a)
		}
	}
	for i, r := range results {
		if i > 0 {
			bw.WriteString("\n")
		}
		writeOne(bw, r, bySource[r.Meta.Source])
	}
	if len(multi) > 0 {
		bw.WriteString("\nAcross documents:\n")
		for _, a := range multi {
			fmt.Fprintf(bw, "  ! %s\n", a.Explanation)
			for _, s := range a.Sources {
				fmt.Fprintf(bw, "      %s\n", s)
			}
		}
	}
	return bw.Flush()
}

func writeOne(bw *bufio.Writer, r Result, anomalies []Anomaly) {
	m := r.Meta
	kind := typeNames[m.Type]
	if kind == "" {
		kind = string(m.Kind)
	}
	fmt.Fprintf(bw, "%s  (%s)\n", m.Source, kind)
	if r.Err != nil {
		fmt.Fprintf(bw, "  could not be read: %v\n", r.Err)
	}
	line := func(label, v string) {
		if strings.TrimSpace(v) != "" {
			fmt.Fprintf(bw, "  %-18s %s\n", label, oneLine(v))
		}
	}
	date := func(label string, t time.Time, local bool) {
		if t.IsZero() {
			return
		}
		if local {
			line(label, t.Format("2006-01-02 15:04:05")+" (local time of the author's computer)")
		} else {
			line(label, fmtTime(t))
		}
	}
	line("Title", m.Title)
	line("Subject", m.Subject)
	line("Author", m.Author)
	line("Last saved by", m.LastModifiedBy)
	if len(m.LastSavedBy) > 1 {
		line("Earlier savers", strings.Join(m.LastSavedBy, ", "))
	}
	line("Current user", m.CurrentUser)
	line("Company", m.Company)
	line("Manager", m.Manager)
	date("Created", m.Created, m.CreatedLocal)
	date("Last saved", m.Modified, m.ModifiedLocal)
	date("Last printed", m.Printed, false)
	app := m.Application
	if m.AppVersion != "" {
		app += " (version " + m.AppVersion + ")"
	}
	line("Application", app)
	if m.PDF != nil {
		if m.PDF.Producer != "" && m.PDF.Producer != m.Application {
			line("PDF producer", m.PDF.Producer)
		}
		if m.PDF.Creator != "" && m.PDF.Creator != m.Application {
			line("PDF creator", m.PDF.Creator)
		}
	}
	line("Template", m.Template)
	if m.Revision != nil {
		line("Revision", fmt.Sprint(*m.Revision))
	}
	if m.TotalEditTime != nil {
		line("Editing time", humanDuration(*m.TotalEditTime))
	}
	var stats []string
	if m.Pages != nil {
		stats = append(stats, fmt.Sprintf("%d pages", *m.Pages))
	}
	if m.Words != nil {
		stats = append(stats, fmt.Sprintf("%d words", *m.Words))
	}
	if m.Characters != nil {
		stats = append(stats, fmt.Sprintf("%d characters", *m.Characters))
	}
	line("Size", strings.Join(stats, ", "))
	line("Language", m.Language)
	if m.CodePage != 0 {
		name := codePageNames[m.CodePage]
		if name == "" {
			name = fmt.Sprint(m.CodePage)
		}
		line("Code page", name)
	}
	if len(m.HeadingPairs) > 0 {
		var parts []string
		for _, hp := range m.HeadingPairs {
			parts = append(parts, fmt.Sprintf("%s (%d)", hp.Label, hp.Count))
		}
		line("Part labels", strings.Join(parts, ", "))
	}
	for _, tz := range m.TZ {
		line("Time zone", fmtOffset(tz.Offset)+" (from "+tz.Source+")")
	}
	if m.PDF != nil {
		p := m.PDF
		s := "PDF " + p.Version
		if p.Updates > 0 {
			s += fmt.Sprintf(", %d incremental update(s): changed after it was first written", p.Updates)
		} else {
			s += ", no incremental update"
		}
		if p.Linearized {
			s += ", linearized"
		}
		line("Structure", s)
	}
	if m.Encrypted {
		e := "yes"
		if m.PDF != nil && m.PDF.Encryption != "" {
			e = m.PDF.Encryption
			if m.PDF.Decrypted {
				e += ", opened without a password"
			}
		}
		line("Encrypted", e)
	}
	for _, c := range m.Custom {
		line("Custom: "+c.Name, c.Value)
	}
	for _, w := range m.Warnings {
		line("Note", w)
	}
	for _, a := range anomalies {
		fmt.Fprintf(bw, "  ! %s\n", a.Explanation)
	}
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "..."
	}
	return s
}

// fmtTime writes a time with its zone, "UTC" for UTC.
func fmtTime(t time.Time) string {
	if _, off := t.Zone(); off == 0 {
		return t.Format("2006-01-02 15:04:05") + " UTC"
	}
	return t.Format("2006-01-02 15:04:05 -07:00")
}
