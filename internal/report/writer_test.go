package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleFindings() []*Finding {
	at := time.Date(2026, 5, 1, 8, 30, 0, 0, time.UTC)
	return []*Finding{
		{
			Schema: SchemaVersion, Time: at, Sensor: "scan", Host: "laptop-7", Severity: Medium,
			Title:    "File named like a known attacker tool (APT29)",
			Subject:  Subject{Kind: "file", Path: "/home/ann/Downloads/pagemgr.exe", Size: 1234},
			Match:    Match{Kind: "indicator", Type: "filename", Value: "pagemgr.exe", Source: "CrowdStrike", Threats: []string{"APT29"}, TLP: "clear"},
			Evidence: []Evidence{{Name: "filename", Data: "pagemgr.exe", Detail: "the file name is on the indicator list"}},
			Advice:   "Ask your IT lead.", ID: "scan-1",
		},
		{
			Schema: SchemaVersion, Time: at, Sensor: "scan", Host: "laptop-7", Severity: Critical,
			Title:    "Known attacker file (APT28, X-Agent)",
			Subject:  Subject{Kind: "file", Path: "/srv/share/archive.zip!docs/a.docm!word/vbaProject.bin!VBA/Module1", Size: 99, SHA256: strings.Repeat("ab", 32)},
			Match:    Match{Kind: "indicator", Type: "sha256", Value: strings.Repeat("ab", 32), Source: "FireEye", Threats: []string{"APT28", "X-Agent"}, TLP: "amber", Tags: []string{"vigie-builtin"}},
			Evidence: []Evidence{{Name: "sha256", Data: strings.Repeat("ab", 32), Detail: "the file's SHA256 is on the indicator list"}},
			Advice:   "Do not open this file.", ID: "scan-2",
		},
		{
			Schema: SchemaVersion, Time: at, Sensor: "scan", Severity: High,
			Title:    "Matches YARA rule APT_X: odd \x1b[31m name",
			Subject:  Subject{Kind: "file", Path: "/tmp/odd\nname.bin", Size: 4096},
			Match:    Match{Kind: "yara", Type: "rule", Value: "APT_X", Source: "rules.yar"},
			Evidence: []Evidence{{Name: "$s1", Offset: 0x40, Data: "evil"}},
			Advice:   "Keep the file.", ID: "scan-3",
		},
	}
}

func sampleSummary() Summary {
	s := Summary{Examined: 1200, Bytes: 5 << 20, Errors: 1, Duration: 1500 * time.Millisecond, Extra: map[string]int64{"containers": 3, "special_files_skipped": 1}}
	for _, f := range sampleFindings() {
		s.Add(f)
	}
	return s
}

func render(t *testing.T, format string, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := New(format, &buf, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sampleFindings() {
		if err := w.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Problem("/home/ann/secret.txt", errors.New("open: permission denied")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(sampleSummary()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestWritersGolden(t *testing.T) {
	for _, tc := range []struct {
		format, file string
		o            Options
	}{
		{"text", "findings.txt", Options{}},
		{"text", "findings-color.txt", Options{Color: true}},
		{"jsonl", "findings.jsonl", Options{}},
		{"sarif", "findings.sarif", Options{Version: "1.0.0"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			golden(t, tc.file, render(t, tc.format, tc.o))
		})
	}
}

func TestJSONLinesCarryPathAndSchema(t *testing.T) {
	out := render(t, "jsonl", Options{})
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 3 findings, 1 problem, 1 summary; got %d lines", len(lines))
	}
	for i, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if m["schema"] != float64(SchemaVersion) {
			t.Errorf("line %d: schema = %v", i+1, m["schema"])
		}
		if i < 3 {
			sub := m["subject"].(map[string]any)
			if m["record"] != "finding" || m["path"] == nil || m["path"] != sub["path"] {
				t.Errorf("line %d: record %v, path %v, subject.path %v", i+1, m["record"], m["path"], sub["path"])
			}
		}
	}
	if !strings.Contains(lines[1], `"path":"/srv/share/archive.zip!docs/a.docm!word/vbaProject.bin!VBA/Module1"`) {
		t.Errorf("container path not at top level: %s", lines[1])
	}
}

func TestTextEscapesControlCharacters(t *testing.T) {
	out := string(render(t, "text", Options{}))
	if strings.Contains(out, "\x1b") || strings.Contains(out, "odd\nname") {
		t.Errorf("control characters from a file name reached the terminal:\n%s", out)
	}
	if i, j := strings.Index(out, "[CRITICAL]"), strings.Index(out, "[MEDIUM]"); i < 0 || j < 0 || i > j {
		t.Errorf("findings not grouped worst first:\n%s", out)
	}
}

func TestSARIFIsValidJSON(t *testing.T) {
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, "sarif", Options{}), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != 3 {
		t.Fatalf("unexpected SARIF shape: %+v", log)
	}
	if got := log.Runs[0].Results[1].Level; got != "error" {
		t.Errorf("critical finding level = %q, want error", got)
	}
}

func TestFileURI(t *testing.T) {
	for in, want := range map[string]string{
		"/srv/a b.zip!x/y": "file:///srv/a%20b.zip",
		"rel/x.exe":        "rel/x.exe",
	} {
		if got := fileURI(in); got != want {
			t.Errorf("fileURI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewUnknownFormat(t *testing.T) {
	if _, err := New("xml", &bytes.Buffer{}, Options{}); err == nil {
		t.Error("want an error for an unknown format")
	}
}

func TestJSONLKeepsNonUTF8PathBytes(t *testing.T) {
	var buf bytes.Buffer
	w := NewJSONL(&buf)
	w.Write(&Finding{Subject: Subject{Kind: "file", Path: "/tmp/odd\xffname"}})
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if m["path_base64"] != "L3RtcC9vZGT/bmFtZQ==" {
		t.Errorf("path_base64 = %v", m["path_base64"])
	}
}
