package hub

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/leakcase"
	"github.com/vigie-project/vigie/internal/leakcase/casetest"
	"github.com/vigie-project/vigie/internal/store"
)

// caseEnv is newEnv with a leak directory holding a small dump and a
// statement key.
func caseEnv(t *testing.T, rate int) (*env, *casetest.Dump, ssh.Signer) {
	e := newEnv(t)
	d := casetest.New(t)
	signer, err := ssh.NewSignerFromKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	e.srv = New(Options{Store: e.st, BodyLimit: 1 << 20, ImportLimit: 8 << 20, LeakDir: d.Dir, CaseWorkDir: t.TempDir(), LeakWorkers: 2,
		StatementKey: signer, StatementIdentity: "statement@agency.example", PublicRate: rate})
	e.ts.Close()
	e.ts = httptest.NewServer(e.srv)
	t.Cleanup(e.ts.Close)
	return e, d, signer
}

type caseItemJSON struct {
	ID        int64  `json:"id"`
	Path      string `json:"path"`
	Verdict   string `json:"verdict"`
	Machine   string `json:"machine_verdict"`
	MessageID string `json:"message_id"`
}

func (e *env) caseItems(token string, id int64, query string) ([]caseItemJSON, int) {
	e.t.Helper()
	r := e.do("GET", fmt.Sprintf("/api/v1/cases/%d/items?%s", id, query), token, nil)
	if r.code != 200 {
		return nil, r.code
	}
	var out struct {
		Items []caseItemJSON `json:"items"`
		Total int            `json:"total"`
	}
	json.Unmarshal(r.body, &out)
	return out.Items, r.code
}

func (e *env) waitCaseJob(id int64) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		c := e.expect(e.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "agency-analyst", nil), 200).json(e.t)
		job, _ := c["job"].(map[string]any)
		switch job["state"] {
		case "done":
			return c
		case "failed":
			e.t.Fatalf("verification failed: %v", job["detail"])
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.t.Fatal("the verification did not end within a minute")
	return nil
}

// TestLeakCaseLifecycle: the agency opens a case, the hub verifies a dump
// placed on the server in the background, an analyst revises a verdict
// and shares an item with party A, which sees that item only (party B
// nothing), then publishes: the statement is signed by the agency's key
// and the public looks items up without logging in.
func TestLeakCaseLifecycle(t *testing.T) {
	e, d, signer := caseEnv(t, 1000)
	e.expect(e.do("POST", "/api/v1/cases", "a-admin", map[string]string{"title": "x"}), 403)
	e.expect(e.do("POST", "/api/v1/cases", "agency-analyst", map[string]string{"title": ""}), 422)
	c := e.expect(e.do("POST", "/api/v1/cases", "agency-analyst", map[string]string{"title": "Leak of 5 May", "description": "dumped on a forum"}), 201).json(t)
	id := int64(c["id"].(float64))
	ref := c["ref"].(string)

	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/verify", id), "agency-analyst", map[string]any{"dump": "../"}), 422)
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/verify", id), "agency-analyst", map[string]any{"dump": "/etc"}), 422)
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/verify", id), "a-admin", map[string]any{"dump": "dump"}), 403)
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/verify", id), "agency-analyst", map[string]any{"dump": "dump", "keys": []string{"keys.zone"}}), 202)
	c = e.waitCaseJob(id)
	counts := c["counts"].(map[string]any)
	if counts["authentic"] != 1.0 || counts["altered"] != 1.0 || counts["unverifiable"] != 1.0 {
		t.Fatalf("counts after the verification: %v", counts)
	}

	items, _ := e.caseItems("agency-analyst", id, "")
	byPath := map[string]caseItemJSON{}
	for _, it := range items {
		byPath[it.Path] = it
	}
	genuine, tampered := byPath["dump/mail/01-genuine.eml"], byPath["dump/mail/02-tampered.eml"]
	if genuine.Verdict != "authentic" || tampered.Verdict != "altered" {
		t.Fatalf("items: %+v", items)
	}
	for q, want := range map[string]int{"verdict=altered": 1, "q=posters": 1, "q=budget": 2, "sender=volunteer": 1, "since=2017-05-05&until=2017-05-05": 3, "since=2017-05-06": 0,
		"q=offshore": 1, "q=thursday": 2, "q=shared+folder": 2} { // the messages' text is searched too
		if got, code := e.caseItems("agency-analyst", id, q); len(got) != want {
			t.Errorf("%s: %d items (status %d), want %d", q, len(got), code, want)
		}
	}
	e.expect(e.do("GET", fmt.Sprintf("/api/v1/cases/%d/items?since=yesterday", id), "agency-analyst", nil), 400)

	over := fmt.Sprintf("/api/v1/cases/%d/items/%d/override", id, tampered.ID)
	e.expect(e.do("POST", over, "agency-analyst", map[string]string{"verdict": "forged"}), 422)
	e.expect(e.do("POST", over, "agency-analyst", map[string]string{"verdict": "fake", "why": "x"}), 422)
	it := e.expect(e.do("POST", over, "agency-analyst", map[string]string{"verdict": "forged", "why": "the treasurer's server logs show the original"}), 200).json(t)
	if it["verdict"] != "forged" || it["machine_verdict"] != "altered" || !strings.HasPrefix(it["override_by"].(string), "token:") || len(it["notes"].([]any)) != 1 {
		t.Fatalf("after the revision: %v", it)
	}
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/items/%d/notes", id, tampered.ID), "agency-analyst", map[string]string{"body": "ask the party"}), 200)

	// Two parties: A is concerned by the genuine message only.
	share := fmt.Sprintf("/api/v1/cases/%d/items/%d/share", id, genuine.ID)
	e.expect(e.do("POST", share, "agency-analyst", map[string]string{"party": "Agency"}), 422)
	e.expect(e.do("POST", share, "a-admin", map[string]string{"party": "Party A"}), 403)
	e.expect(e.do("POST", share, "agency-analyst", map[string]string{"party": "Party A"}), 200)
	// In bulk: every item matching a search, then back.
	if r := e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/share?q=posters", id), "agency-analyst", map[string]string{"party": "Party B"}), 200).json(t); r["items"] != 1.0 {
		t.Fatalf("bulk share: %v", r)
	}
	if got, _ := e.caseItems("b-admin", id, ""); len(got) != 1 || got[0].Path != "dump/mail/03-unsigned.eml" {
		t.Fatalf("party B after the bulk share: %+v", got)
	}
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/share?q=posters", id), "a-admin", map[string]any{"party": "Party A"}), 403)
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/share?q=posters", id), "agency-analyst", map[string]any{"party": "Party B", "share": false}), 200)
	if got, _ := e.caseItems("a-member", id, ""); len(got) != 1 || got[0].ID != genuine.ID {
		t.Fatalf("party A sees %+v", got)
	}
	if _, code := e.caseItems("b-admin", id, ""); code != 404 {
		t.Fatalf("party B lists the case's items: %d", code)
	}
	e.expect(e.do("GET", fmt.Sprintf("/api/v1/cases/%d", id), "b-admin", nil), 404)
	e.expect(e.do("GET", fmt.Sprintf("/api/v1/cases/%d/items/%d", id, genuine.ID), "b-admin", nil), 404)
	e.expect(e.do("GET", fmt.Sprintf("/api/v1/cases/%d/items/%d", id, tampered.ID), "a-admin", nil), 404)
	if a := e.expect(e.do("GET", fmt.Sprintf("/api/v1/cases/%d/items/%d", id, genuine.ID), "a-member", nil), 200).json(t); a["notes"] != nil {
		t.Fatalf("party A reads the agency's notes: %v", a["notes"])
	}
	if l := e.expect(e.do("GET", "/api/v1/cases", "b-admin", nil), 200).items(t); len(l) != 0 {
		t.Fatalf("party B's cases: %v", l)
	}
	if l := e.expect(e.do("GET", "/api/v1/cases", "a-admin", nil), 200).items(t); len(l) != 1 || l[0]["items"] != 1.0 {
		t.Fatalf("party A's cases: %v", l)
	}
	e.expect(e.do("POST", over, "a-admin", map[string]string{"verdict": "authentic", "why": "x"}), 403)
	e.expect(e.do("GET", "/api/v1/cases", "a-sensor", nil), 403)

	// Public: nothing before publication.
	if r := e.expect(e.do("GET", "/api/v1/public/lookup?message_id=<"+d.GenuineID+">", "", nil), 200).json(t); len(r["hits"].([]any)) != 0 {
		t.Fatalf("an unpublished case answers: %v", r)
	}
	e.expect(e.do("GET", leakcaseStatement(ref), "", nil), 404)
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/items/%d/withhold", id, byPath["dump/mail/03-unsigned.eml"].ID), "agency-analyst", map[string]bool{"withheld": true}), 200)
	e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/publish", id), "a-admin", nil), 403)
	pub := e.expect(e.do("POST", fmt.Sprintf("/api/v1/cases/%d/publish", id), "agency-analyst", nil), 200).json(t)
	page := e.expect(e.do("GET", pub["statement"].(string), "", nil), 200)
	sig := e.expect(e.do("GET", pub["signature"].(string), "", nil), 200)
	if _, err := leakcase.Verify(signer.PublicKey(), leakcase.Namespace, page.body, sig.body); err != nil {
		t.Fatalf("the served statement's signature: %v", err)
	}
	if csp := page.hdr.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'") {
		t.Errorf("statement CSP: %q", csp)
	}
	for _, want := range []string{"Forged", "the treasurer&#39;s server logs show the original", "1 other item(s)", "Falsifié"} {
		if !bytes.Contains(page.body, []byte(want)) {
			t.Errorf("the statement lacks %q", want)
		}
	}
	if bytes.Contains(page.body, []byte("03-unsigned")) {
		t.Error("the withheld item is in the statement")
	}

	r := e.expect(e.do("GET", "/api/v1/public/lookup?message_id=<"+d.GenuineID+">", "", nil), 200).json(t)
	hits := r["hits"].([]any)
	if len(hits) != 2 || hits[0].(map[string]any)["case"] != ref {
		t.Fatalf("lookup by Message-ID (the genuine message and its altered copy): %v", r)
	}
	r = e.lookupUpload("genuine.eml", d.Genuine)
	if h := r["hits"].([]any); len(h) != 2 || h[0].(map[string]any)["verdict"] != "authentic" || h[0].(map[string]any)["matched_by"] != "sha256" || h[1].(map[string]any)["matched_by"] != "message-id" {
		t.Fatalf("lookup of the genuine message: %v", r)
	}
	if r := e.expect(e.do("GET", "/api/v1/public/lookup?message_id=m3@gmail.example", "", nil), 200).json(t); len(r["hits"].([]any)) != 0 {
		t.Fatalf("a withheld item answers the public: %v", r)
	}
	r = e.lookupUpload("tampered.eml", []byte(strings.Replace(string(d.Genuine), "before Thursday", "and wire the funds offshore before Thursday", 1)))
	if h := r["hits"].([]any); len(h) != 2 || h[0].(map[string]any)["verdict"] != "forged" || h[0].(map[string]any)["revised"] == "" {
		t.Fatalf("lookup of the tampered message: %v", r)
	}
	r = e.lookupUpload("meeting.eml", d.Outside)
	fresh, _ := r["fresh"].(map[string]any)
	if len(r["hits"].([]any)) != 0 || fresh == nil || fresh["verdict"] != "authentic" {
		t.Fatalf("fresh verdict of a message outside the case: %v", r)
	}
	r = e.lookupUpload("plan.pdf", []byte("%PDF-1.4 not in any case"))
	if r["note"] == nil || r["sha256"] == "" {
		t.Fatalf("a document outside the case: %v", r)
	}
	e.expect(e.do("GET", "/api/v1/public/lookup?sha256=xyz", "", nil), 422)
	if l := e.expect(e.do("GET", "/api/v1/public/cases", "", nil), 200).json(t)["cases"].([]any); len(l) != 1 {
		t.Fatalf("public cases: %v", l)
	}
}

func leakcaseStatement(ref string) string { return StatementPath(ref) }

func (e *env) lookupUpload(name string, b []byte) map[string]any {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(b)
	mw.Close()
	return e.expect(e.do("POST", "/api/v1/public/lookup", "", body.Bytes(), "Content-Type: "+mw.FormDataContentType()), 200).json(e.t)
}

// TestLeakCaseReportUpload loads the report.json of vigie leak verify,
// refuses what is not one, and keeps revisions when a new report comes.
func TestLeakCaseReportUpload(t *testing.T) {
	e, d, _ := caseEnv(t, 1000)
	c := e.expect(e.do("POST", "/api/v1/cases", "agency-admin", map[string]string{"title": "Upload"}), 201).json(t)
	id := int64(c["id"].(float64))
	rep, err := leak.Run(context.Background(), leak.Config{Dump: d.Dump, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(rep)
	path := fmt.Sprintf("/api/v1/cases/%d/report", id)
	e.expect(e.do("POST", path, "agency-analyst", `{"schema_version": 99, "items": []}`), 422)
	e.expect(e.do("POST", path, "agency-analyst", `{"schema_version": 2, "items": [{"path": "x", "verdict": "genuine"}]}`), 422)
	e.expect(e.do("POST", path, "agency-analyst", `[[[[`), 422)
	e.expect(e.do("POST", path, "b-admin", js), 403)
	if r := e.expect(e.do("POST", path, "agency-analyst", js), 200).json(t); r["items"] != 3.0 {
		t.Fatalf("upload: %v", r)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("report", "report.json")
	fw.Write(js)
	kw, _ := mw.CreateFormFile("keys", "keys.zone")
	kw.Write([]byte("not a zone"))
	mw.Close()
	e.expect(e.do("POST", path, "agency-analyst", body.Bytes(), "Content-Type: "+mw.FormDataContentType()), 422)
}

// TestPublicLookupRateLimited: the public lookup answers a few requests
// per address, then 429 with Retry-After.
func TestPublicLookupRateLimited(t *testing.T) {
	e, _, _ := caseEnv(t, 3)
	for i := range 3 {
		e.expect(e.do("GET", "/api/v1/public/lookup?message_id=a@b", "", nil), 200)
		_ = i
	}
	r := e.expect(e.do("GET", "/api/v1/public/lookup?message_id=a@b", "", nil), 429)
	if r.hdr.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
}

// TestDumpTexts: the text of .eml files and of each message of an mbox is
// read under the item's name; a text goes to its own message only.
func TestDumpTexts(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(filepath.Join(dump, "mail"), 0o755)
	os.WriteFile(filepath.Join(dump, "mail", "a.eml"), []byte("From: a@x.example\r\nMessage-ID: <a@x.example>\r\nContent-Type: text/html\r\n\r\n<p>Rally on <b>Saturday</b></p>\r\n"), 0o644)
	os.WriteFile(filepath.Join(dump, "mail", "inbox"), []byte("From a@x Fri May  5 10:00:00 2017\nMessage-ID: <m1@x.example>\n\nfirst body\n\nFrom b@x Fri May  5 11:00:00 2017\nMessage-ID: <m2@x.example>\n\nsecond body "+strings.Repeat("x", 2<<20)+"\n"), 0o644)
	var got []store.LeakText
	if err := dumpTexts(context.Background(), dump, func(b []store.LeakText) error { got = append(got, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{"dump/mail/a.eml": {"a@x.example", "Saturday"}, "dump/mail/inbox#1": {"m1@x.example", "first body"}, "dump/mail/inbox#2": {"m2@x.example", "second body"}}
	if len(got) != len(want) {
		t.Fatalf("texts: %+v", got)
	}
	for _, g := range got {
		w := want[g.Path]
		if g.MessageID != w[0] || !strings.Contains(g.Text, w[1]) || strings.Contains(g.Text, "<b>") || len(g.Text) > maxIndexedText {
			t.Errorf("%s: %q %.80q", g.Path, g.MessageID, g.Text)
		}
	}
}

// TestPublicLookupBounds: an upload over the bound is refused, and a
// lookup with nothing to look up says what is expected.
func TestPublicLookupBounds(t *testing.T) {
	e, _, _ := caseEnv(t, 1000)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "big.pdf")
	fw.Write(bytes.Repeat([]byte("x"), MaxLookupUpload+2<<20))
	mw.Close()
	if r := e.do("POST", "/api/v1/public/lookup", "", body.Bytes(), "Content-Type: "+mw.FormDataContentType()); r.code != 413 {
		t.Fatalf("an upload over the bound: %d %s", r.code, r.body)
	}
	if r := e.expect(e.do("POST", "/api/v1/public/lookup", "", `{}`), 422); !strings.Contains(string(r.body), "give a Message-ID") {
		t.Fatalf("empty lookup: %s", r.body)
	}
}
