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
	// compile errors name file, line and column, exit 1 like yara
	bad := filepath.Join(dir, "bad.yar")
	os.WriteFile(bad, []byte("rule x {\n condition: nope }"), 0o644)
	code, _, errs = vigie(t, "", "yara", bad, target)
	if code != 1 || !strings.Contains(errs, "bad.yar:2:13: error: undefined identifier \"nope\"") {
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
	// every error exits with 1, as yara 4.2.3 does
	for _, c := range []struct {
		name string
		args []string
	}{
		{"missing target argument", []string{"yara", rules}},
		{"unknown flag", []string{"yara", "--bogus", rules, target}},
		{"missing rules file", []string{"yara", filepath.Join(dir, "nope.yar"), target}},
		{"missing target file", []string{"yara", rules, filepath.Join(dir, "nope")}},
		{"-C with two files", []string{"yara", "-C", saved, saved, target}},
		{"compile: missing output", []string{"yara", "compile", rules}},
	} {
		if code, _, errs := vigie(t, "", c.args...); code != 1 {
			t.Errorf("%s: exit %d, want 1 (stderr %q)", c.name, code, errs)
		}
	}
	// a file that cannot be read inside a directory does not fail the run
	os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(target, "dangling"))
	if code, _, errs := vigie(t, "", "yara", "-d", "ext=x", rules, target); code != 0 {
		t.Errorf("directory with a dangling link: exit %d (stderr %q)", code, errs)
	}
	// -v prints the yara version whose behaviour vigie follows
	if code, out, _ := vigie(t, "", "yara", "-v"); code != 0 || out != "4.2.3\n" {
		t.Errorf("-v: exit %d, out %q", code, out)
	}
	// the yara flags are wired: --scan-list, -S, -D, -x, -k, --fail-on-warnings ...
	list := filepath.Join(dir, "list")
	os.WriteFile(list, []byte(filepath.Join(target, "a.txt")+"\n"), 0o644)
	mathRules := filepath.Join(dir, "m.yar")
	os.WriteFile(mathRules, []byte("import \"math\"\nrule m { strings: $a = \"needle\" condition: $a }"), 0o644)
	code, out, errs = vigie(t, "", "yara", "--scan-list", "-S", "-D", "-x", "cuckoo="+list, "-k", "200", "--fail-on-warnings",
		"--max-strings-per-rule", "5", "--max-process-memory-chunk", "1024", mathRules, list)
	want := "math\n\tMEAN_BYTES = 127.500000\nm " + filepath.Join(target, "a.txt") + "\n"
	if code != 0 || !strings.HasPrefix(out, "number of rules                    : 1\n") || !strings.HasSuffix(out, want) {
		t.Errorf("yara flags: exit %d, out %q, stderr %q", code, out, errs)
	}
}

// TestYaraDecompile: "vigie yara decompile" prints the rules of a yarac
// file (a shipped one, made by yarac 4.2.3) with their namespaces, tags
// and metadata, and a summary on stderr; a file that is not one fails.
func TestYaraDecompile(t *testing.T) {
	yarc := filepath.Join("..", "..", "internal", "yara", "yarac", "testdata", "conds.yarc")
	code, out, errs := vigie(t, "", "yara", "decompile", yarc)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"// namespace default\nimport \"pe\"", "global rule glob : t1 {\n  meta:\n    m = \"x\"", "rule refs : t2 t3 {", "// namespace ns2\nimport \"math\"\nrule arith {"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "13 rules, 8 strings") {
		t.Errorf("stderr %q", errs)
	}
	if code, _, errs := vigie(t, "", "yara", "decompile", "cmd_yara_test.go"); code != 1 || !strings.Contains(errs, "not a file compiled by libyara's yarac") {
		t.Errorf("not a yarac file: exit %d %q", code, errs)
	}
}
