package hubclient

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSpoolStatus(t *testing.T) {
	dir := t.TempDir()
	s := &Spool{Dir: filepath.Join(dir, "spool")}
	st, err := s.Status()
	if err != nil || st.Batches != 0 || st.Sightings != 0 {
		t.Fatalf("empty spool: %+v %v", st, err)
	}
	os.MkdirAll(filepath.Join(s.Dir, "rejected"), 0o700)
	os.WriteFile(filepath.Join(s.Dir, "batch-20261207T010000.000000000-aaaa.json"), []byte(`[{"id":"1","value":"evil.example","type":"domain-name"},{"id":"2","value":"evil2.example","type":"domain-name"}]`), 0o600)
	os.WriteFile(filepath.Join(s.Dir, "batch-20261207T020000.000000000-bbbb.json"), []byte(`[{"id":"3","value":"evil3.example","type":"domain-name"}]`), 0o600)
	os.WriteFile(filepath.Join(s.Dir, "batch-20261207T030000.000000000-cccc.json"), []byte(`{broken`), 0o600)
	os.WriteFile(filepath.Join(s.Dir, "rejected", "batch-x.json"), []byte(`[]`), 0o600)
	st, err = s.Status()
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches != 3 || st.Sightings != 3 || st.Unreadable != 1 || st.Rejected != 1 || st.Oldest.IsZero() {
		t.Errorf("status %+v", st)
	}

	if p, n, err := CacheStatus(filepath.Join(dir, "none.json")); err != nil || !p.IsZero() || n != 0 {
		t.Errorf("missing cache: %v %d %v", p, n, err)
	}
	pulled := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	c := pullCache{Pulled: pulled}
	cp := filepath.Join(dir, "cache.json")
	if err := c.save(cp); err != nil {
		t.Fatal(err)
	}
	if p, n, err := CacheStatus(cp); err != nil || !p.Equal(pulled) || n != 0 {
		t.Errorf("cache: %v %d %v", p, n, err)
	}
}
