package leak

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

func tarOf(t testing.TB, files [][2]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f[1]))
	}
	tw.Close()
	return b.Bytes()
}

func gz(b []byte) []byte {
	var o bytes.Buffer
	w := gzip.NewWriter(&o)
	w.Write(b)
	w.Close()
	return o.Bytes()
}

func xzOf(t testing.TB, b []byte) []byte {
	var o bytes.Buffer
	w, err := xz.NewWriter(&o)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return o.Bytes()
}

// mboxOf writes n small messages in mbox format.
func mboxOf(n int, subject string) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "From a@en-marche.example Fri May  5 10:00:00 2017\nFrom: A <a@en-marche.example>\nTo: b@en-marche.example\nSubject: %s %d\nDate: Fri, 05 May 2017 10:00:00 +0200\nMessage-ID: <%s%d@en-marche.example>\n\nMessage number %d of the folder.\n\n", subject, i, strings.ReplaceAll(subject, " ", ""), i, i)
	}
	return b.String()
}

// TestLeakContainers: a dump delivered in any container (zip, 7z, tar,
// tar.gz, tar.xz, tar.bz2, nested) is opened and every message in it is
// listed, an mbox larger than the in-memory limit included; an empty
// mbox, a message over the message limit and a file that could not be
// examined all appear with their reason.
func TestLeakContainers(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dump, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mail := "From: Director <director@en-marche.example>\r\nTo: staff@en-marche.example\r\nSubject: Plan\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nThe plan.\r\n"
	inner := tarOf(t, [][2]string{{"mail/plan.eml", mail}, {"mail/Sent.mbox", mboxOf(3, "sent")}})
	write("dump.tar", inner)
	write("dump.tar.gz", gz(inner))
	write("dump.tgz", gz(inner))
	write("dump.tar.xz", xzOf(t, inner))
	if _, err := exec.LookPath("bzip2"); err == nil {
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(inner)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		write("dump.tar.bz2", out)
	} else {
		t.Log("bzip2 not installed: the .tar.bz2 case is skipped")
	}
	sz, err := os.ReadFile(filepath.Join("testdata", "dump.7z")) // 7zz a dump.7z mail/ (budget.eml, Inbox.mbox of 2 messages)
	if err != nil {
		t.Fatal(err)
	}
	write("dump.7z", sz)
	// RAR and ISO through internal/archive (its testdata: sample.rar holds
	// docs/invoice.js and an encrypted payload.exe; plain.iso.gz a
	// gzipped ISO 9660 image holding SUB/README.TXT).
	for _, name := range []string{"sample.rar", "plain.iso.gz"} {
		b, err := os.ReadFile(filepath.Join("..", "archive", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		write(name, b)
	}
	// A zip holding a tar.gz holding a zip; and a large mbox in a zip,
	// over the in-memory member limit.
	nested := zipOf(t, [][2]string{{"inner.tar.gz", string(gz(tarOf(t, [][2]string{{"deep.zip", string(zipOf(t, [][2]string{{"deep.eml", mail}}))}})))}})
	write("nested.zip", nested)
	big := mboxOf(200, "archived")
	write("mailboxes.zip", zipOf(t, [][2]string{{"Archive.mbox", big}}))
	write("empty.mbox", nil)
	huge := "From: Press <press@en-marche.example>\r\nTo: all@en-marche.example\r\nSubject: The huge attachment\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\n" + strings.Repeat("x", 40<<10) + "\r\n"
	write("huge.eml", []byte(huge))
	write("broken.tar.gz", []byte("\x1f\x8b\x08\x00garbage"))

	c := Config{Dump: dump, Limits: DefaultLimits}
	c.Limits.MaxItemSize = 16 << 10    // the 200-message mbox (≈30 KiB) is over it: it is streamed
	c.Limits.MaxMessageSize = 32 << 10 // huge.eml is over it
	rep, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*Item{}
	var paths []string
	for _, it := range rep.Items {
		got[it.Path] = it
		paths = append(paths, it.Path)
	}
	sort.Strings(paths)
	want := map[string]Verdict{
		"dump/dump.7z!mail/budget.eml":                   Unverifiable,
		"dump/dump.7z!mail/Inbox.mbox#2":                 Unverifiable,
		"dump/nested.zip!inner.tar.gz!deep.zip!deep.eml": Unverifiable,
		"dump/mailboxes.zip!Archive.mbox#1":              Unverifiable,
		"dump/mailboxes.zip!Archive.mbox#200":            Unverifiable,
		"dump/empty.mbox":                                Error,
		"dump/huge.eml":                                  Error,
		"dump/broken.tar.gz":                             Error,
		"dump/sample.rar!docs/invoice.js":                Unverifiable,
		"dump/sample.rar!payload.exe":                    Error,
		"dump/plain.iso.gz!plain.iso!SUB/README.TXT":     Unverifiable,
	}
	for _, name := range []string{"dump.tar", "dump.tar.gz", "dump.tgz", "dump.tar.xz", "dump.tar.bz2"} {
		if name == "dump.tar.bz2" && got["dump/dump.tar.bz2!mail/plan.eml"] == nil {
			if _, err := exec.LookPath("bzip2"); err != nil {
				continue
			}
		}
		want["dump/"+name+"!mail/plan.eml"] = Unverifiable
		want["dump/"+name+"!mail/Sent.mbox#3"] = Unverifiable
	}
	for p, v := range want {
		it := got[p]
		if it == nil {
			t.Errorf("%s: missing; items:\n%s", p, strings.Join(paths, "\n"))
			continue
		}
		if it.Verdict != v {
			t.Errorf("%s: verdict %s, want %s: %q", p, it.Verdict, v, it.Reasons)
		}
	}
	n := 0
	for p := range got {
		if strings.HasPrefix(p, "dump/mailboxes.zip!Archive.mbox#") {
			n++
		}
	}
	if n != 200 {
		t.Errorf("%d messages of the archived mbox listed, want 200", n)
	}
	if it := got["dump/empty.mbox"]; it != nil && !strings.Contains(it.Error, "empty mbox") {
		t.Errorf("empty mbox: %q", it.Error)
	}
	if it := got["dump/huge.eml"]; it != nil && (it.Mail == nil || it.Mail.Subject != "The huge attachment" || !strings.Contains(it.Error, "--max-message-size")) {
		t.Errorf("huge message: error %q, mail %+v", it.Error, it.Mail)
	}
	for _, it := range rep.Items {
		if testing.Verbose() && !strings.Contains(it.Path, "Archive.mbox#") {
			t.Logf("%s: %s %s", it.Path, it.Verdict, it.Error)
		}
		if slices.Contains([]string{"zip", "7z", "rar", "iso", "tar", "gzip", "xz", "bzip2"}, it.Format) && it.Verdict != Error {
			t.Errorf("%s: an archive is listed as an item (%s) instead of being opened", it.Path, it.Verdict)
		}
	}
}

// TestLeakLargeMboxMessage: a message over the limit inside an mbox is listed
// with its From and Subject; the messages after it are examined.
func TestLeakLargeMboxMessage(t *testing.T) {
	dump := t.TempDir()
	mb := "From a@x Fri May  5 10:00:00 2017\nFrom: Big <big@en-marche.example>\nSubject: Big one\nDate: Fri, 05 May 2017 10:00:00 +0200\n\n" + strings.Repeat("y\n", 8000) + "\n" + mboxOf(2, "after")
	os.WriteFile(filepath.Join(dump, "in.mbox"), []byte(mb), 0o644)
	c := Config{Dump: dump, Limits: DefaultLimits}
	c.Limits.MaxMessageSize = 4 << 10
	rep, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Items) != 3 {
		t.Fatalf("%d items", len(rep.Items))
	}
	it := rep.Items[0]
	if it.Verdict != Error || it.Mail == nil || it.Mail.From != "Big <big@en-marche.example>" || it.Mail.Subject != "Big one" {
		t.Errorf("first: %s %+v %q", it.Verdict, it.Mail, it.Error)
	}
	if rep.Items[2].Verdict != Unverifiable {
		t.Errorf("last: %s %q", rep.Items[2].Verdict, rep.Items[2].Reasons)
	}
}
