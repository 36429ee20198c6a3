package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/leak"
	"github.com/vigie-project/vigie/internal/leakcase/casetest"
	"github.com/vigie-project/vigie/internal/mailauth"
	"github.com/vigie-project/vigie/internal/store"
)

// postFiles posts a multipart form as a browser does; files maps a field
// to its file name and content.
func (b *browser) postFiles(path string, fields map[string][]string, files map[string][2]string) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for k, f := range files {
		fw, _ := mw.CreateFormFile(k, f[0])
		io.WriteString(fw, f[1])
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.s.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req, "")
}

// send sends a request from the page's origin (or origin) and keeps the
// answer's body as the last page.
func (b *browser) send(req *http.Request, origin string) (int, string) {
	b.t.Helper()
	if origin == "" {
		origin = b.s.ts.URL
	}
	req.Header.Set("Origin", origin)
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	b.last = string(body)
	return res.StatusCode, b.last
}

var itemLinkRe = regexp.MustCompile(`href="(/cases/\d+/items/\d+)" class="value">([^<]+)<`)

// TestCasePagesTwoParties: the agency loads a report into a case in the
// UI and shares one item with party A; party A's member sees that item
// only, party B nothing, and neither may revise a verdict. The public
// page answers without login.
func TestCasePagesTwoParties(t *testing.T) {
	s := newSite(t)
	d := casetest.New(t)
	s.user("Agency", "ana", store.RoleAnalyst)
	s.user("Party A", "amy", store.RoleMember)
	s.user("Party B", "bob", store.RoleAdmin)
	ag := s.browser()
	if code, _ := ag.login("ana", pw); code != 200 {
		t.Fatalf("login: %d", code)
	}
	ag.get("/cases")
	code, body := ag.post("/cases", url.Values{"csrf": {ag.csrf()}, "title": {"Leak of 5 May <b>"}}, "")
	if code != 200 || !strings.Contains(body, "Leak of 5 May &lt;b&gt;") {
		t.Fatalf("open a case: %d %s", code, body)
	}
	casePath := "/cases/1"
	ar, err := mailauth.LoadArchiveFile(d.Keys)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := leak.Run(context.Background(), leak.Config{Dump: d.Dump, Workers: 1, Resolver: ar})
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(rep)
	code, body = ag.postFiles(casePath+"/report", map[string][]string{"csrf": {ag.csrf()}}, map[string][2]string{"report": {"report.json", string(js)}})
	if code != 200 || !strings.Contains(body, "Loaded 3 items.") {
		t.Fatalf("upload: %d %s", code, body)
	}
	items := map[string]string{}
	for _, m := range itemLinkRe.FindAllStringSubmatch(body, -1) {
		items[m[2]] = m[1]
	}
	genuine, tampered := items["dump/mail/01-genuine.eml"], items["dump/mail/02-tampered.eml"]
	if genuine == "" || tampered == "" {
		t.Fatalf("items on the case page: %v", items)
	}
	if _, body = ag.get(casePath + "?q=posters"); !strings.Contains(body, `Items shown: <span id="shown">1</span> / 1`) {
		t.Fatalf("search: %s", body)
	}
	ag.get(genuine)
	if code, body = ag.post(genuine, url.Values{"csrf": {ag.csrf()}, "action": {"share"}, "party": {"Party A"}}, ""); code != 200 || !strings.Contains(body, "Shared with: Party A") {
		t.Fatalf("share: %d %s", code, body)
	}
	ag.get(tampered)
	if code, body = ag.post(tampered, url.Values{"csrf": {ag.csrf()}, "action": {"override"}, "verdict": {"forged"}, "why": {"the server logs"}}, ""); code != 200 || !strings.Contains(body, `<span id="override-why">the server logs</span>`) || !strings.Contains(body, `<span id="machine">Altered</span>`) {
		t.Fatalf("override: %d %s", code, body)
	}

	a := s.browser()
	a.login("amy", pw)
	if _, body = a.get("/cases"); !strings.Contains(body, casePath) {
		t.Fatalf("party A's cases: %s", body)
	}
	if code, body = a.get(casePath); code != 200 || !strings.Contains(body, "01-genuine.eml") || strings.Contains(body, "02-tampered") || strings.Contains(body, "Load a report") {
		t.Fatalf("party A's case page: %d %s", code, body)
	}
	if code, _ = a.get(tampered); code != 404 {
		t.Fatalf("party A reads an item not shared with it: %d", code)
	}
	a.get(genuine)
	if code, body = a.post(genuine, url.Values{"csrf": {a.csrf()}, "action": {"override"}, "verdict": {"forged"}, "why": {"x"}}, ""); code != 422 || !strings.Contains(body, "Only the agency") {
		t.Fatalf("party A revises: %d", code)
	}
	b := s.browser()
	b.login("bob", pw)
	for _, p := range []string{casePath, genuine, tampered} {
		if code, _ = b.get(p); code != 404 {
			t.Errorf("party B reads %s: %d", p, code)
		}
	}
	if _, body = b.get("/cases"); strings.Contains(body, casePath) {
		t.Error("party B lists the case")
	}

	// A verification whose hub stopped is said so, and may start again.
	s.st.SetCaseJob(context.Background(), 1, store.CaseJob{State: store.JobRunning, Detail: "12 items", Started: time.Now().Add(-time.Hour), Updated: time.Now().Add(-time.Hour)})
	if _, body = ag.get(casePath); !strings.Contains(body, "The verification made no progress since") || strings.Contains(body, `http-equiv="refresh"`) {
		t.Fatalf("stale verification: %s", body)
	}

	// The agency shares every item matching a search with party B.
	ag.get(casePath + "?q=posters")
	if code, body = ag.post(casePath+"/share?q=posters", url.Values{"csrf": {ag.csrf()}, "party": {"Party B"}, "action": {"share"}}, ""); code != 200 || !strings.Contains(body, "Shared 1 items with the party.") {
		t.Fatalf("bulk share: %d %s", code, body)
	}
	if code, body = b.get(casePath); code != 200 || !strings.Contains(body, "03-unsigned.eml") || strings.Contains(body, "01-genuine") {
		t.Fatalf("party B after the bulk share: %d %s", code, body)
	}

	pub := s.browser()
	if code, body = pub.get("/leaks"); code != 200 || !strings.Contains(body, "The agency has published no statement yet.") {
		t.Fatalf("public page: %d %s", code, body)
	}
	code, body = pub.postFiles("/leaks", map[string][]string{"message_id": {"<" + d.GenuineID + ">"}}, nil)
	if code != 200 || !strings.Contains(body, "Not in any case the agency has published.") {
		t.Fatalf("lookup before publication: %d %s", code, body)
	}
}
