package misp

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/vigie-project/vigie/internal/indicator"
)

func FuzzDecodeEvent(f *testing.F) {
	for _, p := range []string{"testdata/event_mixed.json", "testdata/golden/event.json", "testdata/feed/5f0e0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, true)
		}
	}
	f.Add([]byte(`{"response":[{"Event":{"Attribute":[{"type":"ip-dst|port","value":"1.2.3.4|80"}]}}]}`), false)
	f.Add([]byte(`[{"org":"","Org":{"name":"x"},"info":"i","EventTag":[{"Tag":{"name":"tlp:red"}}]}]`), false)
	f.Add([]byte(`{"type":"threat-actor","values":[{"value":"APT28 - G0007","meta":{"synonyms":["Sofacy"]}}]}`), true)
	f.Fuzz(func(t *testing.T, data []byte, lenient bool) {
		c, err := DecodeEvent(bytes.NewReader(data), indicator.ReadOptions{Name: "fuzz", Lenient: lenient, MaxDepth: 32, MaxItems: 10000})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		for _, ind := range c.Indicators {
			n, err := indicator.Normalize(ind.Type, ind.Value)
			if err != nil || n != ind.Value {
				t.Fatalf("indicator %s %q not normalised: %q %v", ind.Type, ind.Value, n, err)
			}
		}
		// Whatever was read can be written and read back.
		var buf bytes.Buffer
		if err := EncodeEvent(&buf, c, EncodeOptions{Now: fixedNow}); err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := DecodeEvent(&buf, indicator.ReadOptions{Name: "again"})
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.String())
		}
		if len(back.Indicators) != len(c.Indicators) {
			t.Fatalf("%d indicators after a round trip, want %d", len(back.Indicators), len(c.Indicators))
		}
	})
}

func FuzzReadFeedManifest(f *testing.F) {
	if b, err := os.ReadFile("testdata/feed/manifest.json"); err == nil {
		h, _ := os.ReadFile("testdata/feed/hashes.csv")
		f.Add(b, h)
	}
	f.Add([]byte(`{"5f0e0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b": {"info": "x"}}`), []byte("9b30fe5fc8c2352e59b09282ebe39169,5f0e0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b\n"))
	f.Add([]byte(`{"../x": {}}`), []byte(","))
	f.Add([]byte(`[]`), []byte(""))
	event, _ := os.ReadFile("testdata/feed/5f0e0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b.json")
	f.Fuzz(func(t *testing.T, manifest, hashes []byte) {
		fsys := fstest.MapFS{
			"manifest.json": {Data: manifest},
			"hashes.csv":    {Data: hashes},
			"5f0e0a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b.json": {Data: event},
		}
		c, err := readFeed(fsys, "feed", indicator.ReadOptions{Lenient: true, MaxDepth: 32})
		if err != nil {
			if !strings.Contains(err.Error(), "feed/") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, p := range c.Problems {
			if !strings.HasPrefix(p.Input, "feed/") {
				t.Fatalf("problem does not name the file: %v", p)
			}
		}
	})
}
