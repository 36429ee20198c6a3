package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// The printable report as PDF: the report page is rendered to a file with
// its stylesheet and printed by headless Chromium (--print-to-pdf), when
// the hub's machine has it. Without Chromium the HTML report prints well
// from any browser.

// pdfTimeout bounds one print; pdfSlots how many run at once.
const pdfTimeout = 60 * time.Second

var pdfSlots = make(chan struct{}, 2)

// chromiumPath finds a Chromium the hub may use ("" when there is none).
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// renderTo writes a page to w in its language, without HTTP headers.
func (u *UI) renderTo(w io.Writer, name string, pg page) error {
	t := u.pages[name]
	if pg.Lang == langFR {
		t = u.pagesFR[name]
		pg.Title = u.cat.message(pg.Title)
	} else {
		pg.Lang = langEN
	}
	return t.ExecuteTemplate(w, name+".html", pg)
}

// printPDF prints an HTML page and its stylesheet (assess.css beside it)
// with headless Chromium and returns the PDF.
func printPDF(ctx context.Context, chromium string, html []byte) ([]byte, error) {
	select {
	case pdfSlots <- struct{}{}:
		defer func() { <-pdfSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	dir, err := os.MkdirTemp("", "vigie-report-")
	if err != nil {
		return nil, fmt.Errorf("report PDF: %w", err)
	}
	defer os.RemoveAll(dir)
	css, err := staticFS.ReadFile("static/assess.css")
	if err != nil {
		return nil, fmt.Errorf("report PDF: %w", err)
	}
	page, out := filepath.Join(dir, "report.html"), filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(page, html, 0o600); err != nil {
		return nil, fmt.Errorf("report PDF: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "assess.css"), css, 0o600); err != nil {
		return nil, fmt.Errorf("report PDF: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	args := []string{"--headless", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-sync",
		"--disable-background-networking", "--disable-component-update", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--no-pdf-header-footer", "--print-to-pdf=" + out}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // Chromium refuses to start as root otherwise
	}
	cmd := exec.CommandContext(ctx, chromium, append(args, "file://"+filepath.ToSlash(page))...)
	cmd.WaitDelay = 5 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 500 {
			msg = msg[len(msg)-500:]
		}
		return nil, fmt.Errorf("report PDF: %s: %w: %s", chromium, err, msg)
	}
	pdf, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("report PDF: %s wrote no PDF: %w", chromium, err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, fmt.Errorf("report PDF: %s wrote something that is not a PDF", chromium)
	}
	return pdf, nil
}

// assessPDF serves a party's report as PDF.
func (u *UI) assessPDF(w http.ResponseWriter, r *http.Request, q *req) {
	chromium := chromiumPath()
	if chromium == "" {
		u.httpError(w, r, "This hub has no Chromium to make PDFs: open the printable report and print it from your browser (Save as PDF).", http.StatusNotImplemented)
		return
	}
	d, ok := u.loadAssessment(w, r, q, false)
	if !ok {
		return
	}
	d.CSS, d.Printed = "assess.css", u.now()
	var html bytes.Buffer
	if err := u.renderTo(&html, "assess_report", q.page("Risk assessment report", "assessment", d)); err != nil {
		u.fail(w, q, err)
		return
	}
	pdf, err := printPDF(r.Context(), chromium, html.Bytes())
	if err != nil {
		u.fail(w, q, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="assessment-%d-%s.pdf"`, d.Org.ID, d.A.Result.ComputedAt.UTC().Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
}
