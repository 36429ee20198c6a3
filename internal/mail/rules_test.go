package mail

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const testRules = `
rule Vigie_Test_Dropper
{
    meta:
        description = "test dropper marker"
    strings:
        $a = "VIGIE-TEST-DROPPER"
    condition:
        $a
}

rule Vigie_Test_Weak
{
    meta:
        description = "weak test marker"
        score = 40
    strings:
        $a = "VIGIE-WEAK-MARKER"
    condition:
        $a
}

rule Vigie_Test_Strong
{
    meta:
        score = 80
    strings:
        $a = "VIGIE-STRONG-MARKER"
    condition:
        $a
}
`

// mailWith builds a message with one base64 attachment.
func mailWith(name string, data []byte) []byte {
	var b strings.Builder
	b.WriteString("From: Jean <jean@example.org>\r\nTo: c@example.net\r\nSubject: Notes\r\nMessage-ID: <m1@example.org>\r\nDate: Mon, 2 Feb 2026 10:00:00 +0100\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n")
	b.WriteString("--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"" + name + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString(data))
	b.WriteString("\r\n--b1--\r\n")
	return []byte(b.String())
}

func TestRuleScanner(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.yar"), []byte(testRules), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := LoadRules([]string{dir}, nil)
	if err != nil || rs == nil {
		t.Fatalf("LoadRules: %v", err)
	}
	if rs.Rules() != 3 {
		t.Fatalf("%d rules, want 3", rs.Rules())
	}
	a, err := New(Options{Scanners: []AttachmentScanner{rs}})
	if err != nil {
		t.Fatal(err)
	}
	pdf := func(s string) []byte { return []byte("%PDF-1.4\n1 0 obj << /Title (" + s + ") >> endobj\n%%EOF\n") }
	tests := []struct {
		name      string
		msg       []byte
		wantRule  string // "" = no rule reason
		wantText  string
		malicious bool
	}{
		{"clean counterpart", mailWith("notes.pdf", pdf("meeting notes")), "", "", false},
		{"no score: malicious", mailWith("notes.pdf", pdf("VIGIE-TEST-DROPPER")), "rule:Vigie_Test_Dropper", "test dropper marker", true},
		{"score 80: malicious", mailWith("notes.pdf", pdf("VIGIE-STRONG-MARKER")), "rule:Vigie_Test_Strong", "Vigie_Test_Strong", true},
		{"score 40: a weak sign", mailWith("notes.pdf", pdf("VIGIE-WEAK-MARKER")), "rule:Vigie_Test_Weak", "weak test marker", false},
		{"entry of a zip", mailWith("docs.zip", zipOf(t, map[string]string{"inner/notes.pdf": string(pdf("VIGIE-TEST-DROPPER"))})), "rule:Vigie_Test_Dropper", "docs.zip!inner/notes.pdf", true},
		{"clean zip", mailWith("docs.zip", zipOf(t, map[string]string{"inner/notes.pdf": string(pdf("nothing here"))})), "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := a.Analyze(context.Background(), tc.name, tc.msg, nil)
			var got *Reason
			for i := range res.Reasons {
				if strings.HasPrefix(res.Reasons[i].Check, "rule:") || res.Reasons[i].Check == "scan-error" {
					if got != nil {
						t.Errorf("second rule reason %+v", res.Reasons[i])
					}
					got = &res.Reasons[i]
				}
			}
			if tc.wantRule == "" {
				if got != nil {
					t.Fatalf("clean attachment got %+v", *got)
				}
				if res.Verdict != Clean {
					t.Errorf("verdict %s, want clean: %+v", res.Verdict, res.Reasons)
				}
				return
			}
			if got == nil {
				t.Fatalf("no rule reason; reasons %+v", res.Reasons)
			}
			if got.Check != tc.wantRule || !strings.Contains(got.Text+" "+got.Evidence[0].Name, tc.wantText) {
				t.Errorf("reason %+v, want %s mentioning %q", *got, tc.wantRule, tc.wantText)
			}
			if got.Match == nil || got.Match.Kind != "yara" {
				t.Errorf("match %+v", got.Match)
			}
			if (res.Verdict == Malicious) != tc.malicious {
				t.Errorf("verdict %s (score %.1f), malicious wanted: %v", res.Verdict, res.Score, tc.malicious)
			}
			if !tc.malicious && got.Score != RuleWeakPoints {
				t.Errorf("weak rule scored %.1f", got.Score)
			}
		})
	}
}

func TestLoadRulesErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yar")
	os.WriteFile(bad, []byte("rule x { condition: nope( }"), 0o644)
	if _, err := LoadRules([]string{bad}, nil); err == nil || !strings.Contains(err.Error(), "bad.yar") {
		t.Errorf("bad rule file: %v", err)
	}
	if _, err := LoadRules([]string{filepath.Join(dir, "missing.yar")}, nil); err == nil {
		t.Error("missing rule file accepted")
	}
	if rs, err := LoadRules(nil, nil); rs != nil || err != nil {
		t.Errorf("no rules: %v %v", rs, err)
	}
}

// FuzzAnalyzeWithRules runs hostile messages through the analyzer with a
// rule scanner: every part and archive entry reaches the YARA engine.
func FuzzAnalyzeWithRules(f *testing.F) {
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "test.yar"), []byte(testRules), 0o644); err != nil {
		f.Fatal(err)
	}
	rs, err := LoadRules([]string{dir}, nil)
	if err != nil {
		f.Fatal(err)
	}
	a, err := New(Options{Scanners: []AttachmentScanner{rs}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mailWith("notes.pdf", []byte("%PDF-1.4 VIGIE-TEST-DROPPER")))
	f.Add(mailWith("docs.zip", zipOf(f, map[string]string{"a/b.zip": string(zipOf(f, map[string]string{"c.pdf": "VIGIE-WEAK-MARKER"}))})))
	f.Fuzz(func(t *testing.T, raw []byte) {
		res := a.Analyze(context.Background(), "fuzz.eml", raw, nil)
		if res.Verdict == "" {
			t.Fatal("no verdict")
		}
		for _, r := range res.Reasons {
			if strings.HasPrefix(r.Check, "rule:") && (r.Match == nil || r.Match.Kind != "yara") {
				t.Fatalf("rule reason without its match: %+v", r)
			}
		}
		_ = Sightings(res, "h", time.Unix(0, 0))
	})
}
