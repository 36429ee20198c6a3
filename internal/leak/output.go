package leak

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// WriteFiles writes report.json, items.csv and report.html (and, for more
// than htmlPageSize items, the pages items-0001.html ...) into dir, each
// through a temporary file renamed at the end (a reader never sees half a
// report).
func WriteFiles(dir string, rep *Report) error {
	for _, f := range []struct {
		name  string
		write func(io.Writer, *Report) error
	}{{"report.json", WriteJSON}, {"items.csv", WriteCSV}, {"report.html", WriteHTML}} {
		if err := writeFile(filepath.Join(dir, f.name), func(w io.Writer) error { return f.write(w, rep) }); err != nil {
			return err
		}
	}
	pages := htmlPages(rep)
	for i := range pages {
		if err := writeFile(filepath.Join(dir, pages[i].File), func(w io.Writer) error { return WriteHTMLPage(w, rep, i) }); err != nil {
			return err
		}
	}
	// pages of a larger earlier run in the same directory would mislead
	for i := len(pages); ; i++ {
		if err := os.Remove(filepath.Join(dir, pageFile(i))); err != nil {
			break
		}
	}
	return nil
}

func writeFile(path string, fn func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("writing report: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = fn(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes the report as indented JSON (report.json).
func WriteJSON(w io.Writer, rep *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// csvHeader is the first row of items.csv.
var csvHeader = []string{"path", "kind", "format", "size", "sha256", "verdict", "reasons", "error", "original", "match", "from", "subject", "date", "author", "last_modified_by", "application", "created", "modified"}

// WriteCSV writes one row per item (items.csv); reasons are joined with
// " | ". Cells that a spreadsheet would take for a formula are prefixed
// with an apostrophe (CSV injection: leaked data is hostile).
func WriteCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, it := range rep.Items {
		var orig, match, from, subject, date, author, lmb, app, created, modified string
		if it.Original != nil {
			orig, match = it.Original.Path, it.Original.Match
		}
		if m := it.Mail; m != nil {
			from, subject, date = m.From, m.Subject, m.Date
		}
		if d := it.Document; d != nil {
			author, lmb, app, created, modified = d.Author, d.LastModifiedBy, d.Application, d.Created, d.Modified
		}
		row := []string{it.Path, it.Kind, it.Format, fmt.Sprint(it.Size), it.SHA256, string(it.Verdict), strings.Join(it.Reasons, " | "), it.Error,
			orig, match, from, subject, date, author, lmb, app, created, modified}
		for i, c := range row {
			row[i] = csvSafe(c)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
