package posture

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

const receiveZone = `
sts.test.              MX 10 mx1.sts.test.
sts.test.              MX 20 mx2.sts.test.
mx1.sts.test.          A 127.0.0.1
mx2.sts.test.          A 127.0.0.1
_mta-sts.sts.test.     TXT "v=STSv1; id=20261201T090000"
mta-sts.sts.test.      A 127.0.0.1
_smtp._tls.sts.test.   TXT "v=TLSRPTv1; rua=mailto:tlsrpt@sts.test,https://tlsrpt.example.net/v1"
testing.test.          MX 10 mx1.sts.test.
_mta-sts.testing.test. TXT "v=STSv1; id=1"
mta-sts.testing.test.  A 127.0.0.1
partial.test.          MX 10 mx1.sts.test.
partial.test.          MX 20 backup.mx.ovh.net.
_mta-sts.partial.test. TXT "v=STSv1; id=2"
mta-sts.partial.test.  A 127.0.0.1
huge.test.             MX 10 mx1.sts.test.
_mta-sts.huge.test.    TXT "v=STSv1; id=3"
mta-sts.huge.test.     A 127.0.0.1
html.test.             MX 10 mx1.sts.test.
_mta-sts.html.test.    TXT "v=STSv1; id=4"
mta-sts.html.test.     A 127.0.0.1
redir.test.            MX 10 mx1.sts.test.
_mta-sts.redir.test.   TXT "v=STSv1; id=5"
mta-sts.redir.test.    A 127.0.0.1
slow.test.             MX 10 mx1.sts.test.
_mta-sts.slow.test.    TXT "v=STSv1; id=6"
mta-sts.slow.test.     A 127.0.0.1
nocert.test.           MX 10 mx1.sts.test.
_mta-sts.nocert.test.  TXT "v=STSv1; id=7"
mta-sts.nocert.test.   A 127.0.0.1
badsts.test.           MX 10 mx1.sts.test.
_mta-sts.badsts.test.  TXT "v=STSv1; id=not-valid!"
twosts.test.           MX 10 mx1.sts.test.
_mta-sts.twosts.test.  TXT "v=STSv1; id=1"
_mta-sts.twosts.test.  TXT "v=STSv1; id=2"
_smtp._tls.twosts.test. TXT "v=TLSRPTv1; rua=mailto:a@twosts.test"
_smtp._tls.twosts.test. TXT "v=TLSRPTv1; rua=mailto:b@twosts.test"
nosts.test.            MX 10 mx1.sts.test.
badrpt.test.           MX 10 mx1.sts.test.
_smtp._tls.badrpt.test. TXT "v=TLSRPTv1; rua=ftp://reports.example.net"
parked.test.           MX 0 .
gone.test.             MX 10 mx.gone.test.
`

func stsHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/.well-known/mta-sts.txt" {
		http.NotFound(w, r)
		return
	}
	host, _, _ := strings.Cut(r.Host, ":")
	text := "text/plain; charset=utf-8"
	switch host {
	case "mta-sts.sts.test":
		w.Header().Set("Content-Type", text)
		fmt.Fprint(w, "version: STSv1\r\nmode: enforce\r\nmx: mx1.sts.test\r\nmx: *.sts.test\r\nmax_age: 604800\r\n")
	case "mta-sts.testing.test":
		w.Header().Set("Content-Type", text)
		fmt.Fprint(w, "version: STSv1\nmode: testing\nmx: mx1.sts.test\nmax_age: 86400\n")
	case "mta-sts.partial.test":
		w.Header().Set("Content-Type", text)
		fmt.Fprint(w, "version: STSv1\nmode: enforce\nmx: mx1.sts.test\nmax_age: 86400\n")
	case "mta-sts.huge.test":
		w.Header().Set("Content-Type", text)
		line := strings.Repeat("mx: *.mail.protection.outlook.com\n", 1000)
		for range 300 { // about 10 MB
			if _, err := fmt.Fprint(w, line); err != nil {
				return
			}
		}
	case "mta-sts.html.test":
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "version: STSv1\nmode: enforce\nmx: mx1.sts.test\nmax_age: 86400\n")
	case "mta-sts.redir.test":
		http.Redirect(w, r, "https://mta-sts.sts.test/.well-known/mta-sts.txt", http.StatusMovedPermanently)
	case "mta-sts.slow.test":
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
}

func TestReceivingChecks(t *testing.T) {
	z := startDNS(t, receiveZone)
	ca := newCA(t)
	names := []string{"mta-sts.sts.test", "mta-sts.testing.test", "mta-sts.partial.test", "mta-sts.huge.test", "mta-sts.html.test", "mta-sts.redir.test", "mta-sts.slow.test"}
	https := startHTTPS(t, ca, http.HandlerFunc(stsHandler), tls.VersionTLS12, names...)
	mxCert := ca.issue(t, "mx1.sts.test", "mx2.sts.test")
	good := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{mxCert}, MinVersion: tls.VersionTLS12})
	plain := startSMTP(t, nil)
	old := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{mxCert}, MinVersion: tls.VersionTLS10})
	goodTLS := startSMTP(t, goodTLSConfig(mxCert))
	wrong := startSMTP(t, &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "mail.hosting.example")}, MinVersion: tls.VersionTLS12})

	opts := func(smtp int) Options {
		return Options{RootCAs: ca.pool, HTTPSPort: https, SMTPPort: smtp, Timeout: 700 * time.Millisecond}
	}
	c := newTestChecker(t, z, opts(good))
	for _, tc := range []struct {
		domain, id string
		c          *Checker
		want       Status
		says       string
	}{
		{"sts.test", "mail.mta-sts", c, StatusPass, "enforce mode and covers every MX"},
		{"testing.test", "mail.mta-sts", c, StatusWarn, "testing mode"},
		{"partial.test", "mail.mta-sts", c, StatusFail, "does not cover the MX backup.mx.ovh.net"},
		{"huge.test", "mail.mta-sts", c, StatusError, "larger than 65536 bytes"},
		{"html.test", "mail.mta-sts", c, StatusFail, "text/plain"},
		{"redir.test", "mail.mta-sts", c, StatusFail, "301"},
		{"slow.test", "mail.mta-sts", c, StatusError, "could not be fetched"},
		{"nocert.test", "mail.mta-sts", c, StatusFail, "no valid certificate"},
		{"badsts.test", "mail.mta-sts", c, StatusFail, "id="},
		{"twosts.test", "mail.mta-sts", c, StatusFail, "2 MTA-STS records"},
		{"nosts.test", "mail.mta-sts", c, StatusWarn, "no MTA-STS policy"},
		{"parked.test", "mail.mta-sts", c, StatusPass, "receives no mail"},

		{"sts.test", "mail.tls-rpt", c, StatusPass, "valid TLS-RPT"},
		{"nosts.test", "mail.tls-rpt", c, StatusWarn, "no TLS-RPT"},
		{"badrpt.test", "mail.tls-rpt", c, StatusFail, "ftp://"},
		{"twosts.test", "mail.tls-rpt", c, StatusFail, "2 TLS-RPT records"},

		{"sts.test", "mail.starttls", c, StatusPass, "TLS 1.2 or newer and a certificate valid"},
		{"sts.test", "mail.starttls", newTestChecker(t, z, opts(plain)), StatusFail, "travels in clear"},
		{"sts.test", "mail.starttls", newTestChecker(t, z, opts(old)), StatusPass, "TLS 1.2 or newer"}, // TLS 1.0 is mail.tls's job
		{"sts.test", "mail.tls", newTestChecker(t, z, opts(old)), StatusFail, "mx1.sts.test accepts TLS 1.1, TLS 1.0"},
		{"sts.test", "mail.tls", newTestChecker(t, z, opts(goodTLS)), StatusPass, "follows the NCSC-NL guidelines"},
		{"sts.test", "mail.tls", newTestChecker(t, z, opts(plain)), StatusFail, "No MX can be reached with STARTTLS"},
		{"sts.test", "mail.tls", newTestChecker(t, z, opts(1)), StatusError, "could not rate"},
		{"parked.test", "mail.tls", c, StatusPass, "no MX"},
		{"sts.test", "mail.starttls", newTestChecker(t, z, opts(wrong)), StatusWarn, "not valid for its name"},
		{"gone.test", "mail.starttls", c, StatusFail, "mx.gone.test has no address"},
		{"sts.test", "mail.starttls", newTestChecker(t, z, opts(1)), StatusError, "could not complete"},
		{"parked.test", "mail.starttls", c, StatusPass, "no MX"},
	} {
		t.Run(tc.domain+"/"+tc.id, func(t *testing.T) {
			start := time.Now()
			ch := runOne(t, tc.c, tc.domain, tc.id)
			if ch.Status != tc.want || !strings.Contains(ch.Summary, tc.says) {
				t.Errorf("%s %s: %s %q\nwant %s containing %q\nevidence: %q", tc.domain, tc.id, ch.Status, ch.Summary, tc.want, tc.says, ch.Evidence)
			}
			if d := time.Since(start); d > 4*time.Second {
				t.Errorf("%s took %v", tc.id, d)
			}
		})
	}
}
