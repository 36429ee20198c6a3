package yararules

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
