package posture

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// maxSMTPLine bounds one SMTP reply line; maxSMTPLines one reply.
const (
	maxSMTPLine  = 1024
	maxSMTPLines = 100
	maxMXChecked = 10
)

// mxTLS is what the STARTTLS probe of one MX found.
type mxTLS struct {
	host     string
	starttls bool
	version  uint16
	certErr  error // nil when the certificate is valid for host
	err      error // connection or protocol failure
	chain    []*x509.Certificate
}

// smtpReply reads one (multi-line) reply and returns its code and lines.
func smtpReply(r *bufio.Reader) (int, []string, error) {
	var lines []string
	for range maxSMTPLines {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return 0, nil, fmt.Errorf("SMTP reply line longer than %d bytes", maxSMTPLine)
			}
			return 0, nil, err
		}
		s := strings.TrimRight(string(line), "\r\n")
		if len(s) < 3 {
			return 0, nil, fmt.Errorf("malformed SMTP reply %q", trunc(s, 40))
		}
		var code int
		if _, err := fmt.Sscanf(s[:3], "%d", &code); err != nil {
			return 0, nil, fmt.Errorf("malformed SMTP reply %q", trunc(s, 40))
		}
		lines = append(lines, s)
		if len(s) == 3 || s[3] == ' ' {
			return code, lines, nil
		}
	}
	return 0, nil, fmt.Errorf("SMTP reply of more than %d lines", maxSMTPLines)
}

// smtpStartTLS connects to host, says EHLO and, when offered, STARTTLS;
// it returns the connection ready for the TLS handshake, whether STARTTLS
// was offered, and the EHLO reply.
func (c *Checker) smtpStartTLS(ctx context.Context, host string) (net.Conn, bool, []string, error) {
	conn, err := c.dialContext(ctx, "tcp", net.JoinHostPort(host, portOr(c.opts.SMTPPort, 25)))
	if err != nil {
		return nil, false, nil, err
	}
	conn.SetDeadline(time.Now().Add(2 * c.opts.Timeout))
	r := bufio.NewReaderSize(conn, maxSMTPLine)
	fail := func(err error) (net.Conn, bool, []string, error) {
		conn.Close()
		return nil, false, nil, err
	}
	code, _, err := smtpReply(r)
	if err != nil {
		return fail(fmt.Errorf("greeting: %w", err))
	}
	if code != 220 {
		return fail(fmt.Errorf("greeting code %d, not 220", code))
	}
	if _, err := fmt.Fprintf(conn, "EHLO posture.vigie.invalid\r\n"); err != nil {
		return fail(err)
	}
	code, ehlo, err := smtpReply(r)
	if err != nil {
		return fail(fmt.Errorf("EHLO: %w", err))
	}
	if code != 250 {
		return fail(fmt.Errorf("EHLO answered %d", code))
	}
	offered := false
	for _, l := range ehlo {
		if len(l) > 4 && strings.EqualFold(strings.TrimSpace(l[4:]), "STARTTLS") {
			offered = true
		}
	}
	if !offered {
		fmt.Fprintf(conn, "QUIT\r\n")
		conn.Close()
		return nil, false, ehlo, nil
	}
	fmt.Fprintf(conn, "STARTTLS\r\n")
	code, _, err = smtpReply(r)
	if err != nil {
		return fail(fmt.Errorf("STARTTLS: %w", err))
	}
	if code != 220 {
		return fail(fmt.Errorf("STARTTLS answered %d", code))
	}
	if r.Buffered() > 0 {
		return fail(errors.New("the server sent data before the TLS handshake (STARTTLS command injection risk)"))
	}
	return conn, true, ehlo, nil
}

// probeMX runs the STARTTLS checks on one MX.
func (c *Checker) probeMX(ctx context.Context, host string) mxTLS {
	res := mxTLS{host: host}
	conn, ok, _, err := c.smtpStartTLS(ctx, host)
	if err != nil {
		res.err = err
		return res
	}
	if !ok {
		return res
	}
	res.starttls = true
	var chain []*x509.Certificate
	tc := tls.Client(conn, &tls.Config{ServerName: host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS10,
		VerifyConnection: func(cs tls.ConnectionState) error { chain = cs.PeerCertificates; return nil }})
	err = tc.HandshakeContext(ctx)
	if err != nil {
		conn.Close()
		res.err = fmt.Errorf("TLS handshake: %w", err)
		return res
	}
	res.version = tc.ConnectionState().Version
	res.chain = chain
	tc.Close()
	res.certErr = verifyChain(chain, host, c.opts.RootCAs)
	return res
}

// verifyChain checks the server's chain against roots for host.
func verifyChain(chain []*x509.Certificate, host string, roots *x509.CertPool) error {
	if len(chain) == 0 {
		return errors.New("no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter})
	return err
}

func tlsName(v uint16) string {
	if v == 0 {
		return "none"
	}
	return tls.VersionName(v)
}

// checkSTARTTLS is mail.starttls.
func (c *Checker) checkSTARTTLS(ctx context.Context, d *domainRun) Check {
	mx := d.mxSet(ctx)
	if mx.err != nil {
		return errorCheck("read the MX records", mx.err)
	}
	if !mx.receivesMail() {
		return Check{Status: StatusPass, Summary: "The domain receives no mail, so there is no MX to check."}
	}
	hosts := mx.hosts
	if len(hosts) > maxMXChecked {
		hosts = hosts[:maxMXChecked]
	}
	results := make([]mxTLS, len(hosts))
	done := make(chan struct{})
	for i, h := range hosts {
		go func() { results[i] = c.probeMX(ctx, h); done <- struct{}{} }()
	}
	for range hosts {
		<-done
	}
	ch := Check{Status: StatusPass}
	var noTLS, errs, certs, gone []string
	for _, r := range results {
		switch {
		case r.err != nil && (errors.Is(r.err, errNXDOMAIN) || errors.Is(r.err, errNoAddress)):
			gone = append(gone, r.host)
			ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s: %v", r.host, r.err))
		case r.err != nil:
			errs = append(errs, r.host)
			ch.Evidence = append(ch.Evidence, fmt.Sprintf("%s: %v", r.host, r.err))
		case !r.starttls:
			noTLS = append(noTLS, r.host)
			ch.Evidence = append(ch.Evidence, r.host+": EHLO does not offer STARTTLS")
		default:
			e := fmt.Sprintf("%s: STARTTLS, %s", r.host, tlsName(r.version))
			if r.version < tls.VersionTLS12 {
				noTLS = append(noTLS, r.host)
			}
			if r.certErr != nil {
				e += fmt.Sprintf(", certificate not valid: %v", r.certErr)
				certs = append(certs, r.host)
			} else {
				e += ", certificate valid for the name"
			}
			ch.Evidence = append(ch.Evidence, e)
		}
	}
	switch {
	case len(gone) > 0:
		ch.Status = StatusFail
		ch.Summary = fmt.Sprintf("The MX %s has no address: mail for the domain cannot be delivered there.", strings.Join(gone, ", "))
		ch.Fix = "Point the MX records at names that exist (Google Workspace: smtp.google.com; Microsoft 365: <tenant>.mail.protection.outlook.com; OVH: mx1.mail.ovh.net; Gandi: spool.mail.gandi.net and fb.mail.gandi.net)."
	case len(noTLS) > 0:
		ch.Status = StatusFail
		ch.Summary = fmt.Sprintf("Mail to %s travels in clear: no STARTTLS with TLS 1.2 or newer.", strings.Join(noTLS, ", "))
		ch.Fix = "Turn on STARTTLS with TLS 1.2/1.3 on the MX (Postfix: smtpd_tls_security_level = may, smtpd_tls_protocols = >=TLSv1.2). Google Workspace, Microsoft 365, OVH and Gandi MXes do this already: point the MX records at them."
	case len(errs) > 0:
		ch.Status = StatusError
		ch.Summary = fmt.Sprintf("Vigie could not complete an SMTP session with %s (see the evidence).", strings.Join(errs, ", "))
	case len(certs) > 0:
		ch.Status = StatusWarn
		ch.Summary = fmt.Sprintf("The certificate of %s is not valid for its name; senders that check it (MTA-STS, DANE) will refuse to deliver.", strings.Join(certs, ", "))
		ch.Fix = "Install a certificate for the MX name from a public CA (Let's Encrypt works) on the mail server."
	default:
		ch.Summary = "Every MX offers STARTTLS with TLS 1.2 or newer and a certificate valid for its name."
	}
	return ch
}
