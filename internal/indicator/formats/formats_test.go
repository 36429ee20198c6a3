package formats

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// sample is a collection with every type and TLP level, as an analyst would
// publish it.
func sample(t *testing.T) *indicator.Collection {
	t.Helper()
	c := &indicator.Collection{}
	c.AddThreat(indicator.Threat{Name: "APT28", Kind: "intrusion-set", Aliases: []string{"Fancy Bear"}})
	c.AddThreat(indicator.Threat{Name: "X-Agent", Kind: "malware"})
	add := func(typ indicator.Type, v string, tlp indicator.TLP, threats ...string) {
		n, err := indicator.Normalize(typ, v)
		if err != nil {
			t.Fatal(err)
		}
		c.Indicators = append(c.Indicators, indicator.Indicator{Type: typ, Value: n, TLP: tlp, Threats: threats,
			Description: "seen in " + string(typ) + " form", ValidFrom: time.Date(2017, 4, 25, 0, 0, 0, 0, time.UTC)})
	}
	add(indicator.MD5, "0123456789abcdef0123456789abcdef", indicator.TLPWhite, "X-Agent")
	add(indicator.SHA1, "e2450dffa675c61aa43077b25b12851a910eeeb6", indicator.TLPClear, "APT28")
	add(indicator.SHA256, "a9dc96d45702538c2086a749ba2fb467ba8d8b603e513bdef62a024dfeb124cb", indicator.TLPGreen, "APT28", "X-Agent")
	add(indicator.SHA512, strings.Repeat("ab", 64), indicator.TLPAmber)
	add(indicator.Domain, "onedrive-en-marche.fr", indicator.TLPAmberStrict, "APT28")
	add(indicator.URL, "http://myaccount.google.com-securitysettingpage.tk/security/signinoptions/password", indicator.TLPRed, "APT28")
	add(indicator.IPv4, "45.32.129.185", indicator.TLPGreen)
	add(indicator.IPv4, "198.51.100.0/24", indicator.TLPGreen)
	add(indicator.IPv6, "2001:db8:bad::/48", indicator.TLPAmber)
	add(indicator.Email, "phisher@mail-en-march.fr", indicator.TLPAmber, "APT28")
	add(indicator.Filename, "pagemgr.exe", indicator.TLPClear)
	return c
}

type key struct {
	typ   indicator.Type
	value string
	tlp   indicator.TLP
}

func keys(c *indicator.Collection) []key {
	var out []key
	for _, i := range c.Indicators {
		out = append(out, key{i.Type, i.Value, i.TLP})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].typ != out[j].typ {
			return out[i].typ < out[j].typ
		}
		return out[i].value < out[j].value
	})
	return out
}

func sameKeys(t *testing.T, what string, want, got *indicator.Collection) {
	t.Helper()
	w, g := keys(want), keys(got)
	if len(w) != len(g) {
		t.Fatalf("%s: %d indicators, want %d\n got: %v\nwant: %v", what, len(g), len(w), g, w)
	}
	for i := range w {
		if w[i] != g[i] {
			t.Errorf("%s: got %v, want %v", what, g[i], w[i])
		}
	}
}

// convert writes c in format `to` (to a temp dir for directory formats) and
// reads it back with detection.
func convert(t *testing.T, c *indicator.Collection, to string) *indicator.Collection {
	t.Helper()
	f, err := Lookup(to)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if !f.Dir {
		out += "." + to
	}
	lost, err := Write(f, out, nil, c)
	if err != nil {
		t.Fatalf("writing %s: %v", to, err)
	}
	if len(lost) > 0 {
		t.Fatalf("writing %s lost %v", to, lost)
	}
	got, detected, err := Read(out, "", nil, indicator.ReadOptions{})
	if err != nil {
		t.Fatalf("reading back %s: %v", to, err)
	}
	if detected == nil || detected.Name != to {
		t.Errorf("wrote %s, detection said %v", to, detected)
	}
	return got
}

func TestRoundTrips(t *testing.T) {
	orig := sample(t)
	// STIX → MISP → STIX keeps every value, type and TLP.
	stix1 := convert(t, orig, "stix")
	sameKeys(t, "stix", orig, stix1)
	mispEv := convert(t, stix1, "misp")
	sameKeys(t, "stix→misp", orig, mispEv)
	sameKeys(t, "stix→misp→stix", orig, convert(t, mispEv, "stix"))
	// MISP feed → STIX → MISP feed.
	feed := convert(t, orig, "misp-feed")
	sameKeys(t, "misp-feed", orig, feed)
	sameKeys(t, "misp-feed→stix→misp-feed", orig, convert(t, convert(t, feed, "stix"), "misp-feed"))
	// CSV keeps everything too.
	sameKeys(t, "csv", orig, convert(t, orig, "csv"))
	// Threats survive STIX and MISP.
	for _, name := range []string{"stix", "misp"} {
		got := convert(t, orig, name)
		for _, ind := range got.Indicators {
			if ind.Type == indicator.SHA256 && len(ind.Threats) != 2 {
				t.Errorf("%s: the SHA-256 lost its threats: %v", name, ind.Threats)
			}
		}
	}
}

func TestWriteReportsWhatAFormatCannotExpress(t *testing.T) {
	c := sample(t)
	c.Indicators = append(c.Indicators, indicator.Indicator{Type: indicator.YARA, Value: "r", Rule: "rule r { condition: true }"})
	f, _ := Lookup("list")
	var buf bytes.Buffer
	lost, err := Write(f, "-", &buf, c)
	if err != nil {
		t.Fatal(err)
	}
	if len(lost) != 1 || !strings.Contains(lost[0].Reason, "cannot express a yara indicator") {
		t.Fatalf("lost = %v, want the YARA rule reported", lost)
	}
	if n := strings.Count(buf.String(), "\n"); n != len(c.Indicators)-1 {
		t.Errorf("list has %d lines, want %d", n, len(c.Indicators)-1)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, head, want string
	}{
		{"bundle.json", `{"type": "bundle", "id": "bundle--1", "objects": []}`, "stix"},
		{"event.json", `{"Event": {"info": "x", "Attribute": []}}`, "misp"},
		{"iocs.csv", "type,value\ndomain,evil.com\n", "csv"},
		{"hash-iocs.txt", "d41d8cd98f00b204e9800998ecf8427e;empty\n", "loki"},
		{"list.txt", "evil.com\n1.2.3.4\n", "list"},
	}
	for _, tt := range tests {
		f := Detect(tt.name, []byte(tt.head))
		if f == nil || f.Name != tt.want {
			t.Errorf("Detect(%s) = %v, want %s", tt.name, f, tt.want)
		}
	}
}

func TestDecodeByContentType(t *testing.T) {
	c, err := Decode(strings.NewReader("type,value\ndomain,evil.com\n"), "upload", "", "text/csv; charset=utf-8", indicator.ReadOptions{})
	if err != nil || len(c.Indicators) != 1 {
		t.Fatalf("csv upload: %v %v", c, err)
	}
	if _, err := Decode(strings.NewReader("{"), "upload", "", "application/stix+json", indicator.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "upload") {
		t.Errorf("broken STIX upload: %v, want an error naming the upload", err)
	}
}

func TestReadPlainDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("type,value\ndomain,a.example\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("b.example\n"), 0o644)
	os.Mkdir(filepath.Join(dir, "old"), 0o755)
	c, _, err := Read(dir, "", nil, indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 2 {
		t.Fatalf("read %d indicators from the folder, want 2", len(c.Indicators))
	}
	if len(c.Skipped) != 1 {
		t.Errorf("the sub-folder not read must be counted, got %v", c.Skipped)
	}
}
