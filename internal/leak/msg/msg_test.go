package msg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/cfb"
	"github.com/vigie-project/vigie/internal/leak/msg/msgtest"
)

func TestParse(t *testing.T) {
	data := msgtest.Build("From: Treasurer <treasurer@example.org>\r\nSubject: Budget\r\nMessage-ID: <m1@example.org>\r\n", "Budget", "The budget is attached.\r\nRegards")
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Budget" || m.SenderEmail != "treasurer@example.org" || m.MessageID != "<m1@example.org>" || !strings.HasPrefix(m.Body, "The budget") {
		t.Fatalf("%+v", m)
	}
	if !m.SubmitTime.Equal(time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("submit time %v", m.SubmitTime)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "Budget.docx" || string(m.Attachments[0].Data) != "PK\x03\x04attachment" {
		t.Errorf("attachments %+v", m.Attachments)
	}
	raw := string(m.RFC5322())
	if !strings.HasPrefix(raw, "From: Treasurer") || !strings.HasSuffix(raw, "\r\n\r\nThe budget is attached.\r\nRegards\r\n") {
		t.Errorf("rebuilt message:\n%q", raw)
	}
	// Without transport headers, headers are made from the properties.
	m2, _ := Parse(msgtest.Build("", "Budget", "x"))
	if raw := string(m2.RFC5322()); !strings.Contains(raw, "Subject: Budget\r\n") || !strings.Contains(raw, "Date: Fri, 05 May 2017 08:00:00 +0000") {
		t.Errorf("rebuilt message:\n%s", raw)
	}
}

func TestParseBad(t *testing.T) {
	good := msgtest.Build("", "s", "b")
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not cfb":   []byte("hello"),
		"truncated": good[:700],
	} {
		if _, err := Parse(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A FAT that loops on itself.
	loop := bytes.Clone(good)
	binary.LittleEndian.PutUint32(loop[512+4:], 1)
	if _, err := Parse(loop); err == nil {
		t.Error("looping chain: no error")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(msgtest.Build("From: a@b\r\n", "s", "body"))
	f.Add(msgtest.Build("", "", ""))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err == nil {
			m.RFC5322()
		}
	})
}

// TestParseLarge builds messages whose streams do not fit the mini stream
// (4096 bytes and more go in sector chains of their own; past 109 FAT
// sectors the FAT is listed by DIFAT sectors) and reads them back, with the
// .msg reader and with the compound file reader underneath.
func TestParseLarge(t *testing.T) {
	// Deterministic bytes that no pattern or offset mix-up could reproduce.
	blob := func(n int, seed uint32) []byte {
		b := make([]byte, n)
		x := seed
		for i := range b {
			x = x*1664525 + 1013904223
			b[i] = byte(x >> 24)
		}
		return b
	}
	var sb strings.Builder
	for i := 0; sb.Len() < 20<<10; i++ {
		fmt.Fprintf(&sb, "Paragraph %d: the budget moves to line %d.\r\n", i, i*7)
	}
	body := sb.String()
	tests := []struct {
		name        string
		body        string
		attachments []msgtest.Attachment
	}{
		{"20 KB body, 100 KB attachment", body, []msgtest.Attachment{{Name: "Budget.xlsx", Data: blob(100<<10, 1)}}},
		{"streams at the mini stream cutoff", "short body", []msgtest.Attachment{
			{Name: "a.bin", Data: blob(4095, 2)}, {Name: "b.bin", Data: blob(4096, 3)}, {Name: "c.bin", Data: blob(4097, 4)},
		}},
		{"8 MB attachment: more than 109 FAT sectors", "x", []msgtest.Attachment{{Name: "big.zip", Data: blob(8<<20, 5)}}},
		{"20 KB body, no attachment", body, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := msgtest.BuildMessage(msgtest.Message{Subject: "Budget", Body: tt.body, Attachments: tt.attachments})
			if len(data)%512 != 0 {
				t.Errorf("file of %d bytes is not whole 512-byte sectors", len(data))
			}
			m, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Body != tt.body || m.Subject != "Budget" || m.SenderEmail != "treasurer@example.org" {
				t.Errorf("body of %d bytes (want %d), subject %q, sender %q", len(m.Body), len(tt.body), m.Subject, m.SenderEmail)
			}
			if len(m.Attachments) != len(tt.attachments) {
				t.Fatalf("%d attachments, want %d", len(m.Attachments), len(tt.attachments))
			}
			// Parse lists attachments in directory tree order, not by number.
			byName := map[string][]byte{}
			for _, a := range m.Attachments {
				byName[a.Name] = a.Data
			}
			for _, a := range tt.attachments {
				if got, ok := byName[a.Name]; !ok || !bytes.Equal(got, a.Data) {
					t.Errorf("attachment %q: %d bytes read (found: %v), want %d bytes, equal: %v",
						a.Name, len(got), ok, len(a.Data), bytes.Equal(got, a.Data))
				}
			}

			// The compound file: FAT and DIFAT as the header says, every
			// stream readable, and a mini stream (the root entry's stream)
			// that holds the streams under 4096 bytes and nothing else.
			c, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			h := data[:512]
			numFAT, numDIFAT := binary.LittleEndian.Uint32(h[44:]), binary.LittleEndian.Uint32(h[72:])
			if sectors := uint32(len(data)/512 - 1); numFAT*128 < sectors || (numFAT-1)*128 >= sectors {
				t.Errorf("%d FAT sectors for %d sectors", numFAT, sectors)
			}
			if wantDIFAT := (max(numFAT, 109) - 109 + 126) / 127; numDIFAT != wantDIFAT {
				t.Errorf("%d DIFAT sectors for %d FAT sectors, want %d", numDIFAT, numFAT, wantDIFAT)
			}
			miniBytes, streams := uint64(0), 0
			for i := 1; i < c.Len(); i++ {
				e := c.Entry(i)
				if e.Type != cfb.TypeStream {
					continue
				}
				streams++
				if e.Size < 4096 {
					miniBytes += (e.Size + 63) / 64 * 64
				}
				b, err := c.Stream(i, -1)
				if err != nil || uint64(len(b)) != e.Size {
					t.Errorf("stream %s: %d bytes of %d, %v", e.Name, len(b), e.Size, err)
				}
			}
			if root := c.Entry(0); root.Size != miniBytes {
				t.Errorf("mini stream of %d bytes, want the %d bytes of the small streams", root.Size, miniBytes)
			}
			if want := 5 + 3*len(tt.attachments); streams != want {
				t.Errorf("%d streams, want %d", streams, want)
			}
			b, err := c.Stream(c.Find("__substg1.0_1000001F"), -1)
			if err != nil || len(b) != 2*len(tt.body) {
				t.Errorf("body stream: %d bytes, want %d, %v", len(b), 2*len(tt.body), err)
			}
		})
	}
}
