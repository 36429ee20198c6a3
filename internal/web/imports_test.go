package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// waitJobs waits until no import job of the agency is queued or running.
func (s *site) waitJobs() []store.ImportJob {
	s.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		js, err := s.st.ListImportJobs(context.Background(), store.Viewer{OrgID: s.agency.ID, Agency: true}, 10)
		if err != nil {
			s.t.Fatal(err)
		}
		busy := false
		for _, j := range js {
			busy = busy || j.State == store.ImportQueued || j.State == store.ImportRunning
		}
		if !busy {
			return js
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("jobs still running: %+v", js)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var jobLinkRe = regexp.MustCompile(`/imports/(import--[0-9a-f-]+)`)

// A file imported in the background from the Indicators page: the page
// lists the job with its progress, the job's page lists what could not be
// imported by its line; parties see neither.
func TestUIImportInTheBackground(t *testing.T) {
	s := newSite(t)
	s.user("Agency", "ana", store.RoleAnalyst)
	s.user("Party A", "pam", store.RoleAdmin)
	b := s.browser()
	if code, _ := b.login("ana", pw); code != 200 {
		t.Fatal("login")
	}
	b.get("/indicators")
	csv := "type,value\ndomain,bg1.example.org\nipv4,999.9.9.9\ndomain,bg2.example.org\n"
	code, body := b.upload(map[string][]string{"csrf": {b.csrf()}, "background": {"true"}, "distribution": {"all"}, "tlp": {"amber"}}, "feed.csv", csv)
	if code != http.StatusAccepted || !strings.Contains(body, "feed.csv is imported in the background") {
		t.Fatalf("upload: %d %s", code, body)
	}
	js := s.waitJobs()
	if len(js) != 1 || js[0].State != store.ImportDone || js[0].Created != 2 || js[0].Problems != 1 {
		t.Fatalf("job: %+v", js)
	}
	_, body = b.get("/indicators")
	m := jobLinkRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "Imports in the background") || !strings.Contains(body, "feed.csv") {
		t.Fatalf("the indicators page does not list the job:\n%s", body)
	}
	code, body = b.get("/imports/" + m[1])
	if code != 200 || !strings.Contains(body, "line 3") || !strings.Contains(body, "999.9.9.9") || !strings.Contains(body, "Done.") {
		t.Fatalf("job page: %d %s", code, body)
	}
	// A party's administrator: no job, no list, no resume.
	p := s.browser()
	p.login("pam", pw)
	if code, body := p.get("/imports/" + m[1]); code != 404 || strings.Contains(body, "feed.csv") {
		t.Errorf("party sees the job: %d", code)
	}
	if _, body := p.get("/indicators"); strings.Contains(body, "Imports in the background") || strings.Contains(body, "feed.csv") {
		t.Error("party's indicators page lists the agency's jobs")
	}
	if code, _ := p.post("/imports/"+m[1]+"/resume", url.Values{"csrf": {p.csrf()}}, ""); code != 404 {
		t.Errorf("party resumes a job: %d", code)
	}
}

// A job the hub's restart interrupted shows a Resume button that finishes
// it.
func TestUIResumeImport(t *testing.T) {
	s := newSite(t)
	s.user("Agency", "ana", store.RoleAnalyst)
	ctx := context.Background()
	spool := filepath.Join(t.TempDir(), "list.txt")
	os.WriteFile(spool, []byte("resume1.example.org\nresume2.example.org\n"), 0o600)
	v := store.Viewer{OrgID: s.agency.ID, Agency: true}
	j, err := s.st.CreateImportJob(ctx, v, store.Actor{OrgID: s.agency.ID, Name: "test"}, store.ImportJob{ID: "import--00000000-0000-4000-8000-000000000001", Name: "list.txt", Spool: spool})
	if err != nil {
		t.Fatal(err)
	}
	s.st.ClaimImportJob(ctx, j.ID, "dead-hub")
	s.st.InterruptRunningJobs(ctx) // what the next start of the hub does
	b := s.browser()
	b.login("ana", pw)
	_, body := b.get("/indicators")
	if !strings.Contains(body, "Interrupted by a restart") || !strings.Contains(body, "/resume") {
		t.Fatalf("no resume button:\n%s", body)
	}
	if code, body := b.post("/imports/"+j.ID+"/resume", url.Values{"csrf": {b.csrf()}}, ""); code != http.StatusAccepted || !strings.Contains(body, "list.txt is imported again") {
		t.Fatalf("resume: %d %s", code, body)
	}
	if js := s.waitJobs(); js[0].State != store.ImportDone || js[0].Created != 2 {
		t.Fatalf("resumed job: %+v", js[0])
	}
}

// Go-side messages (flashes, errors, plain-text http errors) reach a
// French user in French.
func TestGoMessagesTranslated(t *testing.T) {
	s := newSite(t)
	for _, msg := range []string{
		"Not found.",
		"This form was sent from another site: refused.",
		"The form expired: go back, reload the page and try again.",
		"Unknown party Parti X.",
		"Could not add it: store: organisation name must be 1 to 200 characters",
		"feed.csv is imported in the background: its progress is shown below.",
		"Nothing was stored: Only agency analysts and administrators publish indicators.",
		"Something went wrong on the hub while answering GET /x; its log has the details (reference abc).",
	} {
		if fr := s.ui.cat.message(msg); fr == msg {
			t.Errorf("not translated: %q", msg)
		}
	}
	// A plain-text 404 in the browser's language.
	req, _ := http.NewRequest("GET", s.ts.URL+"/imports/import--x", nil)
	req.Header.Set("Accept-Language", "fr")
	s.user("Party A", "pam", store.RoleMember)
	b := s.browser()
	b.login("pam", pw)
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 200)
	n, _ := res.Body.Read(buf)
	if res.StatusCode != 404 || !strings.Contains(string(buf[:n]), "Introuvable") {
		t.Errorf("French 404: %d %q", res.StatusCode, fmt.Sprint(string(buf[:n])))
	}
}
