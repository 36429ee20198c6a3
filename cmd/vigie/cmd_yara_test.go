package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestYaraCommand(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "r.yar")
	os.WriteFile(rules, []byte(`rule hit { strings: $a = "needle" condition: $a and ext == "x" }
rule miss { condition: false }`), 0o644)
	target := filepath.Join(dir, "data")
	os.MkdirAll(filepath.Join(target, "sub"), 0o755)
	os.WriteFile(filepath.Join(target, "a.txt"), []byte("a needle here"), 0o644)
	os.WriteFile(filepath.Join(target, "sub", "b.txt"), []byte("needle"), 0o644)

	code, out, errs := vigie(t, "", "yara", "-r", "-s", "-d", "ext=x", rules, target)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	for _, want := range []string{"hit " + target + "/a.txt\n0x2:$a: needle\n", "hit " + target + "/sub/b.txt\n0x0:$a: needle\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
	if code, _, _ := vigie(t, "", "yara", "--exit-findings", "-d", "ext=x", rules, filepath.Join(target, "a.txt")); code != exitFindings {
		t.Errorf("--exit-findings: exit %d, want %d", code, exitFindings)
	}
	// compile errors name file, line and column, exit 2
	bad := filepath.Join(dir, "bad.yar")
	os.WriteFile(bad, []byte("rule x {\n condition: nope }"), 0o644)
	code, _, errs = vigie(t, "", "yara", bad, target)
	if code != 2 || !strings.Contains(errs, "bad.yar:2:13: error: undefined identifier \"nope\"") {
		t.Errorf("bad rule: exit %d, stderr %q", code, errs)
	}
	// save and load
	saved := filepath.Join(dir, "r.vyc")
	if code, _, errs := vigie(t, "", "yara", "compile", "-d", "ext=x", rules, saved); code != 0 {
		t.Fatalf("compile: exit %d %s", code, errs)
	}
	code, out, _ = vigie(t, "", "yara", "-C", "-c", saved, filepath.Join(target, "a.txt"))
	if code != 0 || out != "1\n" {
		t.Errorf("-C -c: exit %d, out %q", code, out)
	}
	if code, _, _ := vigie(t, "", "yara", rules); code != exitUsage {
		t.Errorf("missing target: exit %d, want %d", code, exitUsage)
	}
}
