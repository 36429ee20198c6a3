// Package hubclient is the sensors' side of the hub API: it pulls the
// indicators shared with the party (GET /api/v1/indicators, paged with a
// cursor) and reports sightings (POST /api/v1/sightings). Sightings go
// through a Spool, a directory of pending batches, so that nothing is lost
// when the hub cannot be reached: a batch is written atomically before any
// attempt and deleted only once the hub acknowledged it. Every sighting
// carries a client-made id that the hub uses as an idempotency key, so a
// batch delivered twice (the acknowledgement was lost) is counted once.
package hubclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/indicator"
)

// Limits on what the hub may send back.
const (
	maxPageBytes = 256 << 20
	maxPages     = 10_000
	// MaxBatch is the number of sightings per POST (the hub's limit).
	MaxBatch = 5000
)

// Client talks to one hub with one token.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	agent string
}

// New returns a client for the hub at base ("https://hub.example.org").
func New(base, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hub URL %q: want http(s)://host[:port]", base)
	}
	if token == "" {
		return nil, errors.New("hub: a token is required (--token or VIGIE_TOKEN)")
	}
	return &Client{base: u, token: token, http: &http.Client{Timeout: 60 * time.Second}, agent: "vigie-scan"}, nil
}

// SetHTTPClient replaces the HTTP client (tests, proxies).
func (c *Client) SetHTTPClient(h *http.Client) { c.http = h }

// pullPage is one answer of GET /api/v1/indicators.
type pullPage struct {
	Items []struct {
		indicator.Indicator
		Expired   bool `json:"expired"`
		Withdrawn bool `json:"withdrawn"`
	} `json:"items"`
	Next string `json:"next"`
	More bool   `json:"more"`
}

// Pull fetches the indicators changed after the cursor since ("" for all),
// following pages, and returns those in force and the cursor for the next
// pull. Indicators that expired or were withdrawn from the party are
// returned in expired, by Identity, so that a cache can drop them.
func (c *Client) Pull(ctx context.Context, since string) (inds []indicator.Indicator, expired []string, next string, err error) {
	ch, err := c.PullChanges(ctx, since, "")
	return ch.Indicators, ch.Gone, ch.Next, err
}

// Changes is what a pull brought.
type Changes struct {
	Indicators []indicator.Indicator // new or changed, in force
	Gone       []string              // Identity of indicators expired or withdrawn
	Next       string                // the cursor for the next pull
	// ETag is the hub's tag for the first page; NotModified is true when
	// the hub answered 304 to the ETag given (nothing changed).
	ETag        string
	NotModified bool
	// Refused are indicators the sensor will not apply whatever the hub
	// says (a range that would match every address), with the reason.
	Refused []string
}

// SensorBreadth is the widest network range a sensor applies, whatever
// its hub sends: a hub configured (or poisoned) with 0.0.0.0/0 must not
// turn every message or connection into an alert. The hub's own bound
// (vigie serve --min-prefix-ipv4/-ipv6, default /16 and /32) is stricter.
var SensorBreadth = indicator.Breadth{MinIPv4Bits: 8, MinIPv6Bits: 16}

// PullChanges is Pull with a conditional request: when etag is the hub's
// current tag for the cursor, the hub answers 304 Not Modified without
// reading its database, and NotModified is set.
func (c *Client) PullChanges(ctx context.Context, since, etag string) (Changes, error) {
	ch := Changes{Next: since}
	for page := 0; ; page++ {
		if page >= maxPages {
			return Changes{}, fmt.Errorf("hub: more than %d pages of indicators", maxPages)
		}
		q := url.Values{}
		if ch.Next != "" {
			q.Set("since", ch.Next)
		}
		u := c.base.JoinPath("/api/v1/indicators")
		u.RawQuery = q.Encode()
		var p pullPage
		var hdr http.Header
		inm := ""
		if page == 0 {
			inm = etag
		}
		status, err := c.doHeaders(ctx, http.MethodGet, u.String(), nil, &p, inm, &hdr)
		if err != nil {
			return Changes{}, err
		}
		if page == 0 {
			ch.ETag = hdr.Get("ETag")
		}
		if status == http.StatusNotModified {
			ch.NotModified = true
			return ch, nil
		}
		for _, it := range p.Items {
			if it.Expired || it.Withdrawn {
				ch.Gone = append(ch.Gone, it.Identity())
				continue
			}
			if err := SensorBreadth.Check(&it.Indicator); err != nil {
				ch.Gone = append(ch.Gone, it.Identity())
				ch.Refused = append(ch.Refused, indicator.Where(&it.Indicator)+": "+err.Error())
				continue
			}
			ch.Indicators = append(ch.Indicators, it.Indicator)
		}
		if p.Next != "" {
			ch.Next = p.Next
		}
		if !p.More || len(p.Items) == 0 {
			return ch, nil
		}
	}
}

// Sighting is one observation of an indicator, as the hub takes it.
type Sighting struct {
	ID         string `json:"id"`
	Value      string `json:"value"`
	Type       string `json:"type"`
	ObservedAt string `json:"observed_at"`
	Count      int64  `json:"count"`
	Sensor     string `json:"sensor"`
	Host       string `json:"host,omitempty"`
}

// RejectedError is a batch the hub refused as malformed: sending it again
// will not help.
type RejectedError struct {
	Status int
	Body   string
	data   []byte
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("hub refused the batch (HTTP %d): %s", e.Status, e.Body)
}

// Items are the items the hub named as refused, with the reason (empty
// when it refused the batch as a whole).
func (e *RejectedError) Items() []ItemProblem {
	var a struct {
		Problems []ItemProblem `json:"problems"`
	}
	if json.Unmarshal(e.data, &a) != nil {
		return nil
	}
	return a.Problems
}

// ItemProblem is an item of a batch the hub refused, by its index in the
// batch, with the reason.
type ItemProblem struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Reason string `json:"reason"`
}

// PostResult is the hub's answer to a batch of sightings.
type PostResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Matched    int `json:"matched"`
	Alerts     int `json:"alerts"`
	// Rejected are the items the hub refused; the others are stored.
	Rejected []ItemProblem `json:"rejected"`
}

// PostSightings sends one batch. A nil error means the hub stored it,
// except the items it lists in Rejected. When the hub refuses every item
// the error is a *RejectedError whose Items say why each was refused.
func (c *Client) PostSightings(ctx context.Context, items []Sighting) (PostResult, error) {
	var res PostResult
	body, err := json.Marshal(map[string]any{"items": items})
	if err != nil {
		return res, err
	}
	_, err = c.doHeaders(ctx, http.MethodPost, c.base.JoinPath("/api/v1/sightings").String(), body, &res, "", nil)
	return res, err
}

func (c *Client) do(ctx context.Context, method, u string, body []byte, out any) error {
	_, err := c.doHeaders(ctx, method, u, body, out, "", nil)
	return err
}

// doHeaders sends a request (with If-None-Match when inm is set), decodes
// a 2xx answer into out, stores the answer's headers in hdr when not nil,
// and returns the status (304 is not an error).
func (c *Client) doHeaders(ctx context.Context, method, u string, body []byte, out any, inm string, hdr *http.Header) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.agent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if inm != "" {
		req.Header.Set("If-None-Match", inm)
	}
	return c.roundTrip(c.http, req, out, hdr)
}

// roundTrip sends req with client h and reads the answer as doHeaders
// says.
func (c *Client) roundTrip(h *http.Client, req *http.Request, out any, hdr *http.Header) (int, error) {
	method := req.Method
	resp, err := h.Do(req)
	if err != nil {
		return 0, &UnreachableError{Host: c.base.Host, Err: err}
	}
	defer resp.Body.Close()
	if hdr != nil {
		*hdr = resp.Header
	}
	if resp.StatusCode == http.StatusNotModified {
		return resp.StatusCode, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes+1))
	if err != nil {
		return resp.StatusCode, &UnreachableError{Host: c.base.Host, Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if len(data) > maxPageBytes {
		return resp.StatusCode, fmt.Errorf("hub %s: answer larger than %d MiB", c.base.Host, maxPageBytes>>20)
	}
	if resp.StatusCode/100 != 2 {
		msg := strings.TrimSpace(string(data))
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return resp.StatusCode, &TokenError{Host: c.base.Host, Status: resp.StatusCode, Msg: msg}
		case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnprocessableEntity || resp.StatusCode == http.StatusRequestEntityTooLarge:
			return resp.StatusCode, &RejectedError{Status: resp.StatusCode, Body: msg, data: data}
		}
		return resp.StatusCode, fmt.Errorf("hub %s: HTTP %d: %s", c.base.Host, resp.StatusCode, msg)
	}
	if out == nil || (len(bytes.TrimSpace(data)) == 0 && method != http.MethodGet) {
		return resp.StatusCode, nil // an acknowledgement without a body
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.StatusCode, fmt.Errorf("hub %s: bad JSON answer: %w", c.base.Host, err)
	}
	return resp.StatusCode, nil
}

// UnreachableError is a hub that could not be reached or spoke no HTTP
// to us: down, wrong address, or a TLS certificate not trusted.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string { return fmt.Sprintf("hub %s: %v", e.Host, e.Err) }
func (e *UnreachableError) Unwrap() error { return e.Err }

// TokenError is a token the hub refused: unknown, expired or revoked, or
// without the permission asked for.
type TokenError struct {
	Host   string
	Status int
	Msg    string
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("hub %s: the token was refused (HTTP %d): %s", e.Host, e.Status, e.Msg)
}
