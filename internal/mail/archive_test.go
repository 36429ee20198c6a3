package mail

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

// The archives are those of internal/archive/testdata (see its tests):
// plain.7z holds invoice.pdf.exe (an "MZ" stub) and docs/report.txt;
// enc_names_visible.7z the same behind a password; enc_headers.7z the same
// with the names encrypted too; photos.7z and photos.rar holiday.pdf and
// img1.jpg; sample.rar docs/invoice.js and an encrypted payload.exe;
// joliet.iso.gz "Invoice 2024.lnk" and sub/readme.txt.
func archiveTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "archive", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// udfOnly is a disk image with a UDF volume recognition sequence and no
// ISO 9660 volume, as some tools write them.
func udfOnly() []byte {
	img := make([]byte, 20*2048)
	for i, id := range []string{"BEA01", "NSR02", "TEA01"} {
		copy(img[(16+i)*2048+1:], id)
	}
	return img
}

// mzScanner stands for the YARA engine: it matches programs ("MZ") and
// records the names it was asked to scan.
type mzScanner struct {
	scanned []string
	quiet   bool // records nothing (fuzzing)
}

func (s *mzScanner) ScanAttachment(_ context.Context, name string, data []byte) ([]ScanMatch, error) {
	if !s.quiet {
		s.scanned = append(s.scanned, name)
	}
	if bytes.HasPrefix(data, []byte("MZ")) {
		return []ScanMatch{{Rule: "test_pe_in_mail", Source: "test"}}, nil
	}
	return nil, nil
}

func TestArchiveAttachments(t *testing.T) {
	seven := archiveTestdata(t, "plain.7z")
	tests := []struct {
		name    string
		att     tatt
		want    Verdict // the minimum verdict; Clean means at most Suspicious here
		checks  []string
		none    []string
		textHas map[string]string // check -> words its text must hold
		scanned []string          // entries the scanner must have seen
		legit   bool              // a legitimate archive: exactly clean
	}{
		{name: "7z with invoice.pdf.exe", att: tatt{name: "facture.7z", data: seven}, want: Malicious,
			checks:  []string{"executable", "double-extension", "rule:test_pe_in_mail"},
			none:    []string{"opaque-archive", "broken-archive"},
			textHas: map[string]string{"executable": "invoice.pdf.exe"},
			scanned: []string{"facture.7z!invoice.pdf.exe", "facture.7z!docs/report.txt"}},
		{name: "password-protected 7z, names visible", att: tatt{name: "facture.7z", data: archiveTestdata(t, "enc_names_visible.7z")}, want: Malicious,
			checks: []string{"encrypted-archive", "executable"}, textHas: map[string]string{"executable": "invoice.pdf.exe"}},
		{name: "7z with encrypted names", att: tatt{name: "facture.7z", data: archiveTestdata(t, "enc_headers.7z")}, want: Suspicious,
			checks: []string{"encrypted-archive"}, textHas: map[string]string{"encrypted-archive": "names"}},
		{name: "ISO with a shortcut", att: tatt{name: "Invoice.iso", data: archiveTestdata(t, "joliet.iso.gz")}, want: Malicious,
			checks:  []string{"disk-image", "executable", "rule:test_pe_in_mail"},
			textHas: map[string]string{"disk-image": "Invoice 2024.lnk"},
			scanned: []string{"Invoice.iso!Invoice 2024.lnk", "Invoice.iso!sub/readme.txt"}},
		{name: "UDF-only disk image", att: tatt{name: "scan.iso", data: udfOnly()}, want: Malicious,
			checks: []string{"disk-image", "opaque-archive"}, textHas: map[string]string{"opaque-archive": "UDF"}},
		{name: "RAR with a script", att: tatt{name: "docs.rar", data: archiveTestdata(t, "sample.rar")}, want: Malicious,
			checks:  []string{"executable", "encrypted-archive"},
			textHas: map[string]string{"executable": "invoice.js"},
			scanned: []string{"docs.rar!docs/invoice.js"}},
		{name: "RAR with encrypted names", att: tatt{name: "docs.rar", data: archiveTestdata(t, "enc_headers.rar")}, want: Suspicious,
			checks: []string{"encrypted-archive"}},
		{name: "7z inside a zip", att: tatt{name: "archive.zip", data: zipOf(t, map[string]string{"inner.7z": string(seven)})}, want: Malicious,
			checks: []string{"executable"}, scanned: []string{"archive.zip!inner.7z!invoice.pdf.exe"}},
		{name: "damaged 7z", att: tatt{name: "facture.7z", data: seven[:120]}, want: Clean,
			checks: []string{"broken-archive"}},
		{name: "legitimate: 7z of photos and a PDF", att: tatt{name: "photos.7z", data: archiveTestdata(t, "photos.7z")}, want: Clean,
			none: []string{"executable", "double-extension", "encrypted-archive", "broken-archive", "opaque-archive"}, legit: true,
			scanned: []string{"photos.7z!holiday.pdf", "photos.7z!img1.jpg"}},
		{name: "legitimate: RAR of photos and a PDF", att: tatt{name: "photos.rar", data: archiveTestdata(t, "photos.rar")}, want: Clean,
			none: []string{"executable", "double-extension", "encrypted-archive", "broken-archive", "opaque-archive"}, legit: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := &mzScanner{}
			a := testAnalyzer(t, Options{Scanners: []AttachmentScanner{sc}})
			r := a.Analyze(context.Background(), "archive.eml", tmsg{from: "Camille Martin <camille.martin@en-marche.fr>",
				subject: "Documents", text: "Voici les documents.", atts: []tatt{tt.att}}.bytes(), nil)
			if tt.want == Clean && rank(r.Verdict) >= rank(Phishing) || rank(r.Verdict) < rank(tt.want) {
				t.Errorf("verdict %s (score %.1f), want %s; reasons:\n%s", r.Verdict, r.Score, tt.want, dumpReasons(r))
			}
			for _, c := range tt.checks {
				if !r.has(c) {
					t.Errorf("check %s did not fire; reasons:\n%s", c, dumpReasons(r))
				}
			}
			for _, c := range tt.none {
				if r.has(c) {
					t.Errorf("check %s fired; reasons:\n%s", c, dumpReasons(r))
				}
			}
			for c, words := range tt.textHas {
				for _, x := range r.Reasons {
					if x.Check == c && !strings.Contains(x.Text, words) {
						t.Errorf("%s says %q, without %q", c, x.Text, words)
					}
				}
			}
			for _, n := range tt.scanned {
				if !slices.Contains(sc.scanned, n) {
					t.Errorf("the scanner did not see %s (saw %q)", n, sc.scanned)
				}
			}
			if tt.legit && r.Verdict != Clean {
				t.Errorf("verdict %s (score %.1f) for a legitimate archive; reasons:\n%s", r.Verdict, r.Score, dumpReasons(r))
			}
		})
	}
}

// TestArchiveEntryIndicator: a known-bad file inside a 7z, RAR or ISO is
// found by its hash.
func TestArchiveEntryIndicator(t *testing.T) {
	sum := sha256.Sum256([]byte("hello report\n")) // docs/report.txt of plain.7z
	jpg := sha256.Sum256([]byte("\xff\xd8\xff\xe0 JFIF"))
	lnk := sha256.Sum256([]byte("MZ" + strings.Repeat("0", 100))) // "Invoice 2024.lnk"
	m := indicator.NewMatcher([]indicator.Indicator{
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", sum), Source: "agency"},
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", jpg), Source: "agency"},
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", lnk), Source: "agency"},
	}, indicator.MatcherOptions{})
	a := testAnalyzer(t, Options{Indicators: m})
	for _, att := range []tatt{
		{name: "docs.7z", data: archiveTestdata(t, "plain.7z")},
		{name: "photos.rar", data: archiveTestdata(t, "photos.rar")},
		{name: "image.iso", data: archiveTestdata(t, "joliet.iso.gz")},
	} {
		r := a.Analyze(context.Background(), "ioc.eml", tmsg{from: "A <a@example.org>", subject: "x", text: "x", atts: []tatt{att}}.bytes(), nil)
		if !r.has("indicator-hash") || r.Verdict != Malicious {
			t.Errorf("%s: verdict %s, reasons:\n%s", att.name, r.Verdict, dumpReasons(r))
		}
	}
}

// FuzzArchiveAttachment mails mutated 7z, RAR and ISO files: the analysis
// ends with a verdict, never a panic.
func FuzzArchiveAttachment(f *testing.F) {
	for _, n := range []string{"plain.7z", "enc_names_visible.7z", "enc_headers.7z", "sample.rar", "photos.rar", "enc_headers.rar"} {
		f.Add(archiveTestdata(f, n))
	}
	f.Add(bytes.TrimRight(archiveTestdata(f, "joliet.iso.gz"), "\x00"))
	f.Add(zipOf(f, map[string]string{"inner.7z": string(archiveTestdata(f, "plain.7z"))}))
	a := testAnalyzer(f, Options{Scanners: []AttachmentScanner{&mzScanner{quiet: true}}})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := a.Analyze(context.Background(), "fuzz.eml", tmsg{from: "A <a@example.org>", subject: "x", text: "x",
			atts: []tatt{{name: "file.7z", data: data}}}.bytes(), nil)
		if r.Verdict == "" {
			t.Fatalf("no verdict")
		}
	})
}
