package hubclient

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

// TrustCAFile makes the client trust the certificates in the PEM file path
// in addition to the system's: the hub's own certificate when it runs with
// --self-signed (copy its selfsigned-cert.pem to the sensors), or the
// campaign's private CA. The file must hold at least one certificate.
func (c *Client) TrustCAFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--hub-ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	n := 0
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return fmt.Errorf("--hub-ca %s: certificate %d: %w", path, n+1, err)
		}
		pool.AddCert(cert)
		n++
	}
	if n == 0 {
		return fmt.Errorf("--hub-ca %s: no PEM certificate in the file (want the hub's certificate, -----BEGIN CERTIFICATE-----)", path)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	c.http = &http.Client{Timeout: 60 * time.Second, Transport: tr}
	return nil
}

// IsHubProblem reports whether err means the sensor could not use the hub:
// unreachable, not trusted (TLS), or the token refused (revoked, expired,
// unknown). One-shot commands exit with their own code for it, so that a
// scheduler sees that the sensor is cut off from the hub.
func IsHubProblem(err error) bool {
	var ue *UnreachableError
	var te *TokenError
	var se *StaleError
	return errors.As(err, &ue) || errors.As(err, &te) || errors.As(err, &se)
}
