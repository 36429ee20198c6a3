package misp

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var fixedNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// sampleCollection has every indicator type and every field the model
// carries that MISP can hold.
func sampleCollection() *indicator.Collection {
	t0 := time.Date(2026, 2, 1, 8, 0, 0, 123456000, time.UTC)
	c := &indicator.Collection{}
	c.AddThreat(indicator.Threat{Name: "APT28", Kind: "intrusion-set", Aliases: []string{"Fancy Bear", "Sofacy"}})
	c.AddThreat(indicator.Threat{Name: "X-Agent", Kind: "malware"})
	c.AddThreat(indicator.Threat{Name: "Zebrocy", Kind: "tool"})
	c.AddThreat(indicator.Threat{Name: "Operation Urne", Kind: "campaign"})
	c.AddThreat(indicator.Threat{Name: "Unknown cluster"})
	c.Indicators = []indicator.Indicator{
		{ID: "indicator--0f4b4d2c-7c3e-4b8a-9c1d-2e3f4a5b6c7d", Type: indicator.MD5, Value: "0749bae92ca336a02c83d126e04ec628", Source: "ANSSI", TLP: indicator.TLPAmber, Threats: []string{"APT28", "X-Agent"}, Description: "X-Agent dropper", ValidFrom: t0, ValidUntil: t0.AddDate(0, 6, 0), Modified: t0.Add(time.Hour), Tags: []string{"elections-2026"}, Confidence: 85},
		{Type: indicator.SHA1, Value: "77b0c41b7d340b8a3d903f21347bbf06aa766b5b", Source: "ANSSI", TLP: indicator.TLPAmberStrict, Threats: []string{"APT28"}},
		{Type: indicator.SHA256, Value: "b3c4ae251f8094fa15b510051835c657eaef2a6cea46075d3aec964b14a99f68", Source: "ANSSI", TLP: indicator.TLPRed, Threats: []string{"APT28", "Zebrocy"}},
		{Type: indicator.SHA512, Value: strings.Repeat("ab", 64), Source: "ANSSI", TLP: indicator.TLPGreen, Threats: []string{"APT28", "Operation Urne"}, Informational: true},
		{Type: indicator.Domain, Value: "accounts-google.com", Source: "ANSSI", TLP: indicator.TLPWhite, Threats: []string{"APT28"}, Description: "phishing \"login\" page — été"},
		{Type: indicator.URL, Value: "https://sites.google.com/view/evil-login", Source: "CERT-Example", TLP: indicator.TLPClear, Threats: []string{"Unknown cluster"}},
		{Type: indicator.IPv4, Value: "185.86.148.227", Source: "CERT-Example", Tags: []string{"port:8443", "c2"}},
		{Type: indicator.IPv4, Value: "203.0.113.0/24", Source: "CERT-Example"},
		{Type: indicator.IPv6, Value: "2001:db8::/48", Source: "CERT-Example", Informational: true},
		{Type: indicator.Email, Value: "support.candidat@gmail.com"},
		{Type: indicator.Filename, Value: "facture.pdf.exe"},
		{Type: indicator.PathRegex, Value: `(?i)\\AppData\\Roaming\\[a-z]{8}\.exe$`},
		{Type: indicator.YARA, Value: "XAgent_Strings", Rule: "rule XAgent_Strings\n{\n  strings:\n    $a = \"xagent\"\n  condition:\n    $a\n}"},
		{Type: indicator.YARA, Value: "Bare_Name"},
	}
	return c
}

type indKey struct{ typ, value string }

// checkSame asserts that got keeps everything of want that MISP can hold.
func checkSame(t *testing.T, want, got *indicator.Collection, exporter string) {
	t.Helper()
	byKey := map[indKey]indicator.Indicator{}
	for _, ind := range got.Indicators {
		byKey[indKey{string(ind.Type), ind.Value}] = ind
	}
	if len(got.Indicators) != len(want.Indicators) {
		t.Errorf("%d indicators, want %d", len(got.Indicators), len(want.Indicators))
	}
	for _, w := range want.Indicators {
		g, ok := byKey[indKey{string(w.Type), w.Value}]
		if !ok {
			t.Errorf("%s %q lost", w.Type, w.Value)
			continue
		}
		src := w.Source
		if src == "" {
			src = exporter
		}
		if g.Confidence != w.Confidence {
			t.Errorf("%s %q: confidence %d, want %d", w.Type, w.Value, g.Confidence, w.Confidence)
		}
		if g.TLP != w.TLP || g.Informational != w.Informational || g.Description != w.Description || g.Rule != w.Rule || g.Source != src {
			t.Errorf("%s %q:\n got tlp=%q info=%v desc=%q rule=%q src=%q\nwant tlp=%q info=%v desc=%q rule=%q src=%q",
				w.Type, w.Value, g.TLP, g.Informational, g.Description, g.Rule, g.Source, w.TLP, w.Informational, w.Description, w.Rule, src)
		}
		if !g.ValidFrom.Equal(w.ValidFrom.Truncate(time.Microsecond)) || !g.ValidUntil.Equal(w.ValidUntil.Truncate(time.Microsecond)) || !g.Modified.Equal(w.Modified.Truncate(time.Second)) {
			t.Errorf("%s %q: times %v %v %v, want %v %v %v", w.Type, w.Value, g.ValidFrom, g.ValidUntil, g.Modified, w.ValidFrom, w.ValidUntil, w.Modified)
		}
		if sorted(g.Threats) != sorted(w.Threats) || sorted(g.Tags) != sorted(w.Tags) {
			t.Errorf("%s %q: threats %v tags %v, want %v %v", w.Type, w.Value, g.Threats, g.Tags, w.Threats, w.Tags)
		}
		for _, name := range w.Threats {
			wt, _ := want.Threat(name)
			gt, ok := got.Threat(name)
			if !ok || gt.Name != wt.Name || gt.Kind != wt.Kind || sorted(gt.Aliases) != sorted(wt.Aliases) {
				t.Errorf("threat %q: got %+v, want %+v", name, gt, wt)
			}
		}
	}
}

func sorted(s []string) string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return strings.Join(s, "|")
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update after checking):\n%s", name, got)
	}
}

func TestEncodeEventRoundTrip(t *testing.T) {
	c := sampleCollection()
	var buf bytes.Buffer
	if err := EncodeEvent(&buf, c, EncodeOptions{Now: fixedNow, Info: "APT28 against the campaign"}); err != nil {
		t.Fatal(err)
	}
	golden(t, "event.json", buf.Bytes())
	got, err := DecodeEvent(bytes.NewReader(buf.Bytes()), indicator.ReadOptions{Name: "event.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 0 {
		t.Errorf("problems: %v", got.Problems)
	}
	checkSame(t, c, got, "Vigie")
	// IDs: a STIX id keeps its uuid.
	for _, ind := range got.Indicators {
		if ind.Value == "0749bae92ca336a02c83d126e04ec628" && ind.ID != "0f4b4d2c-7c3e-4b8a-9c1d-2e3f4a5b6c7d" {
			t.Errorf("id %q", ind.ID)
		}
	}
	// Again: the output is stable.
	var buf2 bytes.Buffer
	if err := EncodeEvent(&buf2, got, EncodeOptions{Now: fixedNow, Info: "APT28 against the campaign"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Error("second export differs")
	}
}

func TestEncodeTLPPlacement(t *testing.T) {
	c := &indicator.Collection{Indicators: []indicator.Indicator{
		{Type: indicator.Domain, Value: "a.example", TLP: indicator.TLPGreen},
		{Type: indicator.Domain, Value: "b.example", TLP: indicator.TLPGreen},
	}}
	var buf bytes.Buffer
	if err := EncodeEvent(&buf, c, EncodeOptions{Now: fixedNow}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), `"tlp:green"`); n != 1 {
		t.Errorf("shared TLP written %d times, want once as an event tag:\n%s", n, buf.String())
	}
	c.Indicators[1].TLP = indicator.TLPRed
	buf.Reset()
	EncodeEvent(&buf, c, EncodeOptions{Now: fixedNow})
	if strings.Count(buf.String(), `"tlp:green"`) != 1 || strings.Count(buf.String(), `"tlp:red"`) != 1 {
		t.Errorf("differing TLPs must be attribute tags:\n%s", buf.String())
	}
	got, _ := DecodeEvent(&buf, indicator.ReadOptions{})
	if got.Indicators[0].TLP != indicator.TLPGreen || got.Indicators[1].TLP != indicator.TLPRed {
		t.Errorf("TLPs read back: %v", got.Indicators)
	}
}

func TestFeedRoundTrip(t *testing.T) {
	c := sampleCollection()
	files, err := BuildFeed(c, FeedOptions{EncodeOptions: EncodeOptions{Now: fixedNow}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range files {
		names = append(names, n)
		golden(t, "feed/"+n, files[n])
	}
	sort.Strings(names)
	// Per (source, first threat): ANSSI/APT28, CERT-Example/Unknown
	// cluster, CERT-Example, Vigie → 4 events.
	if len(names) != 6 {
		t.Errorf("files %v, want manifest, hashes and 4 events", names)
	}
	dir := t.TempDir()
	if err := WriteFeed(dir, c, FeedOptions{EncodeOptions: EncodeOptions{Now: fixedNow}}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFeed(dir, indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Problems) != 0 {
		t.Errorf("problems: %v", got.Problems)
	}
	checkSame(t, c, got, "Vigie")

	// Stable: the same collection gives the same files.
	again, _ := BuildFeed(c, FeedOptions{EncodeOptions: EncodeOptions{Now: fixedNow}})
	for n, b := range files {
		if !bytes.Equal(b, again[n]) {
			t.Errorf("%s differs between two exports", n)
		}
	}
	// Feed → model → feed gives the same events.
	second, err := BuildFeed(got, FeedOptions{EncodeOptions: EncodeOptions{Now: fixedNow}})
	if err != nil {
		t.Fatal(err)
	}
	if string(second["manifest.json"]) != string(files["manifest.json"]) || string(second["hashes.csv"]) != string(files["hashes.csv"]) {
		t.Errorf("feed → collection → feed changed the manifest or hashes:\n%s\n%s", second["manifest.json"], files["manifest.json"])
	}
}

func TestFeedGrouping(t *testing.T) {
	c := sampleCollection()
	for _, g := range []struct {
		by     string
		events int
	}{{GroupThreat, 4}, {GroupSource, 3}, {GroupNone, 1}} {
		files, err := BuildFeed(c, FeedOptions{GroupBy: g.by, EncodeOptions: EncodeOptions{Now: fixedNow}})
		if err != nil {
			t.Fatal(err)
		}
		if len(files)-2 != g.events {
			t.Errorf("group by %s: %d events, want %d", g.by, len(files)-2, g.events)
		}
	}
	if _, err := BuildFeed(c, FeedOptions{GroupBy: "colour"}); err == nil {
		t.Error("unknown grouping accepted")
	}
}

func feedFS(t *testing.T) fstest.MapFS {
	t.Helper()
	files, err := BuildFeed(sampleCollection(), FeedOptions{EncodeOptions: EncodeOptions{Now: fixedNow}})
	if err != nil {
		t.Fatal(err)
	}
	m := fstest.MapFS{}
	for n, b := range files {
		m[n] = &fstest.MapFile{Data: b}
	}
	return m
}

func TestReadFeedProblems(t *testing.T) {
	// A hashes.csv that does not match is reported, the events are read.
	m := feedFS(t)
	h := string(m["hashes.csv"].Data)
	m["hashes.csv"] = &fstest.MapFile{Data: []byte(strings.Replace(h, h[:32], strings.Repeat("0", 32), 1) + "garbage line\n")}
	c, err := readFeed(m, "feed", indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, p := range c.Problems {
		reasons = append(reasons, p.String())
	}
	all := strings.Join(reasons, "\n")
	if !strings.Contains(all, "feed/hashes.csv: event ") || !strings.Contains(all, "1 attribute values not listed, 1 listed hashes not in the event") ||
		!strings.Contains(all, fmt.Sprintf(`feed/hashes.csv: line %d: want "<md5>,<event uuid>" ("garbage line")`, strings.Count(h, "\n")+1)) {
		t.Errorf("problems:\n%s", all)
	}
	if len(c.Indicators) != len(sampleCollection().Indicators) {
		t.Errorf("%d indicators read", len(c.Indicators))
	}

	// No hashes.csv: fine.
	m = feedFS(t)
	delete(m, "hashes.csv")
	if c, err := readFeed(m, "feed", indicator.ReadOptions{}); err != nil || len(c.Problems) != 0 {
		t.Errorf("feed without hashes.csv: %v %v", err, c.Problems)
	}

	// A manifest key that is not a uuid is refused (it names a file).
	m = fstest.MapFS{"manifest.json": {Data: []byte(`{"../../etc/passwd": {}}`)}}
	if _, err := readFeed(m, "feed", indicator.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "not an event uuid") {
		t.Errorf("err = %v", err)
	}

	// An event listed but missing: strict fails naming it, lenient reports it.
	m = feedFS(t)
	var missing string
	for n := range m {
		if isUUID(strings.TrimSuffix(n, ".json")) {
			missing = n
			break
		}
	}
	delete(m, missing)
	if _, err := readFeed(m, "feed", indicator.ReadOptions{}); err == nil || !strings.Contains(err.Error(), strings.TrimSuffix(missing, ".json")) {
		t.Errorf("missing event: err = %v", err)
	}
	if c, err := readFeed(m, "feed", indicator.ReadOptions{Lenient: true}); err != nil || len(c.Indicators) == 0 {
		t.Errorf("lenient, missing event: %v", err)
	}

	// No manifest.
	if _, err := readFeed(fstest.MapFS{}, "feed", indicator.ReadOptions{}); err == nil || !strings.Contains(err.Error(), "feed/manifest.json") {
		t.Errorf("no manifest: err = %v", err)
	}
}

func TestReadFeedTestdata(t *testing.T) {
	c, err := ReadFeed("testdata/feed", indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 3 || len(c.Problems) != 1 {
		t.Errorf("indicators %v problems %v", c.Indicators, c.Problems)
	}
}
