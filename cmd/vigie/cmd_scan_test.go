package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanExitCodesAndJSON(t *testing.T) {
	dir := t.TempDir()
	clean := filepath.Join(dir, "clean")
	os.MkdirAll(clean, 0o755)
	os.WriteFile(filepath.Join(clean, "a.txt"), []byte("hello"), 0o644)
	dirty := filepath.Join(dir, "dirty")
	os.MkdirAll(dirty, 0o755)
	os.WriteFile(filepath.Join(dirty, "pagemgr.exe"), []byte("MZ"), 0o644) // a file name of the built-in pack
	iocs := filepath.Join(dir, "iocs.csv")
	os.WriteFile(iocs, []byte("type,value\nsha256,2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n"), 0o644) // sha256("hello")

	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"clean", []string{"scan", "--no-progress", clean}, exitOK},
		{"finding", []string{"scan", "--no-progress", dirty}, exitFindings},
		{"hash from --iocs", []string{"scan", "--no-builtin", "--iocs", iocs, clean}, exitFindings},
		{"missing path", []string{"scan", filepath.Join(dir, "nope")}, exitError},
		{"bad size", []string{"scan", "--max-size", "lots", clean}, exitUsage},
		{"json and sarif", []string{"scan", "--json", "--sarif", clean}, exitUsage},
		{"token without hub", []string{"scan", "--token", "x", clean}, exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(context.Background(), tc.args, strings.NewReader(""), &out, &errb); code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out.String(), errb.String())
			}
		})
	}

	var out bytes.Buffer
	run(context.Background(), []string{"scan", "--json", dirty}, strings.NewReader(""), &out, &bytes.Buffer{})
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a finding and a summary line, got:\n%s", out.String())
	}
	var f map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &f); err != nil {
		t.Fatal(err)
	}
	if f["record"] != "finding" || f["path"] != filepath.Join(dirty, "pagemgr.exe") || f["schema"] != float64(1) {
		t.Errorf("finding line %s", lines[0])
	}
}

func TestScanParseSize(t *testing.T) {
	for in, want := range map[string]int64{"256M": 256 << 20, "1G": 1 << 30, "512k": 512 << 10, "100": 100, "0": -1, "2GiB": 2 << 30} {
		if got, err := scanParseSize(in); err != nil || got != want {
			t.Errorf("scanParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if _, err := scanParseSize("-1"); err == nil {
		t.Error("want an error for a negative size")
	}
}

// TestScanTimeout: --timeout bounds the rule scan of one file; the file
// that reaches it is a finding "not fully scanned" naming it.
func TestScanTimeout(t *testing.T) {
	dir := t.TempDir()
	rule := filepath.Join(dir, "slow.yar")
	os.WriteFile(rule, []byte("rule Slow { strings: $a = { 61 62 [0-1000] 61 62 [0-1000] 7A 7A } $b = /a[ab]{0,200}b[ab]*z/ condition: any of them }\n"), 0o644)
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	big := filepath.Join(data, "big.bin")
	os.WriteFile(big, []byte(strings.Repeat("ab", 2<<20)), 0o644)
	code, out, errs := vigie(t, "", "scan", "--no-progress", "--no-builtin", "--rules", rule, "--timeout", "1ms", "--json", data)
	if code != exitFindings || !strings.Contains(out, `"not-fully-scanned"`) || !strings.Contains(out, big) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, bad := range []string{"0s", "2h", "soon"} {
		if code, _, _ := vigie(t, "", "scan", "--timeout", bad, data); code != exitUsage {
			t.Errorf("--timeout %s: exit %d, want %d", bad, code, exitUsage)
		}
	}
}
