package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIndicatorsStatsBuiltin(t *testing.T) {
	code, out, errs := vigie(t, "", "indicators", "stats", "--builtin", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var st struct {
		Indicators int            `json:"indicators"`
		ByThreat   map[string]int `json:"by_threat"`
		ByTLP      map[string]int `json:"by_tlp"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	if st.Indicators < 30 || st.ByThreat["APT28"] == 0 || st.ByTLP["clear"] != st.Indicators {
		t.Errorf("built-in pack stats look wrong: %+v", st)
	}
}

func TestIndicatorsConvert(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "iocs.csv")
	os.WriteFile(in, []byte("type,value,tlp,threats\ndomain,onedrive-en-marche[.]fr,amber,APT28\nipv4,45.32.129.185,green,\n"), 0o644)
	bundle := filepath.Join(dir, "bundle.json")
	if code, _, errs := vigie(t, "", "indicators", "convert", "--to", "stix", in, bundle); code != 0 {
		t.Fatalf("csv → stix: exit %d: %s", code, errs)
	}
	feed := filepath.Join(dir, "feed")
	if code, _, errs := vigie(t, "", "indicators", "convert", "--to", "misp-feed", bundle, feed); code != 0 {
		t.Fatalf("stix → misp-feed: exit %d: %s", code, errs)
	}
	code, out, errs := vigie(t, "", "indicators", "convert", "--to", "csv", feed)
	if code != 0 {
		t.Fatalf("misp-feed → csv: exit %d: %s", code, errs)
	}
	for _, want := range []string{"domain,onedrive-en-marche.fr,amber", "ipv4,45.32.129.185,green"} {
		if !strings.Contains(out, want) {
			t.Errorf("after csv → stix → misp-feed → csv, output lacks %q:\n%s", want, out)
		}
	}
}

func TestIndicatorsErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("type,value\ndomain,evil.com\nsha256,nothex\n"), 0o644)
	tests := []struct {
		name     string
		args     []string
		code     int
		inStderr string
	}{
		{"missing --to", []string{"indicators", "convert", bad}, exitUsage, "--to is required"},
		{"unknown format", []string{"indicators", "convert", "--to", "xml", bad}, exitUsage, "unknown format"},
		{"malformed row", []string{"indicators", "convert", "--to", "list", bad}, exitError, "line 3"},
		{"missing file", []string{"indicators", "stats", filepath.Join(dir, "nope")}, exitError, "no such file"},
		{"no args", []string{"indicators", "stats"}, exitUsage, "at least one FILE"},
		{"unknown flag", []string{"indicators", "stats", "--frobnicate"}, exitUsage, "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := vigie(t, "", tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.inStderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errs, tt.code, tt.inStderr)
			}
		})
	}
	// --lenient reads the rest and lists the bad row.
	code, out, errs := vigie(t, "", "indicators", "convert", "--lenient", "--to", "list", bad)
	if code != 0 || strings.TrimSpace(out) != "evil.com" || !strings.Contains(errs, "line 3") {
		t.Errorf("--lenient: exit %d, out %q, err %q", code, out, errs)
	}
}

func TestIndicatorsMatch(t *testing.T) {
	code, out, _ := vigie(t, "", "indicators", "match", "login.onedrive-en-marche.fr", "en-marche.fr")
	if code != exitFindings || !strings.Contains(out, "MATCH login.onedrive-en-marche.fr") || strings.Contains(out, "MATCH en-marche.fr") {
		t.Errorf("exit %d, out:\n%s", code, out)
	}
	code, out, _ = vigie(t, "example.org\n", "indicators", "match", "-")
	if code != exitOK || out != "" {
		t.Errorf("no match: exit %d, out %q", code, out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := vigie(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "vigie ") {
		t.Errorf("version: %d %q", code, out)
	}
}
