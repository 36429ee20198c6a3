package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Webhook formats.
const (
	FormatGeneric    = "generic"    // Vigie's JSON, signed (see Sign)
	FormatSlack      = "slack"      // {"text": ...}
	FormatMattermost = "mattermost" // {"text": ..., "username": ...}
	FormatMatrix     = "matrix"     // matrix-hookshot generic hook: {"text", "html"}
)

// ValidFormat reports whether f is a webhook format.
func ValidFormat(f string) bool {
	switch f {
	case FormatGeneric, FormatSlack, FormatMattermost, FormatMatrix:
		return true
	}
	return false
}

// SignatureHeader carries the signature of a generic webhook:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>".
// A receiver recomputes the HMAC with the secret shown when the hook was
// made, compares in constant time, and refuses a t older than a few
// minutes (replay).
const SignatureHeader = "X-Vigie-Signature"

// Sign returns the signature header value of body at time t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signature header against body, accepting timestamps
// within maxAge of now. It is what a receiver written in Go would do.
func Verify(secret []byte, header string, body []byte, now time.Time, maxAge time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return errors.New("notify: malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > maxAge || d < -maxAge {
		return errors.New("notify: signature too old (replay?)")
	}
	want := Sign(secret, time.Unix(sec, 0), body)
	if !hmac.Equal([]byte(want), []byte("t="+ts+",v1="+sig)) {
		return errors.New("notify: bad signature")
	}
	return nil
}

// Body returns the JSON a hook of format f receives for m.
func Body(format string, m Message) ([]byte, error) {
	switch format {
	case FormatGeneric:
		return json.Marshal(struct {
			Hub    string `json:"hub"`
			Events []Item `json:"events"`
		}{m.HubURL, m.Items})
	case FormatSlack:
		return json.Marshal(map[string]string{"text": m.Subject + "\n" + m.Text})
	case FormatMattermost:
		return json.Marshal(map[string]string{"text": m.Subject + "\n" + m.Text, "username": "Vigie"})
	case FormatMatrix:
		h := "<strong>" + html.EscapeString(m.Subject) + "</strong><br>" +
			strings.ReplaceAll(html.EscapeString(strings.TrimSpace(m.Text)), "\n", "<br>")
		return json.Marshal(map[string]string{"text": m.Subject + "\n" + m.Text, "html": h, "username": "Vigie"})
	}
	return nil, fmt.Errorf("notify: unknown webhook format %q", format)
}

// Guard keeps webhooks from reaching what they should not (SSRF): the hub
// itself, loopback, private, link-local, carrier-grade NAT and other
// non-public addresses, unless an admin allowed a range. It checks the
// address actually dialled, after DNS resolution, so a name that resolves
// to a public address at creation and a private one later (DNS rebinding)
// is still refused.
type Guard struct {
	// Allow lists ranges an admin allowed despite being non-public
	// (vigie serve --webhook-allow).
	Allow []netip.Prefix
	// Deny lists addresses always refused (the hub's own).
	Deny []netip.Prefix
}

// Check refuses an address a webhook must not reach.
func (g *Guard) Check(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, p := range g.Deny {
		if p.Contains(ip) {
			return fmt.Errorf("%s is the hub itself", ip)
		}
	}
	for _, p := range g.Allow {
		if p.Contains(ip) {
			return nil
		}
	}
	if !publicAddr(ip) {
		return fmt.Errorf("%s is not a public address (an admin can allow it with --webhook-allow)", ip)
	}
	return nil
}

var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"), // NAT64 can reach private IPv4
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"), // 6to4 wraps IPv4
	netip.MustParsePrefix("2001::/32"), // Teredo
}

func publicAddr(ip netip.Addr) bool {
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL validates a webhook URL when a user saves it: http or https,
// no credentials, a host whose addresses the guard accepts now.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	if len(raw) > 2000 {
		return errors.New("the URL is longer than 2000 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("the URL must start with https:// (got %q)", u.Scheme)
	}
	if u.User != nil {
		return errors.New("the URL must not carry a user name or password")
	}
	host := u.Hostname()
	if host == "" {
		return errors.New("the URL has no host")
	}
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		addrs, err = net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			return fmt.Errorf("cannot resolve %s: %w", host, err)
		}
	}
	for _, a := range addrs {
		if err := g.Check(a); err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
	}
	return nil
}

// Client returns an HTTP client whose every connection passes the guard,
// that follows no redirect (a redirect could lead anywhere) and gives up
// after timeout.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("webhook: %w", err)
		}
		return g.Check(ap.Addr())
	}}
	tr := &http.Transport{DialContext: d.DialContext, Proxy: nil, TLSHandshakeTimeout: 10 * time.Second,
		ResponseHeaderTimeout: timeout, MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// Post delivers m to a webhook with client c (from Guard.Client). The
// generic format is signed with secret.
func Post(ctx context.Context, c *http.Client, rawURL, format string, secret []byte, m Message, now time.Time) error {
	body, err := Body(format, m)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notify: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "vigie-hub")
	if format == FormatGeneric {
		req.Header.Set(SignatureHeader, Sign(secret, now, body))
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("notify: webhook %s: %w", redactURL(rawURL), err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("notify: webhook %s answered %s", redactURL(rawURL), resp.Status)
	}
	return nil
}

// redactURL keeps scheme, host and the start of the path: Slack and
// Mattermost hook URLs carry their secret in the path.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	p := u.Path
	if len(p) > 12 {
		p = p[:12] + "…"
	}
	return u.Scheme + "://" + u.Host + p
}
