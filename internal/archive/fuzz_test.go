package archive

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzOpen opens and reads every entry of mutated 7z, RAR and ISO files:
// no panic, no read beyond the limits, and no error outside the package's
// kinds.
func FuzzOpen(f *testing.F) {
	for _, name := range []string{"plain.7z", "solid.7z", "enc_names_visible.7z", "enc_headers.7z", "stored_plainheader.7z", "ppmd.7z", "bz.7z", "lzma2.7z"} {
		f.Add(readTestdata(f, name))
	}
	for _, name := range []string{"joliet.iso.gz", "plain.iso.gz"} {
		// the images end in padding: the fuzzer mutates what matters
		f.Add(bytes.TrimRight(readTestdata(f, name), "\x00"))
	}
	f.Add(rarSample())
	f.Add(buildRAR5(nil, true))
	f.Add(buildISO([]isoFile{{name: "A.EXE;1", data: exeStub}, {name: "D", dir: true, sector: isoRootSector}}))
	lim := Limits{MaxEntries: 100, MaxEntryBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxDictionary: 16 << 20, MaxHeaderSize: 1 << 20, MaxDepth: 8, Timeout: 5 * time.Second}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind := Sniff(data)
		if kind == "" {
			kind = []string{Kind7z, KindRAR, KindISO}[len(data)%3]
		}
		a, err := Open(data, kind, lim)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("Open: error of no known kind: %v", err)
			}
			return
		}
		if len(a.Entries) > lim.MaxEntries {
			t.Fatalf("%d entries listed, limit %d", len(a.Entries), lim.MaxEntries)
		}
		for i := range a.Entries {
			b, _ := a.Read(i)
			if int64(len(b)) > lim.MaxEntryBytes {
				t.Fatalf("entry %d: %d bytes read, limit %d", i, len(b), lim.MaxEntryBytes)
			}
		}
		if a.Expanded() > lim.MaxTotalBytes+1 {
			t.Fatalf("expanded %d bytes, limit %d", a.Expanded(), lim.MaxTotalBytes)
		}
	})
}
