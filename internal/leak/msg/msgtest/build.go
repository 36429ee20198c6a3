// Package msgtest builds small Outlook .msg files (OLE2 compound files
// with MAPI property streams) for tests of the .msg reader and of the leak
// authenticator. Small streams go in the mini stream and streams of 4096
// bytes or more in sector chains of their own, as Outlook writes them, so
// tests can build messages with large bodies and attachments.
package msgtest

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/vigie-project/vigie/internal/cfb/cfbtest"
)

const (
	pidSubject          = 0x0037
	pidClientSubmitTime = 0x0039
	pidTransportHeaders = 0x007D
	pidBody             = 0x1000
	pidMessageID        = 0x1035
	pidAttachLongName   = 0x3707
	pidSenderSMTP       = 0x5D01
)

func unicodeStream(id uint16, s string) *cfbtest.Node {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return &cfbtest.Node{Name: "__substg1.0_" + strings.ToUpper(hex4(id)) + "001F", Data: b}
}

func hex4(v uint16) string {
	const d = "0123456789ABCDEF"
	return string([]byte{d[v>>12], d[v>>8&15], d[v>>4&15], d[v&15]})
}

// Message is what BuildMessage writes.
type Message struct {
	Headers     string // PR_TRANSPORT_MESSAGE_HEADERS; left out when empty
	Subject     string
	Body        string // PR_BODY, plain text
	Attachments []Attachment
}

// Attachment is one attached file of a Message.
type Attachment struct {
	Name string // PR_ATTACH_LONG_FILENAME
	Data []byte // PR_ATTACH_DATA_BIN
}

// Build returns a small Outlook .msg file: subject, plain-text body,
// sender treasurer@example.org, Message-ID <m1@example.org>, submit time
// 2017-05-05 08:00 UTC, one attachment "Budget.docx", and the transport
// headers when not empty.
func Build(headers, subject, body string) []byte {
	return BuildMessage(Message{Headers: headers, Subject: subject, Body: body,
		Attachments: []Attachment{{Name: "Budget.docx", Data: []byte("PK\x03\x04attachment")}}})
}

// BuildMessage returns an Outlook .msg file holding m, with the sender,
// Message-ID and submit time Build writes. Bodies and attachments may be
// of any size: those of 4096 bytes or more are written in sector chains of
// their own, as Outlook does.
func BuildMessage(m Message) []byte {
	// The top-level property stream: a 32-byte header (next recipient and
	// attachment ids, recipient and attachment counts), then 16-byte
	// fixed-size properties.
	props := make([]byte, 32)
	binary.LittleEndian.PutUint32(props[12:], uint32(len(m.Attachments)))
	binary.LittleEndian.PutUint32(props[20:], uint32(len(m.Attachments)))
	ft := uint64(time.Date(2017, 5, 5, 8, 0, 0, 0, time.UTC).UnixNano()/100) + 116444736000000000
	var e [16]byte
	binary.LittleEndian.PutUint32(e[0:], uint32(pidClientSubmitTime)<<16|0x0040)
	binary.LittleEndian.PutUint64(e[8:], ft)
	props = append(props, e[:]...)
	top := []*cfbtest.Node{
		{Name: "__properties_version1.0", Data: props},
		unicodeStream(pidSubject, m.Subject),
		unicodeStream(pidBody, m.Body),
		unicodeStream(pidSenderSMTP, "treasurer@example.org"),
		unicodeStream(pidMessageID, "<m1@example.org>"),
	}
	for i, a := range m.Attachments {
		top = append(top, &cfbtest.Node{Name: fmt.Sprintf("__attach_version1.0_#%08X", i), Storage: true, Children: []*cfbtest.Node{
			{Name: "__properties_version1.0", Data: make([]byte, 8)},
			unicodeStream(pidAttachLongName, a.Name),
			{Name: "__substg1.0_37010102", Data: a.Data},
		}})
	}
	if m.Headers != "" {
		top = append(top, unicodeStream(pidTransportHeaders, m.Headers))
	}
	return cfbtest.Build(top)
}
