// Package casetest makes a small leak for the tests of the hub's leak
// cases: three messages of a party whose mail is DKIM-signed (one genuine,
// one altered after signing, one unsigned), the archive of the signing
// key, and a genuine message that is not in the dump, for the public
// lookup's fresh verdict.
package casetest

import (
	"bytes"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// Dump is a small leak on disk.
type Dump struct {
	// Dir holds dump/ and keys.zone; Dump is Dir/dump; Keys the DKIM key
	// archive.
	Dir, Dump, Keys string
	// Genuine is the raw signed message that is in the dump
	// (dump/mail/01-genuine.eml, Message-ID GenuineID); Outside one signed
	// with the same key that is not.
	Genuine, Outside []byte
	GenuineID        string
}

func mail(from, subject, msgid, body string) string {
	return "From: " + from + "\r\nTo: Team <team@en-marche.example>\r\nSubject: " + subject + "\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\nMessage-ID: <" + msgid + ">\r\n\r\n" + body
}

// New writes the dump in a temporary directory.
func New(t testing.TB) *Dump {
	t.Helper()
	d := &Dump{Dir: t.TempDir(), GenuineID: "m1@en-marche.example"}
	d.Dump, d.Keys = filepath.Join(d.Dir, "dump"), filepath.Join(d.Dir, "keys.zone")
	if err := os.MkdirAll(filepath.Join(d.Dump, "mail"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(p string, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
	rec, err := dkim.KeyRecord(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	write(d.Keys, []byte("; archived DKIM keys of en-marche.example\ns2017._domainkey.en-marche.example. IN TXT \""+rec+"\" ; valid 2016-01-01..2017-12-31\n"))
	sign := func(msg string) []byte {
		sig, err := dkim.Sign([]byte(msg), dkim.SignOptions{Domain: "en-marche.example", Selector: "s2017", Signer: key, Time: time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		return append(sig, msg...)
	}
	d.Genuine = sign(mail("Treasurer <treasurer@en-marche.example>", "Budget second round", d.GenuineID, "The budget is attached to the shared folder.\r\nPlease review before Thursday.\r\n"))
	write(filepath.Join(d.Dump, "mail", "01-genuine.eml"), d.Genuine)
	tampered := strings.Replace(string(d.Genuine), "before Thursday", "and wire the funds offshore before Thursday", 1)
	write(filepath.Join(d.Dump, "mail", "02-tampered.eml"), []byte(tampered))
	write(filepath.Join(d.Dump, "mail", "03-unsigned.eml"), []byte(mail("Volunteer <vol@gmail.example>", "Posters", "m3@gmail.example", "Posters are ready.\r\n")))
	d.Outside = sign(mail("Director <director@en-marche.example>", "Meeting", "m9@en-marche.example", "Meeting moved to 18:00.\r\n"))
	return d
}
