package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTP is the relay the hub sends notification mail through, configured by
// a URL:
//
//	smtp://relay.example.org:587              STARTTLS (required unless the relay is on loopback)
//	smtp://user:password@relay.example.org    STARTTLS, then AUTH PLAIN
//	smtps://relay.example.org:465             TLS from the first byte
//	smtp://127.0.0.1:25?tls=none              plain text (only sensible on the same machine)
//
// The relay does the delivery (queueing, retries to the recipient's MX);
// the hub retries only when the relay itself refuses or cannot be reached.
type SMTP struct {
	Addr     string // host:port
	Host     string // for TLS verification
	Implicit bool   // smtps: TLS from the start
	TLS      string // "required", "opportunistic" or "none" (STARTTLS)
	Username string
	Password string
	From     string // envelope and header sender
	Timeout  time.Duration
	// TLSConfig overrides the TLS settings (tests: a private CA).
	TLSConfig *tls.Config
}

// ParseSMTP reads an SMTP relay URL (see SMTP) and the sender address.
func ParseSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("notify: --smtp %q: %w", redact(rawURL), err)
	}
	s := &SMTP{Host: u.Hostname(), Timeout: 30 * time.Second}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.Implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("notify: --smtp %q: scheme must be smtp or smtps", redact(rawURL))
	}
	if s.Host == "" {
		return nil, fmt.Errorf("notify: --smtp %q: no host", redact(rawURL))
	}
	s.Addr = net.JoinHostPort(s.Host, port)
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	s.TLS = "required"
	if ip := net.ParseIP(s.Host); (ip != nil && ip.IsLoopback()) || s.Host == "localhost" {
		s.TLS = "opportunistic"
	}
	if t := u.Query().Get("tls"); t != "" {
		switch t {
		case "required", "opportunistic", "none":
			s.TLS = t
		default:
			return nil, fmt.Errorf("notify: --smtp %q: tls must be required, opportunistic or none", redact(rawURL))
		}
	}
	if s.Username != "" && s.TLS == "none" && !s.Implicit {
		return nil, fmt.Errorf("notify: --smtp %q: refusing to send a password without TLS", redact(rawURL))
	}
	a, err := mail.ParseAddress(from)
	if err != nil || strings.ContainsAny(from, "\r\n") {
		return nil, fmt.Errorf("notify: --smtp-from %q: not an e-mail address", from)
	}
	s.From = a.Address
	return s, nil
}

// redact hides the password of an SMTP URL in error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// ValidAddress checks a recipient address: one plain address, no display
// name tricks, no CR/LF.
func ValidAddress(addr string) (string, error) {
	if len(addr) > 254 || strings.ContainsAny(addr, "\r\n,;<>") {
		return "", fmt.Errorf("%q is not a single e-mail address", addr)
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
		return "", fmt.Errorf("%q is not a single e-mail address", addr)
	}
	return a.Address, nil
}

// Build makes the RFC 5322 text of m for recipient to. Header values are
// single lines (the subject is encoded as RFC 2047 words), so a title
// cannot add header fields.
func (s *SMTP) Build(to string, m Message, now time.Time) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	domain := s.From[strings.LastIndexByte(s.From, '@')+1:]
	fmt.Fprintf(&b, "From: Vigie <%s>\r\n", s.From)
	fmt.Fprintf(&b, "To: <%s>\r\n", to)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.QEncoding.Encode("utf-8", oneLine(m.Subject, 200)))
	fmt.Fprintf(&b, "Date: %s\r\n", now.Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s@%s>\r\n", hex.EncodeToString(id), domain)
	b.WriteString("Auto-Submitted: auto-generated\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\n")
	b.WriteString("Content-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n")))
	qp.Close()
	return b.Bytes()
}

// Send delivers m to the relay for recipient to.
func (s *SMTP) Send(ctx context.Context, to string, m Message) error {
	to, err := ValidAddress(to)
	if err != nil {
		return fmt.Errorf("notify: mail: %w", err)
	}
	deadline := time.Now().Add(s.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	d := net.Dialer{Deadline: deadline}
	var conn net.Conn
	tcfg := s.tlsConfig()
	if s.Implicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tcfg}).DialContext(ctx, "tcp", s.Addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.Addr)
	}
	if err != nil {
		return fmt.Errorf("notify: mail relay %s: %w", s.Addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return fmt.Errorf("notify: mail relay %s: %w", s.Addr, err)
	}
	defer c.Close()
	if !s.Implicit && s.TLS != "none" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tcfg); err != nil {
				return fmt.Errorf("notify: mail relay %s: STARTTLS: %w", s.Addr, err)
			}
		} else if s.TLS == "required" {
			return fmt.Errorf("notify: mail relay %s does not offer STARTTLS; use smtps:// or ?tls=opportunistic", s.Addr)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, s.Host)); err != nil {
			return fmt.Errorf("notify: mail relay %s: login: %w", s.Addr, err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("notify: mail relay %s: MAIL FROM: %w", s.Addr, err)
	}
	if err := c.Rcpt(to); err != nil {
		return fmt.Errorf("notify: mail relay %s: RCPT TO <%s>: %w", s.Addr, to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("notify: mail relay %s: DATA: %w", s.Addr, err)
	}
	if _, err := w.Write(s.Build(to, m, time.Now())); err != nil {
		return fmt.Errorf("notify: mail relay %s: %w", s.Addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("notify: mail relay %s: message refused: %w", s.Addr, err)
	}
	if err := c.Quit(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("notify: mail relay %s: QUIT: %w", s.Addr, err)
	}
	return nil
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}
