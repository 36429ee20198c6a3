package cfb_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/vigie-project/vigie/internal/cfb"
	"github.com/vigie-project/vigie/internal/leak/msg/msgtest"
)

// sample is a small Outlook message: a compound file with a storage tree
// and streams of both the mini stream and regular sectors.
func sample() []byte {
	return msgtest.Build("From: a@example.org\r\nSubject: Budget\r\n", "Budget", strings.Repeat("the meeting moves to Thursday. ", 40)) // under 4096 bytes: the builder puts every stream in the mini stream
}

func TestOpenAndRead(t *testing.T) {
	data := sample()
	f, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Entry(0).Type != cfb.TypeRoot {
		t.Fatalf("entry 0 is %+v, want the root", f.Entry(0))
	}
	body := f.Find("__substg1.0_1000001F") // PR_BODY, Unicode
	if body < 0 {
		var names []string
		for _, i := range f.Children(0) {
			names = append(names, f.Entry(i).Name)
		}
		t.Fatalf("no body stream among %q", names)
	}
	b, err := f.Stream(body, -1)
	if err != nil {
		t.Fatal(err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	if got := string(utf16.Decode(u)); !strings.HasPrefix(got, "the meeting moves to Thursday.") {
		t.Errorf("body starts %q", got[:min(40, len(got))])
	}
	if short, err := f.Stream(body, 10); err != nil || len(short) != 10 {
		t.Errorf("Stream with max 10: %d bytes, %v", len(short), err)
	}
}

func TestHostile(t *testing.T) {
	if _, err := cfb.Open(bytes.NewReader([]byte("PK\x03\x04 not ole")), 14, cfb.Limits{}); !errors.Is(err, cfb.ErrNotCFB) {
		t.Errorf("a zip: %v, want ErrNotCFB", err)
	}
	data := sample()
	// Every truncation and a byte flipped every 61 bytes: errors or partial
	// reads, never a panic or a hang.
	for n := 0; n < len(data); n += 97 {
		readAll(data[:n])
	}
	for i := 0; i < len(data); i += 61 {
		d := bytes.Clone(data)
		d[i] ^= 0xff
		readAll(d)
	}
	// A directory over the limit is refused.
	if _, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{MaxEntries: 2}); err == nil {
		t.Error("MaxEntries 2: want an error")
	}
}

// readAll opens data and reads every stream of every storage, as the
// readers built on this package do.
func readAll(data []byte) {
	f, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{MaxStream: 1 << 20, MaxEntries: 1000})
	if err != nil {
		return
	}
	seen := map[int]bool{}
	var walk func(i, depth int)
	walk = func(i, depth int) {
		if seen[i] || depth > 16 {
			return
		}
		seen[i] = true
		for _, c := range f.Children(i) {
			switch f.Entry(c).Type {
			case cfb.TypeStream:
				f.Stream(c, -1)
			case cfb.TypeStorage:
				walk(c, depth+1)
			}
		}
	}
	walk(0, 0)
}

func FuzzOpen(f *testing.F) {
	f.Add(sample())
	f.Add([]byte(cfb.Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		readAll(data)
	})
}
