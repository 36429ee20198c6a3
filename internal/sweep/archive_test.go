package sweep

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
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// The archives are those of internal/archive/testdata: plain.7z holds
// invoice.pdf.exe and docs/report.txt ("hello report\n");
// enc_names_visible.7z the same behind a password; enc_headers.7z with the
// names encrypted too; solid.7z adds holiday.pdf and img1.jpg in one solid
// block; sample.rar holds docs/invoice.js ("WScript.Shell") and an
// encrypted payload.exe; joliet.iso.gz is a disk image holding
// "Invoice 2024.lnk".
func TestSweepArchives(t *testing.T) {
	root := t.TempDir()
	for _, n := range []string{"plain.7z", "solid.7z", "enc_names_visible.7z", "enc_headers.7z", "sample.rar"} {
		b, err := os.ReadFile(filepath.Join("..", "archive", "testdata", n))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, n), b)
	}
	// a disk image is recognised at 32 KiB, past the head the sweep keeps
	// of a streamed file
	gz, err := os.ReadFile(filepath.Join("..", "archive", "testdata", "joliet.iso.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	iso, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "image.iso"), iso)
	plain, _ := os.ReadFile(filepath.Join("..", "archive", "testdata", "plain.7z"))
	write(t, filepath.Join(root, "nested.zip"), makeZip(t, [2]string{"in/plain.7z", string(plain)}))
	sum := sha256.Sum256([]byte("hello report\n"))
	js := sha256.Sum256([]byte("WScript.Shell"))
	m := indicator.NewMatcher([]indicator.Indicator{
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", sum), Source: "test"},
		{Type: indicator.SHA256, Value: fmt.Sprintf("%x", js), Source: "test"},
		{Type: indicator.Filename, Value: "payload.exe", Source: "test"},
		{Type: indicator.Filename, Value: "Invoice 2024.lnk", Source: "test"},
	}, indicator.MatcherOptions{})
	var findings, errs []string
	s := New(m, nil, nil, Options{Paths: []string{root}, Threads: 2, Host: "test",
		Limits:    Limits{MaxDepth: 5, MaxExpanded: 4 << 20, MaxRatio: 1000, MaxEntries: 1000},
		Now:       func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) },
		OnFinding: func(f *report.Finding) { findings = append(findings, strings.TrimPrefix(f.Subject.Path, root)) },
		OnError:   func(p string, err error) { errs = append(errs, strings.TrimPrefix(p, root)+": "+err.Error()) },
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	slices.Sort(findings)
	want := []string{
		"/image.iso!Invoice 2024.lnk",
		"/nested.zip!in/plain.7z!docs/report.txt",
		"/plain.7z!docs/report.txt",
		"/sample.rar!docs/invoice.js",
		"/sample.rar!payload.exe", // encrypted: found by its name
		"/solid.7z!docs/report.txt",
	}
	if !slices.Equal(findings, want) {
		t.Errorf("findings\n%q\nwant\n%q", findings, want)
	}
	slices.Sort(errs)
	wantErr := []string{
		"/enc_headers.7z: encrypted archive",
		"/enc_names_visible.7z!docs/report.txt: encrypted entry",
		"/enc_names_visible.7z!invoice.pdf.exe: encrypted entry",
		"/sample.rar!payload.exe: encrypted entry",
	}
	if len(errs) != len(wantErr) {
		t.Fatalf("errors %q, want %d", errs, len(wantErr))
	}
	for i := range errs {
		if !strings.HasPrefix(errs[i], wantErr[i]) {
			t.Errorf("error %q, want %q...", errs[i], wantErr[i])
		}
	}
}

// TestSweepArchiveLimits: a solid 7z whose entries exceed the expansion
// budget ends with a container-limit finding.
func TestSweepArchiveLimits(t *testing.T) {
	root := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "archive", "testdata", "solid.7z"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "solid.7z"), b)
	res := runSweep(t, []string{root}, func(o *Options) { o.Limits.MaxExpanded = 100 })
	if len(res.findings) != 1 || res.findings[0].Match.Value != "container-limit" {
		t.Errorf("findings %v, errors %q; want one container-limit", res.findings, res.errs)
	}
}
