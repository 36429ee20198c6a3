package advisory

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/vigie-project/vigie/internal/indicator"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestCheck: what the agency types is checked field by field; a title can
// never carry a line break into a mail header.
func TestCheck(t *testing.T) {
	good := Input{Title: " Phishing wave ", Severity: "High", TLP: "TLP:AMBER", Body: "text", Actions: []string{"Block it", "", "Reset"}}
	c, err := good.Check()
	if err != nil || c.Title != "Phishing wave" || c.Severity != High || c.TLP != indicator.TLPAmber || len(c.Actions) != 2 {
		t.Fatalf("%+v %v", c, err)
	}
	if c, _ := (Input{Title: "x", Severity: "low", TLP: "white"}).Check(); c.TLP != indicator.TLPClear {
		t.Errorf("TLP:WHITE kept as %q, want clear", c.TLP)
	}
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"empty title", Input{Title: "  ", Severity: "low", TLP: "clear"}, "the title is empty"},
		{"CRLF title", Input{Title: "Hello\r\nBcc: all@example.org", Severity: "low", TLP: "clear"}, "line break"},
		{"LF title", Input{Title: "Hello\nX-Header: y", Severity: "low", TLP: "clear"}, "line break"},
		{"NUL title", Input{Title: "Hello\x00", Severity: "low", TLP: "clear"}, "control character"},
		{"line separator", Input{Title: "Hello\u2028world", Severity: "low", TLP: "clear"}, "control character"},
		{"long title", Input{Title: strings.Repeat("é", MaxTitle+1), Severity: "low", TLP: "clear"}, "at most 200"},
		{"bad UTF-8", Input{Title: "\xff", Severity: "low", TLP: "clear"}, "UTF-8"},
		{"severity", Input{Title: "x", Severity: "urgent", TLP: "clear"}, "severity"},
		{"no TLP", Input{Title: "x", Severity: "low"}, "TLP is missing"},
		{"bad TLP", Input{Title: "x", Severity: "low", TLP: "purple"}, "unknown TLP"},
		{"long body", Input{Title: "x", Severity: "low", TLP: "clear", Body: strings.Repeat("a", MaxBody+1)}, "the text is"},
		{"action break", Input{Title: "x", Severity: "low", TLP: "clear", Actions: []string{"a\nb"}}, "action 1 holds a line break"},
		{"repeated action", Input{Title: "x", Severity: "low", TLP: "clear", Actions: []string{"a", "a"}}, "repeats"},
		{"too many actions", Input{Title: "x", Severity: "low", TLP: "clear", Actions: strings.Split(strings.Repeat("a,", MaxActions)+"z", ",")}, "repeats"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.in.Check()
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	many := make([]string, MaxActions+1)
	for i := range many {
		many[i] = strings.Repeat("x", i+1)
	}
	if _, err := (Input{Title: "x", Severity: "low", TLP: "clear", Actions: many}).Check(); err == nil || !strings.Contains(err.Error(), "at most 50") {
		t.Errorf("51 actions: %v", err)
	}
}

func TestSplitActions(t *testing.T) {
	got := SplitActions("- [ ] Block the domain\r\n\n* Reset passwords\n  Check the logs  \n")
	want := []string{"Block the domain", "Reset passwords", "Check the logs"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("%q", got)
	}
}

func sample() *Advisory {
	t0 := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	return &Advisory{ID: 7, UUID: "6f1c2a4e-8d2b-4c4e-9a51-7669676965aa", Title: "Phishing wave against campaign staff", Severity: High, TLP: indicator.TLPAmberStrict,
		Body:    "Fake **webmail** login pages at `accounts-verify.example`.",
		Actions: []Action{{ID: 1, Text: "Block accounts-verify.example"}, {ID: 2, Text: "Reset the passwords of who entered them"}, {ID: 3, Text: "Old action", RemovedIn: 2}},
		Status:  Published, Version: 2, CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour), PublishedAt: t0.Add(time.Hour),
		Revisions: []Revision{{Version: 2, At: t0.Add(2 * time.Hour), Summary: "updated: new domain added"}, {Version: 1, At: t0.Add(time.Hour), Summary: "Initial version."}}}
}

// csafSchema compiles the official CSAF 2.0 JSON schema (vendored from
// oasis-tcs/csaf, with the CVSS schemas it references), asserting formats.
func csafSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for url, file := range map[string]string{
		"https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json": "csaf_json_schema.json",
		"https://www.first.org/cvss/cvss-v2.0.json":                        "cvss-v2.0.json",
		"https://www.first.org/cvss/cvss-v3.0.json":                        "cvss-v3.0.json",
		"https://www.first.org/cvss/cvss-v3.1.json":                        "cvss-v3.1.json",
	} {
		f, err := os.Open(filepath.Join("testdata", "csaf", file))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	s, err := c.Compile("https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, doc []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(inst)
}

// TestCSAF: the export of a published, a draft and a withdrawn advisory,
// at every TLP, validates against the official CSAF 2.0 schema; the
// published one matches its golden file.
func TestCSAF(t *testing.T) {
	schema := csafSchema(t)
	pub := Publisher{Name: "Agence", Namespace: "https://hub.example.org"}
	a := sample()
	doc, err := ExportCSAF(a, pub, []string{"domain accounts-verify.example"}, "https://hub.example.org/advisories/7", "test")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.MarshalIndent(doc, "", "  ")
	if err := validate(t, schema, got); err != nil {
		t.Fatalf("the export does not validate: %v\n%s", err, got)
	}
	golden := filepath.Join("testdata", "csaf-published.golden.json")
	if *update {
		os.WriteFile(golden, got, 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("differs from %s (go test -update):\n%s", golden, got)
	}
	if doc.Document.Distribution.TLP.Label != "AMBER" || !strings.Contains(doc.Document.Distribution.Text, "AMBER+STRICT") {
		t.Errorf("AMBER+STRICT: %+v", doc.Document.Distribution)
	}
	if strings.Contains(string(got), "Old action") {
		t.Error("a removed action is exported")
	}
	for _, tlp := range indicator.TLPs {
		for _, st := range []Status{Draft, Published, Withdrawn} {
			b := sample()
			b.TLP, b.Status = tlp, st
			if st == Draft {
				b.Version, b.Revisions, b.PublishedAt = 0, nil, time.Time{}
			}
			if st == Withdrawn {
				b.WithdrawnAt = b.UpdatedAt
			}
			d, err := ExportCSAF(b, pub, nil, "", "")
			if err != nil {
				t.Fatal(err)
			}
			js, _ := json.Marshal(d)
			if err := validate(t, schema, js); err != nil {
				t.Errorf("%s %s: %v", tlp, st, err)
			}
		}
	}
	// The schema is not a rubber stamp: a broken document fails.
	bad := *doc
	bad.Document.Tracking.Version = "v2"
	js, _ := json.Marshal(bad)
	if validate(t, schema, js) == nil {
		t.Error("a version \"v2\" validated")
	}
	if _, err := ExportCSAF(a, Publisher{}, nil, "", ""); err == nil {
		t.Error("no publisher, no error")
	}
}

// TestAtom: only TLP:CLEAR advisories that are not drafts go into the
// feed, with sanitised HTML content.
func TestAtom(t *testing.T) {
	clear := *sample()
	clear.TLP, clear.Body = indicator.TLPClear, "Hello <script>alert(1)</script> **world**"
	amber := *sample()
	amber.ID, amber.Title = 8, "Secret thing"
	draft := *sample()
	draft.ID, draft.TLP, draft.Status, draft.Title = 9, indicator.TLPClear, Draft, "Not yet"
	var buf bytes.Buffer
	err := WriteAtom(&buf, AtomFeed{ID: "https://hub.example.org/api/v1/advisories/feed.atom", Title: "Vigie advisories", Author: "Agence", Self: "https://hub.example.org/api/v1/advisories/feed.atom", Base: "https://hub.example.org"},
		[]Advisory{clear, amber, draft}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var feed struct {
		XMLName xml.Name
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Content string `xml:"content"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &feed); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if feed.XMLName.Space != "http://www.w3.org/2005/Atom" || len(feed.Entries) != 1 || feed.Entries[0].Title != clear.Title || feed.Entries[0].ID != "urn:uuid:"+clear.UUID {
		t.Fatalf("feed: %+v\n%s", feed, buf.String())
	}
	if c := feed.Entries[0].Content; !strings.Contains(c, "<strong>world</strong>") || strings.Contains(c, "<script") {
		t.Errorf("content: %s", c)
	}
}
