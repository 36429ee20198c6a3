package hubclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// MailModel is the mail content model the agency hands out through the
// hub (GET /api/v1/mail-model).
type MailModel struct {
	// Data is the model file (model.Decode reads it); nil when
	// NotModified.
	Data    []byte
	Version int64
	SHA256  string // hex digest of Data, as the hub stated it
	ETag    string
	// NotModified: the hub's model is still the one of the ETag given.
	NotModified bool
}

// ErrNoMailModel is the hub's answer when the agency has uploaded no model.
var ErrNoMailModel = errors.New("the hub has no mail model (the agency has not uploaded one)")

// maxMailModelBytes bounds a model file received (the format's largest).
const maxMailModelBytes = 64<<20 + 8192

// PullMailModel fetches the hub's mail model, or only learns that it did
// not change when etag is the ETag of the last pull. The file's SHA-256 is
// checked against the digest the hub states: a file damaged on the way is
// an error, never returned as a model.
func (c *Client) PullMailModel(ctx context.Context, etag string) (MailModel, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base.String()+"/api/v1/mail-model", nil)
	if err != nil {
		return MailModel{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.agent)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return MailModel{}, &UnreachableError{Host: c.base.Host, Err: err}
	}
	defer resp.Body.Close()
	m := MailModel{ETag: resp.Header.Get("ETag"), SHA256: strings.ToLower(resp.Header.Get("X-Vigie-Model-SHA256"))}
	m.Version, _ = strconv.ParseInt(resp.Header.Get("X-Vigie-Model-Version"), 10, 64)
	switch {
	case resp.StatusCode == http.StatusNotModified:
		m.NotModified = true
		return m, nil
	case resp.StatusCode == http.StatusNotFound:
		return MailModel{}, ErrNoMailModel
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return MailModel{}, &TokenError{Host: c.base.Host, Status: resp.StatusCode, Msg: strings.TrimSpace(string(b))}
	case resp.StatusCode != http.StatusOK:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return MailModel{}, fmt.Errorf("hub %s: mail model: HTTP %d: %s", c.base.Host, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxMailModelBytes+1))
	if err != nil {
		return MailModel{}, &UnreachableError{Host: c.base.Host, Err: fmt.Errorf("reading the mail model: %w", err)}
	}
	if len(data) > maxMailModelBytes {
		return MailModel{}, fmt.Errorf("hub %s: mail model larger than %d bytes", c.base.Host, maxMailModelBytes)
	}
	if m.SHA256 == "" {
		return MailModel{}, fmt.Errorf("hub %s: mail model version %d came without its SHA-256 digest; refused", c.base.Host, m.Version)
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != m.SHA256 {
		return MailModel{}, fmt.Errorf("hub %s: mail model version %d does not match its digest (got SHA-256 %s, the hub states %s): damaged on the way; refused", c.base.Host, m.Version, got[:16], m.SHA256[:min(16, len(m.SHA256))])
	}
	m.Data = data
	return m, nil
}

// UploadedMailModel is the hub's answer to an upload.
type UploadedMailModel struct {
	Version int64  `json:"version"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	Note    string `json:"note"`
	Ham     int64  `json:"ham"`
	Phish   int64  `json:"phish"`
}

// PushMailModel uploads a model file as the hub's next mail model version
// (an agency token: administrator or analyst). A file the hub finds
// unusable comes back as a *RejectedError with its reason.
func (c *Client) PushMailModel(ctx context.Context, data []byte) (UploadedMailModel, error) {
	var out UploadedMailModel
	err := c.do(ctx, http.MethodPost, c.base.String()+"/api/v1/mail-model", data, &out)
	return out, err
}
