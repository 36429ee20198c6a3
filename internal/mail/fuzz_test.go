package mail

import (
	"bytes"
	"context"
	"testing"
)

// FuzzAnalyze runs the whole analyzer on arbitrary input: it must return a
// verdict, within bounds, for anything.
func FuzzAnalyze(f *testing.F) {
	f.Add(tmsg{from: "Google <no-reply@accounts.googlemail.com>", subject: "*Someone has your password*", html: podestaHTML}.bytes())
	f.Add(tmsg{from: "a@b.example", subject: "x", text: "https://xn--ggle-55da.com/ http://203.0.113.1/", atts: []tatt{{name: "a.zip", data: []byte("PK\x03\x04garbage")}}}.bytes())
	f.Add([]byte("From: \"x, <y@z>\r\nSubject: =?utf-8?b?w6k?=\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n"))
	f.Add(tmsg{from: "c@en-marche.fr", subject: "Fw: hello", text: "____________\nDe: \"Mr. X\" <x1@gmail.com>\n\nWrite me to y2@gmail.com .\nGоod аfterпоon"}.bytes())
	f.Add(tmsg{from: "DETRAN <a@detran>", subject: "Multa", html: `<a href="https://h.example/wp-content/themes/x/y.php?e=a@b">pay</a>`, headers: []string{"Return-Path: <root@localhost>"}}.bytes())
	a, err := New(Options{OwnDomains: []string{"en-marche.fr"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := a.Analyze(context.Background(), "fuzz", raw, nil)
		if r.Verdict == "" {
			t.Fatal("no verdict")
		}
		_ = r.Findings("h")
		var b bytes.Buffer
		if err := WriteJSON(&b, r); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzReadStream: the mailbox splitter on arbitrary input never loses
// bytes silently nor fails.
func FuzzReadStream(f *testing.F) {
	f.Add([]byte("From a@b Mon Jan 1 00:00:00 2024\nSubject: 1\n\n>From here\n\nFrom c@d Mon Jan 1 00:00:00 2024\nSubject: 2\n\nx\n"))
	f.Add([]byte("\x01\x01\x01\x01\nSubject: a\n\nb\n\x01\x01\x01\x01\n\x01\x01\x01\x01\nSubject: c\n\n\x01\x01\x01\x01\n"))
	f.Add([]byte("Subject: single\n\nbody"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		n := 0
		err := readStream("fuzz", bytes.NewReader(raw), ReadOptions{MaxMessageBytes: 4096}, func(it Item) error {
			n++
			if len(it.Raw) > 4096 {
				t.Fatalf("item of %d bytes beyond the limit", len(it.Raw))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
