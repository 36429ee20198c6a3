package msg

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"

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
