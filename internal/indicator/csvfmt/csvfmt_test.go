package csvfmt

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

func TestDecodeCSV(t *testing.T) {
	in := "\ufeffType;Value;TLP;Comment;Threat\n" +
		"domain;onedrive-en-marche[.]fr;amber;look-alike;APT28\n" +
		"sha256;" + strings.Repeat("AB", 32) + ";TLP:RED;;APT28|X-Agent\n" +
		";;;;\n" +
		"ip-dst;45.32.129.185;;;\n"
	c, err := Decode(strings.NewReader(in), indicator.ReadOptions{Name: "iocs.csv", Source: "agency"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 3 {
		t.Fatalf("got %d indicators, want 3: %+v", len(c.Indicators), c.Indicators)
	}
	d := c.Indicators[0]
	if d.Type != indicator.Domain || d.Value != "onedrive-en-marche.fr" || d.TLP != indicator.TLPAmber || d.Description != "look-alike" || d.Source != "agency" {
		t.Errorf("first row read as %+v", d)
	}
	if h := c.Indicators[1]; h.Value != strings.Repeat("ab", 32) || h.TLP != indicator.TLPRed || len(h.Threats) != 2 {
		t.Errorf("second row read as %+v", h)
	}
	if ip := c.Indicators[2]; ip.Type != indicator.IPv4 {
		t.Errorf("ip-dst read as %s", ip.Type)
	}
}

func TestDecodeCSVErrors(t *testing.T) {
	bad := "type,value\ndomain,evil.com\nsha256,nothex\nbogus,x\n"
	_, err := Decode(strings.NewReader(bad), indicator.ReadOptions{Name: "bad.csv"})
	if err == nil || !strings.Contains(err.Error(), "bad.csv: line 3") || !strings.Contains(err.Error(), "64 hex digits") {
		t.Fatalf("strict read: error %v, want one naming bad.csv line 3 and the problem", err)
	}
	c, err := Decode(strings.NewReader(bad), indicator.ReadOptions{Name: "bad.csv", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 1 || len(c.Problems) != 2 {
		t.Fatalf("lenient read: %d indicators, %d problems; want 1 and 2", len(c.Indicators), len(c.Problems))
	}
	if c.Problems[1].Where != "line 4" || !strings.Contains(c.Problems[1].Reason, "unknown indicator type") {
		t.Errorf("second problem = %+v", c.Problems[1])
	}
	if _, err := Decode(strings.NewReader("type,kind\nx,y\n"), indicator.ReadOptions{Name: "h.csv"}); err == nil || !strings.Contains(err.Error(), "no value column") {
		t.Errorf("header without value column: %v", err)
	}
}

func TestCSVRoundTrip(t *testing.T) {
	from := time.Date(2017, 4, 25, 0, 0, 0, 0, time.UTC)
	orig := &indicator.Collection{Indicators: []indicator.Indicator{
		{Type: indicator.Domain, Value: "onedrive-en-marche.fr", TLP: indicator.TLPAmberStrict, Source: "Trend Micro, \"Two Years\"", Description: "line one,\nline two", Threats: []string{"APT28"}, Tags: []string{"phishing", "election"}, ValidFrom: from, Confidence: 80},
		{Type: indicator.YARA, Value: "r1", Rule: "rule r1 {\n condition: true\n}", TLP: indicator.TLPGreen},
		{Type: indicator.PathRegex, Value: `\\Temp\\x\.exe`, Exclude: `\\Microsoft\\`, Informational: true},
	}}
	var buf bytes.Buffer
	if err := Encode(&buf, orig); err != nil {
		t.Fatal(err)
	}
	got, err := Decode(&buf, indicator.ReadOptions{Name: "rt.csv"})
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(got.Indicators) != len(orig.Indicators) {
		t.Fatalf("round trip kept %d of %d", len(got.Indicators), len(orig.Indicators))
	}
	for i := range orig.Indicators {
		a, b := orig.Indicators[i], got.Indicators[i]
		if a.Type != b.Type || a.Value != b.Value || a.TLP != b.TLP || a.Source != b.Source || a.Description != b.Description ||
			!a.ValidFrom.Equal(b.ValidFrom) || a.Confidence != b.Confidence || a.Rule != b.Rule || a.Exclude != b.Exclude ||
			a.Informational != b.Informational || strings.Join(a.Threats, "|") != strings.Join(b.Threats, "|") || strings.Join(a.Tags, "|") != strings.Join(b.Tags, "|") {
			t.Errorf("row %d: wrote %+v, read %+v", i, a, b)
		}
	}
}

func TestDecodeList(t *testing.T) {
	in := "# APT28 phishing, 2017\n\nonedrive-en-marche[.]fr\tEn Marche look-alike\n45.32.129.185 # X-Tunnel C2\nhxxp://evil[.]com/a\n" + strings.Repeat("a", 32) + "\n???\n"
	c, err := DecodeList(strings.NewReader(in), indicator.ReadOptions{Name: "list.txt", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ  indicator.Type
		v    string
		desc string
	}{
		{indicator.Domain, "onedrive-en-marche.fr", "En Marche look-alike"},
		{indicator.IPv4, "45.32.129.185", "X-Tunnel C2"},
		{indicator.URL, "http://evil.com/a", ""},
		{indicator.MD5, strings.Repeat("a", 32), ""},
	}
	if len(c.Indicators) != len(want) {
		t.Fatalf("got %+v", c.Indicators)
	}
	for i, w := range want {
		g := c.Indicators[i]
		if g.Type != w.typ || g.Value != w.v || g.Description != w.desc {
			t.Errorf("line %d: got %s %q %q, want %s %q %q", i, g.Type, g.Value, g.Description, w.typ, w.v, w.desc)
		}
	}
	if len(c.Problems) != 1 || c.Problems[0].Where != "line 7" {
		t.Errorf("problems = %+v, want one on line 7", c.Problems)
	}
}

func TestLimits(t *testing.T) {
	big := "type,value\n" + strings.Repeat("domain,evil.com\n", 100)
	if _, err := Decode(strings.NewReader(big), indicator.ReadOptions{Name: "big.csv", MaxItems: 10}); err == nil || !strings.Contains(err.Error(), "more than 10") {
		t.Errorf("MaxItems: %v", err)
	}
	if _, err := DecodeList(strings.NewReader(strings.Repeat("evil.com\n", 100)), indicator.ReadOptions{Name: "big.txt", MaxBytes: 100}); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("MaxBytes: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("type,value\ndomain,evil.com\n"))
	f.Add([]byte("value;tlp;threats\n1.2.3.4;red;A|B\n"))
	f.Add([]byte("type,value,rule\nyara,,\"rule a { condition: true }\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Decode(bytes.NewReader(data), indicator.ReadOptions{Name: "fuzz", Lenient: true})
		if err != nil {
			return
		}
		// What was read writes and reads back the same.
		var buf bytes.Buffer
		if err := Encode(&buf, c); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(&buf, indicator.ReadOptions{Name: "again"})
		if err != nil {
			t.Fatalf("re-reading our own output: %v\n%s", err, buf.String())
		}
		if len(again.Indicators) != len(c.Indicators) {
			t.Fatalf("re-read %d of %d", len(again.Indicators), len(c.Indicators))
		}
	})
}

func FuzzDecodeList(f *testing.F) {
	f.Add([]byte("evil.com\n# c\n1.2.3.4;x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeList(bytes.NewReader(data), indicator.ReadOptions{Name: "fuzz", Lenient: true})
		if err != nil {
			return
		}
		for _, ind := range c.Indicators {
			if n, err := indicator.Normalize(ind.Type, ind.Value); err != nil || n != ind.Value {
				t.Fatalf("list read %s %q, which does not normalise to itself (%q, %v)", ind.Type, ind.Value, n, err)
			}
		}
	})
}

func TestDecodeCSVBrokenQuoting(t *testing.T) {
	// An unterminated quoted field at the end of the input is a parse error
	// that names the file and line, not a panic.
	_, err := Decode(strings.NewReader("type,value\ndomain,\"evil.com\n"), indicator.ReadOptions{Name: "q.csv", Lenient: true})
	if err == nil || !strings.Contains(err.Error(), "q.csv") {
		t.Fatalf("got %v, want an error naming q.csv", err)
	}
}
