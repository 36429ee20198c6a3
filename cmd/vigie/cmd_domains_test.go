package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/ctlog/ctlogtest"
	"github.com/vigie-project/vigie/internal/hub/hubtest"
	"github.com/vigie-project/vigie/internal/store"
)

func runDomains(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"domains"}, args...), strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestDomainsCheckCampaign: the twelve attacker domains of 2016–2018 are
// flagged with only the eight imitated domains protected, one JSON object
// per name with the fields the issue names.
func TestDomainsCheckCampaign(t *testing.T) {
	names := "onedrive-en-marche.fr\nmail-en-marche.fr\nmail-en-march.fr\nportal-office.fr\naccounts-office.fr\nkassap.de\nactblues.com\nmisdepatrment.com\naccoounts-google.com\nmy-iri.org\nsenate.group\nadfs-senate.services\nwww.en-marche.fr\n"
	code, out, stderr := runDomains(t, names, "check", "--json", "--protect", "en-marche.fr,office.com,kas.de,actblue.com,misdepartment.com", "--protect", "accounts.google.com", "--protect", "iri.org,senate.gov", "-")
	if code != exitFindings {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 13 {
		t.Fatalf("%d lines: %s", len(lines), out)
	}
	for i, l := range lines {
		var v struct {
			Name, Imitates, Technique, Reason string
			Score                             float64
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatal(err)
		}
		if i < 12 && (v.Imitates == "" || v.Technique == "" || v.Reason == "" || v.Score <= 0) {
			t.Errorf("not flagged: %s", l)
		}
		if i == 12 && v.Imitates != "" {
			t.Errorf("own domain flagged: %s", l)
		}
	}
}

func TestDomainsCheckBadNamesAndProviders(t *testing.T) {
	code, out, stderr := runDomains(t, "", "check", "--provider", "google,microsoft", "lh3.googleusercontent.com", "office365.com", "a..b.com", strings.Repeat("x", 300)+".com")
	if code != exitError || !strings.Contains(stderr, "empty label") || !strings.Contains(stderr, "longer than 253") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if strings.Count(out, "\tok") != 2 {
		t.Errorf("providers' own domains: %q", out)
	}
	if code, _, stderr := runDomains(t, "", "check", "x.com"); code != exitUsage {
		t.Errorf("no protection: exit %d %s", code, stderr)
	}
	if code, out, _ := runDomains(t, "", "check", "--provider", "google", "myaccount.google.com-securitysettingpage.tk"); code != exitFindings || !strings.Contains(out, "imitates google.com") {
		t.Errorf("protected domain inside a longer name: %d %q", code, out)
	}
}

func TestDomainsGenerate(t *testing.T) {
	code, out, stderr := runDomains(t, "", "generate", "--limit", "100", "en-marche.fr")
	if code != 0 || strings.Count(out, "\n") != 100 {
		t.Fatalf("exit %d, %d lines, %s", code, strings.Count(out, "\n"), stderr)
	}
	code, out, _ = runDomains(t, "", "generate", "--json", "--technique", "flattened-subdomain", "accounts.google.com")
	if code != 0 || !strings.Contains(out, `{"name":"accoounts-google.com","technique":"flattened-subdomain","base":"google.com"}`) {
		t.Errorf("json: %d %.300s", code, out)
	}
	code, out, _ = runDomains(t, "", "generate", "--csv", "--technique", "omission", "kas.de")
	if code != 0 || !strings.HasPrefix(out, "name,technique,base\nas.de,omission,kas.de\n") {
		t.Errorf("csv: %d %q", code, out)
	}
	code, out, _ = runDomains(t, "", "generate", "--stats", "en-marche.fr")
	if code != 0 || !strings.Contains(out, "combo ") || !strings.Contains(out, "tld-swap") || !strings.Contains(out, "total") {
		t.Errorf("stats: %d %s", code, out)
	}
	if code, _, _ := runDomains(t, "", "generate", "a..fr"); code != exitUsage {
		t.Errorf("bad domain: exit %d", code)
	}
}

// TestDomainsWatchCTToHub: the agency's watch follows a static CT log; a
// look-alike certificate logged between two runs is printed, reaches the
// hub as a finding and an indicator for every party, and the party's
// `vigie dns check` then blocks the name. The state directory makes the
// second run resume.
func TestDomainsWatchCTToHub(t *testing.T) {
	h := hubtest.Start(t)
	l := ctlogtest.Start(t)
	l.AddCert([]string{"www.example.org"}, false)
	l.Publish()
	state := t.TempDir()
	args := []string{"watch", "--protect", "en-marche.fr", "--no-dns", "--ct-log", "static," + l.URL + "," + base64.StdEncoding.EncodeToString(l.PublicKey()),
		"--hub", h.URL, "--token", h.AnalystToken, "--publish", "--state-dir", state, "--format", "jsonl"}
	if code, out, stderr := runDomains(t, "", args...); code != 0 {
		t.Fatalf("first run: exit %d %s %s", code, out, stderr)
	}
	l.AddCert([]string{"compte-en-marche.fr"}, true)
	l.Publish()
	code, out, stderr := runDomains(t, "", args...)
	if code != exitFindings || !strings.Contains(out, `"name":"compte-en-marche.fr"`) {
		t.Fatalf("second run: exit %d %s %s", code, out, stderr)
	}
	if hub := string(h.Call("GET", "/api/v1/findings", nil)); !strings.Contains(hub, "compte-en-marche.fr") {
		t.Errorf("hub findings: %.300s", hub)
	}
	var dout, derr bytes.Buffer
	dcode := run(context.Background(), []string{"dns", "check", "--no-builtin", "--no-providers", "--hub", h.URL, "--token", h.SensorToken, "--state-dir", t.TempDir(), "compte-en-marche.fr"}, strings.NewReader(""), &dout, &derr)
	if dcode != exitFindings || !strings.Contains(dout.String(), "BLOCKED") {
		t.Errorf("vigie dns check: exit %d %s %s", dcode, dout.String(), derr.String())
	}
}

// TestDomainsAndDNSTakeHubDomains: with --hub and only the party's sensor
// token, vigie domains check and vigie dns check protect the domains the
// party declared on the hub; vigie domains watch proposes the look-alike it
// finds in a CT log to the agency, which sees it pending.
func TestDomainsAndDNSTakeHubDomains(t *testing.T) {
	h := hubtest.Start(t)
	ctx := context.Background()
	party, err := h.Store.OrgByName(ctx, "Party A")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.PutOrgSettings(ctx, store.Viewer{Agency: true}, store.Actor{Name: "test"}, party.ID, store.OrgSettings{Sites: []string{"en-marche.fr"}}); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runDomains(t, "", "check", "--json", "--hub", h.URL, "--token", h.SensorToken, "mail-en-march.fr", "www.en-marche.fr")
	if code != exitFindings || !strings.Contains(out, `"imitates":"en-marche.fr"`) || strings.Count(out, `"imitates":"en-marche.fr"`) != 1 {
		t.Fatalf("domains check --hub: exit %d %s %s", code, out, stderr)
	}
	var dout, derr bytes.Buffer
	dcode := run(ctx, []string{"dns", "check", "--no-builtin", "--no-providers", "--hub", h.URL, "--token", h.SensorToken, "--state-dir", t.TempDir(), "onedrive-en-marche.fr", "www.en-marche.fr"}, strings.NewReader(""), &dout, &derr)
	if dcode != exitFindings || !strings.Contains(dout.String(), "BLOCKED  onedrive-en-marche.fr") || !strings.Contains(dout.String(), "allowed  www.en-marche.fr") {
		t.Errorf("vigie dns check --hub: exit %d %s %s", dcode, dout.String(), derr.String())
	}
	// No domain anywhere: a clear usage error.
	if _, err := h.Store.PutOrgSettings(ctx, store.Viewer{Agency: true}, store.Actor{Name: "test"}, party.ID, store.OrgSettings{}); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runDomains(t, "", "check", "--hub", h.URL, "--token", h.SensorToken, "x.fr"); code != exitUsage || !strings.Contains(stderr, "declare the party's domains") {
		t.Errorf("no domain on the hub: exit %d %s", code, stderr)
	}
	if _, err := h.Store.PutOrgSettings(ctx, store.Viewer{Agency: true}, store.Actor{Name: "test"}, party.ID, store.OrgSettings{Sites: []string{"en-marche.fr"}}); err != nil {
		t.Fatal(err)
	}
	l := ctlogtest.Start(t)
	l.AddCert([]string{"compte-en-marche.fr"}, true)
	l.Publish()
	code, out, stderr = runDomains(t, "", "watch", "--no-dns", "--from-start", "--ct-log", "static,"+l.URL+","+base64.StdEncoding.EncodeToString(l.PublicKey()),
		"--hub", h.URL, "--token", h.SensorToken, "--state-dir", t.TempDir(), "--format", "jsonl")
	if code != exitFindings || !strings.Contains(out, "compte-en-marche.fr") {
		t.Fatalf("watch --hub: exit %d %s %s", code, out, stderr)
	}
	if p := string(h.Call("GET", "/api/v1/lookalikes/proposals?status=pending", nil)); !strings.Contains(p, `"name":"compte-en-marche.fr"`) || !strings.Contains(p, `"imitates":"en-marche.fr"`) {
		t.Errorf("proposal on the hub: %s", p)
	}
}
