package yararules

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/report"

	"github.com/vigie-project/vigie/internal/indicator"
)

const lokiRule = `
rule Loki_Style_Exe_In_Temp {
  meta:
    description = "an executable named like a system file"
    author = "test"
    score = 70
  strings:
    $a = "EVIL-PAYLOAD"
  condition:
    $a and filetype == "EXE" and extension == ".exe" and filename matches /svchost/i and filepath contains "Temp" and owner != "nobody-at-all"
}
`

func TestExternalsReachTheRules(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.yar")
	if err := os.WriteFile(p, []byte(lokiRule), 0o644); err != nil {
		t.Fatal(err)
	}
	e, _, err := Load([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("MZ....EVIL-PAYLOAD....")
	ext := Externals{Filename: "svchost.exe", Filepath: `C:\Users\a\AppData\Local\Temp`, Extension: ".exe", Filetype: "EXE", Owner: "ann"}
	ms, err := e.ScanBytes(context.Background(), data, ext)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].Score != 70 || ms[0].Source != p || ms[0].Description == "" || len(ms[0].Strings) != 1 || ms[0].Strings[0].Offset != 6 {
		t.Fatalf("matches %+v", ms)
	}
	ext.Filetype = "DLL"
	if ms, _ := e.ScanBytes(context.Background(), data, ext); len(ms) != 0 {
		t.Errorf("the filetype external was not used: %+v", ms)
	}
}

func TestHubRulesAndErrors(t *testing.T) {
	ind := &indicator.Indicator{Type: indicator.YARA, Value: "Hub_Rule", Rule: `rule Hub_Rule { strings: $a = "xyz" condition: $a }`, Source: "agency", Threats: []string{"APT28"}, TLP: indicator.TLPAmber}
	e, _, err := Load(nil, []*indicator.Indicator{ind})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := e.ScanBytes(context.Background(), []byte("..xyz.."), Externals{})
	if err != nil || len(ms) != 1 || ms[0].Source != "agency" || ms[0].TLP != "amber" || ms[0].Threats[0] != "APT28" {
		t.Fatalf("matches %+v err %v", ms, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yar")
	os.WriteFile(bad, []byte("rule {"), 0o644)
	if _, _, err := Load([]string{bad}, nil); err == nil {
		t.Error("want a compile error naming the file")
	}
	if _, _, err := Load([]string{t.TempDir()}, nil); err == nil {
		t.Error("want an error for a directory without rules")
	}
}

// A hub rule that does not compile must not take the others down: the
// sensor skips it, says which one, and keeps scanning with the rest.
func TestBrokenHubRuleIsSkipped(t *testing.T) {
	good := &indicator.Indicator{ID: "indicator--11111111-1111-4111-8111-111111111111", Type: indicator.YARA, Value: "Good_Rule", Rule: `rule Good_Rule { strings: $a = "xyz" condition: $a }`, Source: "agency"}
	broken := &indicator.Indicator{ID: "indicator--22222222-2222-4222-8222-222222222222", Type: indicator.YARA, Value: "Broken_Rule", Rule: `rule Broken_Rule { strings: $a = "abc" condition: $b }`, Source: "agency"}
	include := &indicator.Indicator{ID: "indicator--33333333-3333-4333-8333-333333333333", Type: indicator.YARA, Value: "Sneaky", Rule: `include "/etc/passwd" rule Sneaky { condition: true }`, Source: "agency"}
	e, _, err := Load(nil, []*indicator.Indicator{broken, good, include})
	if err != nil {
		t.Fatalf("one broken rule disabled the sensor: %v", err)
	}
	ms, err := e.ScanBytes(context.Background(), []byte("..xyz.."), Externals{})
	if err != nil || len(ms) != 1 || ms[0].Rule != "Good_Rule" {
		t.Fatalf("the good rule no longer protects: %+v %v", ms, err)
	}
	sk := e.Skipped()
	if len(sk) != 2 || sk[0].Name != "Broken_Rule" || sk[0].ID != broken.ID || sk[1].Name != "Sneaky" {
		t.Fatalf("skipped %+v", sk)
	}
	f := sk[0].Finding("scan", "pc1", time.Now())
	if f.Severity != report.Low || f.Match.Value != "Broken_Rule" || f.Advice == "" || f.Title == "" {
		t.Errorf("finding %+v", f)
	}
	// only broken rules: an empty engine that still reports them
	e, _, err = Load(nil, []*indicator.Indicator{broken})
	if err != nil || e == nil || e.Rules() != 0 || len(e.Skipped()) != 1 {
		t.Fatalf("engine %+v err %v", e, err)
	}
	if ms, err := e.ScanBytes(context.Background(), []byte("abc"), Externals{}); err != nil || len(ms) != 0 {
		t.Errorf("empty engine: %v %v", ms, err)
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, rule string
		ok         bool
	}{
		{"A", `rule A { strings: $a = "x" condition: $a }`, true},
		{"A", `rule A { condition: filename matches /evil/ and extension == ".exe" }`, true},
		{"A", `rule A { condition: $nope }`, false},
		{"A", `rule B { condition: true }`, false},
		{"A", ``, false},
		{"A", `include "x.yar" rule A { condition: true }`, false},
	} {
		err := Check(tc.name, tc.rule)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%q): %v", tc.rule, err)
		}
	}
}
