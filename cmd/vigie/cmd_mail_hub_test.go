package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// mailFakeHub serves one domain indicator and stores sightings by id.
type mailFakeHub struct {
	mu   sync.Mutex
	down bool
	got  map[string]string // id → type:value
	// findings counts the batches of findings received
	findings int
}

func (h *mailFakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down || r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	switch r.URL.Path {
	case "/api/v1/indicators":
		items := []map[string]any{{"type": "domain", "value": "bad-sender.example", "source": "agency", "threats": []string{"APT28"}}}
		json.NewEncoder(w).Encode(map[string]any{"items": items, "next": "1", "more": false})
	case "/api/v1/sightings":
		var req struct {
			Items []struct{ ID, Type, Value string }
		}
		json.NewDecoder(r.Body).Decode(&req)
		for _, it := range req.Items {
			h.got[it.ID] = it.Type + ":" + it.Value
		}
		w.Write([]byte(`{}`))
	case "/api/v1/findings":
		h.findings++
		w.Write([]byte(`{}`))
	default: // as the hub: no mail model uploaded
		http.NotFound(w, r)
	}
}

func TestMailCheckRulesAndHub(t *testing.T) {
	h := &mailFakeHub{got: map[string]string{}}
	srv := httptest.NewServer(h)
	defer srv.Close()
	dir := t.TempDir()
	rules := filepath.Join(dir, "mail.yar")
	os.WriteFile(rules, []byte(`rule Test_Mail_Payload { meta: description = "test payload" strings: $a = "VIGIE-MAIL-PAYLOAD" condition: $a }`), 0o644)
	msgs := filepath.Join(dir, "msgs")
	os.MkdirAll(msgs, 0o755)
	att := "From: Jean <jean@example.org>\r\nTo: c@party.example\r\nSubject: notes\r\nMessage-ID: <a1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=notes.pdf\r\n\r\n%PDF-1.4 VIGIE-MAIL-PAYLOAD\r\n--b--\r\n"
	ind := "From: Paul <paul@bad-sender.example>\r\nTo: c@party.example\r\nSubject: hi\r\nMessage-ID: <b1@bad-sender.example>\r\n\r\nhello\r\n"
	os.WriteFile(filepath.Join(msgs, "a.eml"), []byte(att), 0o644)
	os.WriteFile(filepath.Join(msgs, "b.eml"), []byte(ind), 0o644)
	state := t.TempDir()
	args := []string{"check", "--json", "--no-builtin", "--rules", rules, "--hub", srv.URL, "--token", "tok", "--state-dir", state, msgs}

	code, out, stderr := runMailCmd(t, "", args...)
	if code != exitFindings || stderr != "" {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	if !strings.Contains(out, `"check":"rule:Test_Mail_Payload"`) || !strings.Contains(out, "test payload") || !strings.Contains(out, `"check":"indicator-sender-domain"`) {
		t.Errorf("output lacks the rule or the hub indicator:\n%s", out)
	}
	h.mu.Lock()
	first := len(h.got)
	vals := strings.Join(mapValues(h.got), " ")
	h.mu.Unlock()
	if !strings.Contains(vals, "yara:Test_Mail_Payload") || !strings.Contains(vals, "domain:bad-sender.example") {
		t.Errorf("hub sightings %v", vals)
	}

	// the hub is down: the cached indicators still apply, sightings wait
	h.mu.Lock()
	h.down = true
	h.mu.Unlock()
	code, out, stderr = runMailCmd(t, "", args...)
	if code != exitFindings || !strings.Contains(out, "indicator-sender-domain") || !strings.Contains(stderr, "next run") {
		t.Fatalf("offline run: exit %d\n%s\n%s", code, out, stderr)
	}
	if p, _ := filepath.Glob(filepath.Join(state, "spool", "batch-*.json")); len(p) != 1 {
		t.Fatalf("spool %v", p)
	}
	// back: the spool is delivered, and the same messages the same day
	// are not counted twice
	h.mu.Lock()
	h.down = false
	h.mu.Unlock()
	if code, _, stderr = runMailCmd(t, "", args...); code != exitFindings || stderr != "" {
		t.Fatalf("exit %d %s", code, stderr)
	}
	if p, _ := filepath.Glob(filepath.Join(state, "spool", "batch-*.json")); len(p) != 0 {
		t.Errorf("spool not emptied: %v", p)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.got) != first {
		t.Errorf("hub holds %d sightings after three runs, want %d", len(h.got), first)
	}

	if code, _, _ := runMailCmd(t, "", "check", "--token", "x", msgs); code != exitUsage {
		t.Errorf("--token without --hub: exit %d", code)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
