package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mail/model"
	"github.com/vigie-project/vigie/internal/mail/model/modeltest"
	"github.com/vigie-project/vigie/internal/store"
)

// testModelFile is a small trained model's file bytes; note tells two
// models apart.
func testModelFile(t *testing.T, note string) []byte { return modeltest.Trained(t, note).Encode() }

// TestMailModelAPI runs testMailModel on SQLite; TestPostgresMailModelAPI
// on PostgreSQL.
func TestMailModelAPI(t *testing.T) { testMailModel(newEnv(t)) }

func TestPostgresMailModelAPI(t *testing.T) { testMailModel(newEnvOn(t, pgSchema(t))) }

// testMailModel: the agency uploads a model and every party's sensors get
// the same file, with its version and digest; no party can upload one; a
// file that is not a usable model is refused with the reason and the
// model in force stays; an unchanged model answers 304.
func testMailModel(e *env) {
	t := e.t
	r := e.expect(e.do("GET", "/api/v1/mail-model", "a-sensor", nil), 404)
	if !strings.Contains(string(r.body), "has not uploaded a mail model") {
		t.Errorf("404 without the reason: %s", r.body)
	}
	v1 := testModelFile(t, "agency v1")
	for _, tok := range []string{"a-admin", "b-analyst", "agency-sensor", "agency-member"} {
		if r := e.do("POST", "/api/v1/mail-model", tok, v1); r.code != 403 {
			t.Errorf("%s uploaded a mail model: HTTP %d %s", tok, r.code, r.body)
		}
	}
	r = e.expect(e.do("POST", "/api/v1/mail-model", "agency-analyst", v1), 201)
	rec := r.json(t)
	sum := sha256.Sum256(v1)
	if rec["version"].(float64) != 1 || rec["sha256"] != hex.EncodeToString(sum[:]) || rec["note"] != "agency v1" || rec["ham"].(float64) != 1 {
		t.Fatalf("upload answer %s", r.body)
	}
	etag := ""
	for _, tok := range []string{"a-sensor", "b-sensor", "b-member"} {
		r := e.expect(e.do("GET", "/api/v1/mail-model", tok, nil), 200)
		if string(r.body) != string(v1) || r.hdr.Get(HeaderModelVersion) != "1" || r.hdr.Get(HeaderModelSHA256) != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s: got %d bytes, version %q, digest %q", tok, len(r.body), r.hdr.Get(HeaderModelVersion), r.hdr.Get(HeaderModelSHA256))
		}
		etag = r.hdr.Get("ETag")
	}
	e.expect(e.do("GET", "/api/v1/mail-model", "a-sensor", nil, "If-None-Match: "+etag), 304)

	// refused: not a model, a damaged one, an untrained one
	untrained, _ := model.New(8)
	for name, body := range map[string][]byte{
		"text":      []byte("hello"),
		"truncated": v1[:len(v1)-5],
		"untrained": untrained.Encode(),
	} {
		r := e.expect(e.do("POST", "/api/v1/mail-model", "agency-admin", body), 400)
		if !strings.Contains(string(r.body), "not a usable Vigie mail model") {
			t.Errorf("%s: refusal without the reason: %s", name, r.body)
		}
	}
	r = e.expect(e.do("GET", "/api/v1/mail-model", "a-sensor", nil, "If-None-Match: "+etag), 304)

	v2 := testModelFile(t, "agency v2")
	e.expect(e.do("POST", "/api/v1/mail-model", "agency-admin", v2), 201)
	r = e.expect(e.do("GET", "/api/v1/mail-model", "b-sensor", nil, "If-None-Match: "+etag), 200)
	if string(r.body) != string(v2) || r.hdr.Get(HeaderModelVersion) != "2" {
		t.Errorf("after a new upload: version %q, %d bytes", r.hdr.Get(HeaderModelVersion), len(r.body))
	}
	if items := e.expect(e.do("GET", "/api/v1/mail-model/versions", "a-member", nil), 200).items(t); len(items) != 2 || items[0]["version"].(float64) != 2 {
		t.Errorf("versions: %v", items)
	}
	au, err := e.st.ListAudit(context.Background(), store.Viewer{Agency: true}, 50)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range au {
		if a.Action == "mail-model.upload" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d uploads in the audit log, want 2", n)
	}
}
