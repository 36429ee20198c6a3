package leak

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"mime/quotedprintable"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/mailauth/dkim"
)

// Keys of the verdict dump, generated once per test binary.
var (
	vkOnce           sync.Once
	vkParty, vkForge *rsa.PrivateKey
	vkProvider       ed25519.PrivateKey
)

func verdictKeys() {
	vkOnce.Do(func() {
		var err error
		if vkParty, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
		if vkForge, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
		vkProvider = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize))
	})
}

// verdictCase is one message of the verdict dump: its file name in the
// dump, the party's copy (empty: none), and the verdicts expected with
// the keys only and with the originals, with a phrase the reasons must
// hold (and one they must not).
type verdictCase struct {
	name, leaked, party string
	keysOnly, withOrig  Verdict
	says, never         string
	saysOrig            string
}

// buildVerdictDump writes a dump of the cases the leak authenticator must
// not get wrong, signed like real providers sign: en-marche.example signs
// with RSA, relaxed/relaxed and the usual h= list (no Cc); the provider
// mail.example signs with Ed25519, l= and simple body canonicalization;
// a relay in between adds Received fields.
func buildVerdictDump(t *testing.T) (dump, party, keys string, cases []verdictCase) {
	t.Helper()
	verdictKeys()
	dir := t.TempDir()
	dump, party, keys = filepath.Join(dir, "dump"), filepath.Join(dir, "party"), filepath.Join(dir, "keys.zone")
	os.MkdirAll(dump, 0o755)
	os.MkdirAll(party, 0o755)
	rec1, _ := dkim.KeyRecord(vkParty.Public())
	rec2, _ := dkim.KeyRecord(vkProvider.Public())
	os.WriteFile(keys, []byte("s2017._domainkey.en-marche.example. IN TXT \""+rec1+"\" ; valid 2016-01-01..2017-12-31\n"+
		"mx._domainkey.mail.example. IN TXT \""+rec2+"\" ; valid 2016-01-01..2017-12-31\n"), 0o644)
	at := time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC)
	partyHeaders := []string{"from", "to", "subject", "date", "message-id", "mime-version", "content-type", "from"}
	signParty := func(msg string, key *rsa.PrivateKey, o dkim.SignOptions) string {
		o.Domain, o.Selector, o.Signer, o.Time = "en-marche.example", "s2017", key, at
		if o.Headers == nil {
			o.Headers = partyHeaders
		}
		sig, err := dkim.Sign([]byte(msg), o)
		if err != nil {
			t.Fatal(err)
		}
		return string(sig) + msg
	}
	signProvider := func(msg string, o dkim.SignOptions) string {
		o.Domain, o.Selector, o.Signer, o.Time = "mail.example", "mx", vkProvider, at
		o.BodyCanon = dkim.Simple
		sig, err := dkim.Sign([]byte(msg), o)
		if err != nil {
			t.Fatal(err)
		}
		return string(sig) + msg
	}
	received := "Received: from mx1.en-marche.example (mx1.en-marche.example [192.0.2.10]) by mx.example.net; Fri, 05 May 2017 10:00:05 +0200\r\n"
	msg := func(from, to, subject, id, extra, body string) string {
		return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\nMessage-ID: <" + id + ">\r\n" + extra +
			"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body
	}
	add := func(c verdictCase) { cases = append(cases, c) }
	write := func(root, name, content string) {
		p := filepath.Join(root, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The domain's everyday mail: 25 relayed, signed messages. They
	// establish its signing practice in the dump.
	for i := range 25 {
		m := received + signParty(msg("Staff <staff@en-marche.example>", "press@journal.example", fmt.Sprintf("Agenda %d", i), fmt.Sprintf("day%d@en-marche.example", i), "", fmt.Sprintf("Agenda for day %d of the campaign.\r\n", i)), vkParty, dkim.SignOptions{})
		add(verdictCase{name: fmt.Sprintf("inbox/day%02d.eml", i), leaked: m, party: m, keysOnly: Authentic, withOrig: Authentic, never: "caveat"})
	}
	clean := msg("Treasurer <treasurer@en-marche.example>", "director@en-marche.example", "Budget", "budget@en-marche.example", "Cc: board@en-marche.example\r\n", "The budget is in the shared folder.\r\nPlease review it before Thursday.\r\n")
	signed := received + signParty(clean, vkParty, dkim.SignOptions{})

	// Unsigned header fields changed: Cc is not in h=.
	add(verdictCase{name: "inbox/cc-changed.eml", leaked: strings.Replace(signed, "Cc: board@", "Cc: donors@cayman.example, board@", 1), party: signed,
		keysOnly: AuthenticWithCaveats, withOrig: Altered, says: "Cc (not signed) is not covered", saysOrig: "Cc, which the signature does not cover, was changed"})
	// Subject not in h= (a provider that signs only From and Date), prepended.
	thin := received + signParty(clean, vkParty, dkim.SignOptions{Headers: []string{"from", "date", "message-id", "from"}})
	add(verdictCase{name: "inbox/subject-prepended.eml", leaked: strings.Replace(thin, "Subject: Budget", "Subject: URGENT cash transfer - Budget", 1), party: thin,
		keysOnly: AuthenticWithCaveats, withOrig: Altered, says: "Subject (not signed)", saysOrig: "Subject"})
	add(verdictCase{name: "inbox/to-changed.eml", leaked: strings.Replace(thin, "To: director@", "To: minister@", 1), party: thin,
		keysOnly: AuthenticWithCaveats, withOrig: Altered, says: "To (not signed)", saysOrig: "To, which the signature does not cover"})
	// A second Subject added above the signed one (Subject not over-signed).
	add(verdictCase{name: "inbox/subject-added.eml", leaked: "Subject: Transfer the funds tonight\r\n" + signed, party: signed,
		keysOnly: Altered, withOrig: Altered, says: "a Subject field was added above the signed one after signing"})
	// Text appended after l=.
	lsigned := received + signProvider(clean, dkim.SignOptions{BodyLength: true})
	add(verdictCase{name: "inbox/l-appended.eml", leaked: lsigned + "P.S. Destroy this after reading.\r\n", party: lsigned,
		keysOnly: Altered, withOrig: Altered, says: "34 bytes were appended to the body after the signed length"})
	// Two signatures: the party's (no l=) fails on its body hash, the
	// provider's l= one passes.
	two := received + signProvider(signParty(clean, vkParty, dkim.SignOptions{}), dkim.SignOptions{BodyLength: true})
	add(verdictCase{name: "inbox/two-sigs-appended.eml", leaked: two + "P.S. Destroy this after reading.\r\n", party: two,
		keysOnly: Altered, withOrig: Altered, says: "34 bytes were appended", never: "tolerates"})
	// Two signatures: the provider's covers From and Date only and passes;
	// the party's covers Subject and fails over its header fields while
	// its body hash matches: the Subject was changed.
	twoHdr := received + signProvider(signParty(clean, vkParty, dkim.SignOptions{}), dkim.SignOptions{Headers: []string{"from", "date", "message-id"}})
	add(verdictCase{name: "inbox/two-sigs-subject.eml", leaked: strings.Replace(twoHdr, "Subject: Budget", "Subject: Bribes", 1), party: twoHdr,
		keysOnly: Altered, withOrig: Altered, says: "covers To, Subject, which the valid signature #0 does not", never: "tolerates"})
	// A forger's key under the real selector.
	forged := received + signParty(msg("Treasurer <treasurer@en-marche.example>", "director@en-marche.example", "Offshore", "forged@en-marche.example", "", "Wire the money to the Cayman account.\r\n"), vkForge, dkim.SignOptions{})
	add(verdictCase{name: "inbox/forged-key.eml", leaked: forged, keysOnly: Forged, withOrig: Forged, says: "made with another key than the archived key"})
	// Unsigned, relayed, claiming the domain that signs all its mail.
	add(verdictCase{name: "inbox/unsigned-claim.eml", leaked: received + msg("Director <director@en-marche.example>", "press@journal.example", "Confession", "confession@en-marche.example", "", "We took the money.\r\n"),
		keysOnly: Forged, withOrig: Forged, says: "relayed messages it sent in this dump on 2017-05-05", never: "nothing can be proven"})
	// Signed by the domain with a selector whose key nobody archived: not
	// evidence of anything, even though the domain signs all its mail.
	rotated := received + func() string {
		o := dkim.SignOptions{Domain: "en-marche.example", Selector: "s2018", Signer: vkParty, Time: at, Headers: partyHeaders}
		m := msg("Director <director@en-marche.example>", "press@journal.example", "Rotated", "rotated@en-marche.example", "", "Signed with a key the archive lacks.\r\n")
		sig, err := dkim.Sign([]byte(m), o)
		if err != nil {
			t.Fatal(err)
		}
		return string(sig) + m
	}()
	add(verdictCase{name: "inbox/unknown-selector.eml", leaked: rotated, keysOnly: Unverifiable, withOrig: Unverifiable, says: "no key"})
	// The same, but a copy from the sender's Sent folder: never signed.
	add(verdictCase{name: "sent/unsigned-sent.eml", leaked: msg("Director <director@en-marche.example>", "press@journal.example", "Thanks", "thanks@en-marche.example", "", "Thank you for the interview.\r\n"),
		keysOnly: Unverifiable, withOrig: Unverifiable})
	// A swapped attachment.
	mixed := func(att string) string {
		return "From: Treasurer <treasurer@en-marche.example>\r\nTo: director@en-marche.example\r\nSubject: Accounts\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\nMessage-ID: <accounts@en-marche.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nThe accounts are attached.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"accounts.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
			base64.StdEncoding.EncodeToString([]byte(att)) + "\r\n--b--\r\n"
	}
	origMixed := received + signParty(mixed("%PDF-1.4 genuine accounts"), vkParty, dkim.SignOptions{})
	swapped := strings.Replace(origMixed, base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 genuine accounts")), base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 forged accounts!!")), 1)
	add(verdictCase{name: "inbox/swapped-attachment.eml", leaked: swapped, party: origMixed, keysOnly: Altered, withOrig: Altered,
		saysOrig: `attachment "accounts.pdf" replaced`, never: "same body text"})
	// Whitespace only, under simple body canonicalization: trailing spaces.
	simple := received + signParty(clean, vkParty, dkim.SignOptions{BodyCanon: dkim.Simple})
	add(verdictCase{name: "inbox/trailing-spaces.eml", leaked: strings.Replace(simple, "shared folder.\r\n", "shared folder.  \r\n", 1), party: simple,
		keysOnly: Reformatted, withOrig: Reformatted, says: "matches once spaces and tabs at line ends are removed", saysOrig: "matches once spaces and tabs at line ends are removed"})
	// Re-encoded by a relay: 8bit to quoted-printable.
	accents := "From: Trésorier <treasurer@en-marche.example>\r\nTo: director@en-marche.example\r\nSubject: Réunion\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\nMessage-ID: <reunion@en-marche.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
	text := "La réunion est déplacée à jeudi.\r\nMerci de prévenir l'équipe.\r\n"
	orig8 := received + signParty(accents+text, vkParty, dkim.SignOptions{})
	var qp bytes.Buffer
	qw := quotedprintable.NewWriter(&qp)
	qw.Write([]byte(text))
	qw.Close()
	reenc := strings.Replace(orig8, "Content-Transfer-Encoding: 8bit\r\n\r\n"+text, "Content-Transfer-Encoding: quoted-printable\r\n\r\n"+qp.String(), 1)
	add(verdictCase{name: "inbox/reencoded.eml", leaked: reenc, party: orig8, keysOnly: Reformatted, withOrig: Reformatted, says: "decoded from quoted-printable", saysOrig: "decoded from quoted-printable"})
	// A re-wrapped line under relaxed canonicalization: no hash can undo
	// it; the party's copy shows the words are the same.
	rewrapped := strings.Replace(signed, "The budget is in the shared folder.\r\nPlease review it before Thursday.", "The budget is in the shared folder. Please\r\nreview it before Thursday.", 1)
	add(verdictCase{name: "inbox/rewrapped.eml", leaked: rewrapped, party: signed, keysOnly: Altered, withOrig: Reformatted, saysOrig: "only line wrapping and whitespace differ"})
	// mbox ">From " quoting: the party keeps it in an mbox, quoted.
	fromLine := received + signParty(msg("Staff <staff@en-marche.example>", "press@journal.example", "Quote", "quote@en-marche.example", "", "Read this:\r\nFrom the start we said so.\r\n"), vkParty, dkim.SignOptions{})
	add(verdictCase{name: "inbox/from-quoting.eml", leaked: fromLine, keysOnly: Authentic, withOrig: Authentic, never: "differs from the party's copy"})
	write(party, "quoted.mbox", "From staff@en-marche.example Fri May  5 10:00:00 2017\n"+strings.ReplaceAll(strings.Replace(fromLine, "\r\nFrom the start", "\r\n>From the start", 1), "\r\n", "\n")+"\n")
	// The last message of a truncated mailbox file: cut inside its
	// attachment, so its body hash fails.
	add(verdictCase{name: "inbox/cut-body.eml", leaked: origMixed[:len(origMixed)-30], keysOnly: Error, withOrig: Error, says: "truncated: the message ends before its closing MIME boundary"})
	// Broken input.
	add(verdictCase{name: "inbox/cut.eml", leaked: "Received: from x\r\nFrom: Director <director@en-marche.example>\r\nSubject: The plan\r\nDate: Fri, 05 May 2017 10:00:00 +0200\r\nMessage-ID: <cut@en-marche", keysOnly: Error, withOrig: Error, says: "truncated"})
	add(verdictCase{name: "inbox/binary.eml", leaked: "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", keysOnly: Error, withOrig: Error, says: "not a message"})

	// A Dovecot Maildir (file names without an extension) and a Gmail
	// Takeout mbox (CRLF line ends, X-GM-THRID) holding copies of the
	// same kinds of messages.
	gmailHdr := "X-GM-THRID: 1566281774129\r\nX-Gmail-Labels: Inbox\r\n"
	maildirClean := "Return-Path: <staff@en-marche.example>\r\nDelivered-To: press@journal.example\r\n" + received + signParty(msg("Staff <staff@en-marche.example>", "press@journal.example", "Maildir", "maildir@en-marche.example", "", "Kept by Dovecot.\r\n"), vkParty, dkim.SignOptions{})
	add(verdictCase{name: "Maildir/cur/1493971200.M1P2.mx1,S=900:2,S", leaked: maildirClean, party: maildirClean, keysOnly: Authentic, withOrig: Authentic})
	maildirTampered := strings.Replace(maildirClean, "Kept by Dovecot.", "Kept by Dovecot. Pay the hackers.", 1)
	add(verdictCase{name: "Maildir/cur/1493971300.M3P4.mx1,S=920:2,S", leaked: maildirTampered, party: maildirClean, keysOnly: Altered, withOrig: Altered, says: "body does not match the signed body hash", saysOrig: "body text"})
	takeoutClean := gmailHdr + received + signParty(msg("Staff <staff@en-marche.example>", "press@journal.example", "Takeout", "takeout@en-marche.example", "", "Exported by Google Takeout.\r\n"), vkParty, dkim.SignOptions{})
	takeoutSubject := strings.Replace(thin, "Subject: Budget", "Subject: Takeout budget", 1)
	takeoutSubject = strings.Replace(takeoutSubject, "budget@en-marche.example", "budget@en-marche.example", 1)
	write(dump, "Takeout/All mail Including Spam and Trash.mbox", "From 1566281774129@xxx Fri May 05 08:00:00 +0000 2017\r\n"+takeoutClean+"\r\n"+
		"From 1566281774130@xxx Fri May 05 08:00:00 +0000 2017\r\n"+gmailHdr+takeoutSubject+"\r\n")
	cases = append(cases,
		verdictCase{name: "Takeout/All mail Including Spam and Trash.mbox#1", keysOnly: Authentic, withOrig: Authentic},
		verdictCase{name: "Takeout/All mail Including Spam and Trash.mbox#2", keysOnly: AuthenticWithCaveats, withOrig: Altered, says: "Subject (not signed)", saysOrig: "Subject, which the signature does not cover, was changed"})

	for i, c := range cases {
		if c.leaked == "" {
			continue // written above, inside a mailbox file
		}
		write(dump, c.name, c.leaked)
		if c.party != "" {
			write(party, fmt.Sprintf("copy%03d.eml", i), c.party)
		}
	}
	return dump, party, keys, cases
}

// TestLeakVerdicts runs the dump with the keys only and with the party's
// originals: no altered or forged item is called authentic (with keys
// only, unless a caveat names the changed field), and the reasons say
// what happened without contradicting each other.
func TestLeakVerdicts(t *testing.T) {
	dump, party, keys, cases := buildVerdictDump(t)
	ar, err := mailauth.LoadArchiveFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	for _, withOrig := range []bool{false, true} {
		c := Config{Dump: dump, Resolver: ar, Keys: keys, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		if withOrig {
			c.Originals = party
		}
		rep, err := Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*Item{}
		for _, it := range rep.Items {
			got[strings.TrimPrefix(it.Path, "dump/")] = it
		}
		right := 0
		for _, vc := range cases {
			it := got[vc.name]
			if it == nil {
				t.Errorf("%s: missing", vc.name)
				continue
			}
			want, says := vc.keysOnly, vc.says
			if withOrig {
				want = vc.withOrig
				if vc.saysOrig != "" {
					says = vc.saysOrig
				}
			}
			reasons := strings.Join(it.Reasons, "\n")
			ok := true
			if it.Verdict != want {
				t.Errorf("originals=%v %s: verdict %s, want %s\n%s", withOrig, vc.name, it.Verdict, want, reasons)
				ok = false
			}
			if says != "" && !strings.Contains(reasons, says) {
				t.Errorf("originals=%v %s: reasons lack %q:\n%s", withOrig, vc.name, says, reasons)
				ok = false
			}
			if vc.never != "" && strings.Contains(reasons, vc.never) {
				t.Errorf("originals=%v %s: reasons say %q:\n%s", withOrig, vc.name, vc.never, reasons)
				ok = false
			}
			if ok {
				right++
			}
			if testing.Verbose() && !strings.HasPrefix(vc.name, "inbox/day") {
				t.Logf("originals=%v %s: %s\n%s", withOrig, vc.name, it.Verdict, reasons)
			}
		}
		if right < len(cases) {
			t.Logf("originals=%v: %d/%d right", withOrig, right, len(cases))
		}
		// The goal, said directly: no altered or forged message
		// is called authentic; with the keys only, one called authentic
		// with caveats has a caveat naming what changed.
		for _, vc := range cases {
			it := got[vc.name]
			truth := vc.withOrig
			if it == nil || (truth != Altered && truth != Forged) {
				continue
			}
			switch it.Verdict {
			case Authentic:
				t.Errorf("originals=%v %s: an altered or forged message is called authentic", withOrig, vc.name)
			case AuthenticWithCaveats:
				if withOrig || !strings.Contains(strings.Join(it.Reasons, "\n"), "caveat: ") {
					t.Errorf("originals=%v %s: altered but authentic with caveats: %q", withOrig, vc.name, it.Reasons)
				}
			}
		}
	}
}
