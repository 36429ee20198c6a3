package leak

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/leak/msg/msgtest"
)

func TestSplitMbox(t *testing.T) {
	in := "From a@b Mon Jan  1 00:00:00 2017\nSubject: one\n\nbody\nFrom inside a line is not a separator\n\n" +
		"From c@d Mon Jan  1 00:00:00 2017\nSubject: two\n\n>From quoted\n"
	var msgs []string
	err := splitMbox(strings.NewReader(in), 1<<20, func(n int, off int64, msg []byte, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, string(msg))
		return nil
	})
	if err != nil || len(msgs) != 2 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	if !strings.HasSuffix(msgs[0], "separator\n") || !strings.Contains(msgs[1], ">From quoted") {
		t.Fatalf("messages: %q", msgs)
	}
	// Too big: reported, and the next message is still read.
	big := "From x\n" + strings.Repeat("a", 100) + "\n\nFrom y\nSubject: s\n\nok\n"
	var errs, ok int
	splitMbox(strings.NewReader(big), 50, func(n int, off int64, msg []byte, err error) error {
		if err != nil {
			errs++
		} else {
			ok++
		}
		return nil
	})
	if errs != 1 || ok != 1 {
		t.Fatalf("errs %d ok %d", errs, ok)
	}
	if err := splitMbox(strings.NewReader("Subject: x\n\nnot mbox"), 100, func(int, int64, []byte, error) error { return nil }); err == nil {
		t.Fatal("non-mbox accepted")
	}
}

func FuzzSplitMbox(f *testing.F) {
	f.Add([]byte("From a\nSubject: x\n\nbody\n\nFrom b\n\n"))
	f.Add([]byte("\n\nFrom a\r\n\r\nFrom b\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		total := 0
		splitMbox(bytes.NewReader(data), 1<<10, func(n int, off int64, msg []byte, err error) error {
			if err == nil && len(msg) > 1<<10 {
				t.Fatalf("message of %d bytes over the limit", len(msg))
			}
			total += len(msg)
			return nil
		})
		if total > len(data) {
			t.Fatalf("messages hold %d bytes, input %d", total, len(data))
		}
	})
}

// FuzzAnalyse feeds arbitrary bytes as a mail, a document and a zip
// archive member: every input must end in an item with a verdict or an
// error, never a panic.
func FuzzAnalyse(f *testing.F) {
	f.Add("eml", []byte("From: a@b\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n\r\nhi\r\n"))
	f.Add("docx", zipOf(f, [][2]string{{"word/document.xml", "<w:document><w:p><w:t>x</w:t></w:p></w:document>"}}))
	f.Add("odt", zipOf(f, [][2]string{{"content.xml", "<text:p>x</text:p>"}}))
	f.Add("msg", msgtest.Build("From: a@b\r\nDKIM-Signature: v=1; d=x; s=y\r\n", "s", "body"))
	f.Add("eml", []byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Disposition: attachment; filename=a.docx\r\n\r\nPK\x03\x04\r\n--b--\r\n"))
	f.Add("zip", zipOf(f, [][2]string{{"a.eml", "From: a\r\n\r\n"}, {"b.mbox", "From x\n\n"}}))
	f.Fuzz(func(t *testing.T, format string, data []byte) {
		c := &Config{Limits: DefaultLimits}
		c.Limits.MaxItemSize = 1 << 20
		switch format {
		case "zip":
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				return
			}
			w := &walker{ctx: context.Background(), lim: c.Limits, emit: func(e entry) error {
				a := c.analyse(context.Background(), e)
				if a.item.Verdict == "" && a.item.Kind != KindDocument && a.item.Kind != KindOther {
					t.Fatalf("%s: no verdict", e.Path)
				}
				return nil
			}}
			budget := int64(8 << 20)
			w.zip("fuzz.zip", zr, 1, &budget)
		default:
			a := c.analyse(context.Background(), entry{Path: "fuzz." + format, Format: formatOf("fuzz."+format, data), Data: data, Size: int64(len(data))})
			if a.item.Kind == KindMail && a.item.Verdict == "" {
				t.Fatal("mail without verdict")
			}
			for _, ae := range a.attached {
				c.analyse(context.Background(), ae)
			}
		}
	})
}

// FuzzContainer feeds any bytes to the walker as an archive member: tar,
// gzip, xz, bzip2, 7-Zip, zip and mbox content is sniffed and expanded
// within the limits; nothing panics and every entry gets a verdict.
func FuzzContainer(f *testing.F) {
	f.Add([]byte(mboxOf(2, "seed")))
	f.Add(tarOf(f, [][2]string{{"a.eml", "From: a\r\n\r\nx\r\n"}, {"b.mbox", mboxOf(1, "x")}}))
	f.Add(gz(tarOf(f, [][2]string{{"c.eml", "From: a\r\n\r\nx\r\n"}})))
	f.Add(xzOf(f, []byte("From: a\r\n\r\nx\r\n")))
	f.Add(zipOf(f, [][2]string{{"in.tar.gz", string(gz(tarOf(f, [][2]string{{"d.eml", "From: a\r\n\r\n"}})))}}))
	if sz, err := os.ReadFile(filepath.Join("testdata", "dump.7z")); err == nil {
		f.Add(sz)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Config{Limits: DefaultLimits}
		c.Limits.MaxItemSize, c.Limits.MaxArchiveSize = 1<<20, 8<<20
		w := &walker{ctx: context.Background(), lim: c.Limits, emit: func(e entry) error {
			a := c.analyse(context.Background(), e)
			if a.item.Verdict == "" && a.item.Kind != KindDocument && a.item.Kind != KindOther {
				t.Fatalf("%s: no verdict", e.Path)
			}
			return nil
		}}
		budget := c.Limits.MaxArchiveSize
		if err := w.inner("fuzz.bin", time.Time{}, int64(len(data)), bytes.NewReader(data), 1, &budget); err != nil {
			t.Fatal(err)
		}
	})
}

// TestLeakOutlookBanner: Outlook's transport headers often start with its own
// banner line; the message rebuilt from them is still examined as mail.
func TestLeakOutlookBanner(t *testing.T) {
	hdr := "Microsoft Mail Internet Headers Version 2.0\r\nFrom: Press <press@en-marche.example>\r\nSubject: Banner\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\n"
	c := &Config{Limits: DefaultLimits}
	a := c.analyse(context.Background(), entry{Path: "x.msg", Format: "msg", Data: msgtest.Build(hdr, "Banner", "Body.\r\n")})
	if a.item.Kind != KindMail || a.item.Mail == nil || a.item.Verdict == Error {
		t.Fatalf("verdict %s, error %q, reasons %q", a.item.Verdict, a.item.Error, a.item.Reasons)
	}
}
