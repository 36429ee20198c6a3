// Package msg reads Outlook .msg files ([MS-OXMSG]): an OLE2 compound file
// whose streams hold the message's MAPI properties. It extracts what the
// leak authenticator needs: the transport headers as received (with any
// DKIM-Signature), subject, sender, recipients, dates, Message-ID, the
// plain-text and HTML bodies, and the attachments.
//
// Outlook stores the message converted to its own properties, not the
// bytes that were received: the body is re-encoded, so a DKIM signature
// copied from the transport headers will usually not verify on the
// rebuilt message. That proves nothing either way, and the caller must say
// so; a signature that does verify on the rebuilt message is still valid
// cryptographic evidence.
//
// Every input is hostile: the file size, each stream, the number of
// attachments and the directory are bounded, and sector chains that loop
// or leave the file end in an error.
package msg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/vigie-project/vigie/internal/cfb"
	"sort"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// Limits of one .msg file.
const (
	MaxSize        = 64 << 20 // bytes of a .msg file
	MaxStream      = 32 << 20 // bytes of one stream
	MaxAttachments = 500
)

// Message is what was read from a .msg file.
type Message struct {
	Subject          string
	SenderName       string
	SenderEmail      string
	DisplayTo        string
	DisplayCc        string
	MessageID        string
	TransportHeaders string    // PR_TRANSPORT_MESSAGE_HEADERS: the header as received
	SubmitTime       time.Time // PR_CLIENT_SUBMIT_TIME
	Body             string    // PR_BODY: plain text
	HTML             string    // PR_HTML (or PR_BODY_HTML)
	Attachments      []Attachment
}

// Attachment is one attached file.
type Attachment struct {
	Name string
	Data []byte
}

// Property ids used here.
const (
	pidSubject          = 0x0037
	pidClientSubmitTime = 0x0039
	pidTransportHeaders = 0x007D
	pidSenderName       = 0x0C1A
	pidSenderEmail      = 0x0C1F
	pidDisplayCc        = 0x0E03
	pidDisplayTo        = 0x0E04
	pidBody             = 0x1000
	pidHTML             = 0x1013
	pidMessageID        = 0x1035
	pidAttachData       = 0x3701
	pidAttachFilename   = 0x3704
	pidAttachLongName   = 0x3707
	pidSenderSMTP       = 0x5D01
)

// Parse reads a .msg file held in memory.
func Parse(data []byte) (*Message, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf(".msg of %d bytes is larger than the %d-byte limit", len(data), MaxSize)
	}
	c, err := cfb.Open(bytes.NewReader(data), int64(len(data)), cfb.Limits{MaxStream: MaxStream})
	if err != nil {
		return nil, fmt.Errorf(".msg: %w", err)
	}
	m := &Message{}
	props, err := readProps(c, 0)
	if err != nil {
		return nil, fmt.Errorf(".msg: %w", err)
	}
	m.Subject = props.str(pidSubject)
	m.SenderName = props.str(pidSenderName)
	m.SenderEmail = props.str(pidSenderSMTP)
	if m.SenderEmail == "" {
		m.SenderEmail = props.str(pidSenderEmail)
	}
	m.DisplayTo, m.DisplayCc = props.str(pidDisplayTo), props.str(pidDisplayCc)
	m.MessageID = props.str(pidMessageID)
	m.TransportHeaders = props.str(pidTransportHeaders)
	m.Body = props.str(pidBody)
	m.HTML = props.str(pidHTML)
	m.SubmitTime = props.times[pidClientSubmitTime]
	// attachment storages are named __attach_version1.0_#00000000 with the
	// attachment number in fixed-width hex: sorted by name, they come in
	// the order the sender attached them (the directory tree's order is
	// not that order)
	var atts []int
	for _, i := range c.Children(0) {
		if e := c.Entry(i); e.Type == cfb.TypeStorage && strings.HasPrefix(e.Name, "__attach_version1.0_") {
			atts = append(atts, i)
		}
	}
	sort.Slice(atts, func(x, y int) bool { return c.Entry(atts[x]).Name < c.Entry(atts[y]).Name })
	for _, i := range atts {
		e := c.Entry(i)
		if len(m.Attachments) >= MaxAttachments {
			return m, fmt.Errorf(".msg: more than %d attachments", MaxAttachments)
		}
		ap, err := readProps(c, i)
		if err != nil {
			return m, fmt.Errorf(".msg attachment %s: %w", e.Name, err)
		}
		name := ap.str(pidAttachLongName)
		if name == "" {
			name = ap.str(pidAttachFilename)
		}
		m.Attachments = append(m.Attachments, Attachment{Name: name, Data: ap.bin[pidAttachData]})
	}
	if m.Subject == "" && m.Body == "" && m.TransportHeaders == "" && m.SenderEmail == "" {
		return m, errors.New(".msg: no message property found (not an Outlook message?)")
	}
	return m, nil
}

type propSet struct {
	strs  map[uint16]string
	bin   map[uint16][]byte
	times map[uint16]time.Time
}

func (p propSet) str(id uint16) string {
	if s, ok := p.strs[id]; ok {
		return s
	}
	if b, ok := p.bin[id]; ok && id == pidHTML {
		return string(b)
	}
	return ""
}

// readProps reads the property streams of storage i ("__substg1.0_IIIITTTT")
// and the fixed-size values of its "__properties_version1.0" stream.
func readProps(c *cfb.File, i int) (propSet, error) {
	p := propSet{strs: map[uint16]string{}, bin: map[uint16][]byte{}, times: map[uint16]time.Time{}}
	for _, ci := range c.Children(i) {
		e := c.Entry(ci)
		if e.Type != cfb.TypeStream {
			continue
		}
		if e.Name == "__properties_version1.0" {
			b, err := c.Stream(ci, MaxStream)
			if err != nil {
				return p, err
			}
			hdr := 8 // attachments and recipients
			if i == 0 {
				hdr = 32 // the top-level message
			}
			for off := hdr; off+16 <= len(b); off += 16 {
				tag := binary.LittleEndian.Uint32(b[off:])
				if tag&0xFFFF == 0x0040 { // PT_SYSTIME
					ft := int64(binary.LittleEndian.Uint64(b[off+8:]))
					if ft > 0 {
						p.times[uint16(tag>>16)] = time.Unix(0, 0).UTC().Add(time.Duration((ft-116444736000000000)%(1<<62)) * 100)
					}
				}
			}
			continue
		}
		if !strings.HasPrefix(e.Name, "__substg1.0_") || len(e.Name) != 20 {
			continue
		}
		var id, typ uint16
		if _, err := fmt.Sscanf(e.Name[12:], "%04X%04X", &id, &typ); err != nil {
			continue
		}
		b, err := c.Stream(ci, MaxStream)
		if err != nil {
			return p, err
		}
		switch typ {
		case 0x001F: // PT_UNICODE
			u := make([]uint16, len(b)/2)
			for k := range u {
				u[k] = binary.LittleEndian.Uint16(b[2*k:])
			}
			p.strs[id] = strings.TrimRight(string(utf16.Decode(u)), "\x00")
		case 0x001E: // PT_STRING8, code page unknown here: Windows-1252 is the usual
			s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
			p.strs[id] = strings.TrimRight(string(s), "\x00")
		case 0x0102: // PT_BINARY
			p.bin[id] = b
		}
	}
	return p, nil
}

// RFC5322 rebuilds an Internet message from the properties: the transport
// headers when Outlook kept them (else headers made from the properties),
// then the plain-text body. It is what a DKIM check and a comparison with
// the party's copy can use; it is not the bytes that were received.
func (m *Message) RFC5322() []byte {
	var sb strings.Builder
	hdr := strings.TrimRight(strings.ReplaceAll(m.TransportHeaders, "\r\n", "\n"), "\n")
	if hdr != "" {
		sb.WriteString(strings.ReplaceAll(hdr, "\n", "\r\n"))
		sb.WriteString("\r\n")
	} else {
		from := m.SenderEmail
		if m.SenderName != "" {
			from = fmt.Sprintf("%q <%s>", m.SenderName, m.SenderEmail)
		}
		fmt.Fprintf(&sb, "From: %s\r\n", from)
		if m.DisplayTo != "" {
			fmt.Fprintf(&sb, "To: %s\r\n", m.DisplayTo)
		}
		if m.DisplayCc != "" {
			fmt.Fprintf(&sb, "Cc: %s\r\n", m.DisplayCc)
		}
		fmt.Fprintf(&sb, "Subject: %s\r\n", m.Subject)
		if !m.SubmitTime.IsZero() {
			fmt.Fprintf(&sb, "Date: %s\r\n", m.SubmitTime.Format(time.RFC1123Z))
		}
		if m.MessageID != "" {
			fmt.Fprintf(&sb, "Message-ID: %s\r\n", m.MessageID)
		}
		sb.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n")
	}
	sb.WriteString("\r\n")
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	sb.WriteString(body)
	if body != "" && !strings.HasSuffix(body, "\r\n") {
		sb.WriteString("\r\n")
	}
	return []byte(sb.String())
}
