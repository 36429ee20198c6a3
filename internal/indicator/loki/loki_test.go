package loki

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/indicator"
)

const hashFile = `# Sofacy samples
a9dc96d45702538c2086a749ba2fb467ba8d8b603e513bdef62a024dfeb124cb;AZZY backdoor - Securelist 2015
E2450DFFA675C61AA43077B25B12851A910EEEB6;80;SOURFACE; FireEye 2014
not-a-hash;oops
`

const filenameFile = `# APPLICATION --------
# Suspicious sys files
\\usbclass\.sys;80
\\Temp\\[a-z]{8}\.exe;65;\\Microsoft\\
(?<!\\Windows)\\svchost\.exe;70
`

const c2File = `# DNC intrusion
45.32.129.185
misdepatrment.com;90
bad value here
`

func TestDecode(t *testing.T) {
	c, err := Decode(strings.NewReader(hashFile), Unknown, indicator.ReadOptions{Name: "hash-iocs.txt", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 2 || len(c.Problems) != 1 || c.Problems[0].Where != "line 4" {
		t.Fatalf("hash file: %+v / %+v", c.Indicators, c.Problems)
	}
	if h := c.Indicators[1]; h.Type != indicator.SHA1 || h.Value != "e2450dffa675c61aa43077b25b12851a910eeeb6" || h.Confidence != 80 || h.Description != "SOURFACE; FireEye 2014" {
		t.Errorf("scored hash line read as %+v", h)
	}

	c, err = Decode(strings.NewReader(filenameFile), Unknown, indicator.ReadOptions{Name: "filename-iocs.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 2 {
		t.Fatalf("filename file: %+v", c.Indicators)
	}
	if f := c.Indicators[1]; f.Type != indicator.PathRegex || f.Exclude != `\\Microsoft\\` || f.Confidence != 65 || f.Description != "Suspicious sys files" {
		t.Errorf("filename line read as %+v", f)
	}
	if len(c.Problems) != 1 || c.Problems[0].Kind != indicator.ProblemUnsupported || !strings.Contains(c.Problems[0].Reason, "look-around") {
		t.Errorf("look-behind pattern: problems %+v, want one unsupported", c.Problems)
	}

	_, err = Decode(strings.NewReader(c2File), Unknown, indicator.ReadOptions{Name: "c2-iocs.txt"})
	if err == nil || !strings.Contains(err.Error(), "c2-iocs.txt: line 4") {
		t.Fatalf("strict c2 read: %v, want an error on line 4", err)
	}
	c, err = Decode(strings.NewReader(c2File), Unknown, indicator.ReadOptions{Name: "c2-iocs.txt", Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 2 || c.Indicators[1].Type != indicator.Domain || c.Indicators[1].Confidence != 90 || c.Indicators[0].Description != "DNC intrusion" {
		t.Errorf("c2 file read as %+v", c.Indicators)
	}
}

func TestSniffKind(t *testing.T) {
	for in, want := range map[string]Kind{hashFile: Hash, filenameFile: Filename, "1.2.3.4\nevil.com;50\n": C2, "a;b;c;d\n": Unknown} {
		if got := SniffKind([]byte(in)); got != want {
			t.Errorf("SniffKind(%q) = %v, want %v", in[:10], got, want)
		}
	}
}

func TestRoundTripDir(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"hash-iocs.txt": hashFile, "filename-iocs.txt": filenameFile, "c2-iocs.txt": c2File, "README.txt": "not an IOC file"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := ReadDir(dir, indicator.ReadOptions{Lenient: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Indicators) != 6 {
		t.Fatalf("ReadDir: %d indicators, want 6", len(c.Indicators))
	}
	out := t.TempDir()
	if err := WriteDir(out, c); err != nil {
		t.Fatal(err)
	}
	again, err := ReadDir(out, indicator.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Indicators) != len(c.Indicators) {
		t.Fatalf("round trip: %d of %d", len(again.Indicators), len(c.Indicators))
	}
	key := func(c *indicator.Collection) map[string]indicator.Indicator {
		m := map[string]indicator.Indicator{}
		for _, i := range c.Indicators {
			m[i.Key()] = i
		}
		return m
	}
	a, b := key(c), key(again)
	for k, x := range a {
		y, ok := b[k]
		if !ok || x.Confidence != y.Confidence || x.Exclude != y.Exclude {
			t.Errorf("%s: wrote %+v, read back %+v", k, x, y)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(hashFile), uint8(Hash))
	f.Add([]byte(filenameFile), uint8(Filename))
	f.Add([]byte(c2File), uint8(C2))
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := Kind(k % 4)
		c, err := Decode(bytes.NewReader(data), kind, indicator.ReadOptions{Name: "fuzz", Lenient: true})
		if err != nil {
			return
		}
		for _, ind := range c.Indicators {
			if KindFor(ind.Type) == Unknown {
				t.Fatalf("read a %s indicator from a Loki file", ind.Type)
			}
		}
	})
}
