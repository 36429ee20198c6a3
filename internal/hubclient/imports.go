package hubclient

import (
	"context"
	"io"
	"net/http"
	"net/url"
)

// ImportJob is an indicator import running on the hub in the background
// (POST /api/v1/imports): its state and progress.
type ImportJob struct {
	ID             string  `json:"id"`
	State          string  `json:"state"` // queued, running, done, failed, interrupted
	Name           string  `json:"name"`
	Format         string  `json:"format"`
	BytesTotal     int64   `json:"bytes_total"`
	BytesDone      int64   `json:"bytes_done"`
	ItemsTotal     int64   `json:"items_total"`
	ItemsDone      int64   `json:"items_done"`
	Created        int64   `json:"created"`
	Updated        int64   `json:"updated"`
	Warninglisted  int64   `json:"warninglisted"`
	Problems       int64   `json:"problems"`
	Error          string  `json:"error,omitempty"`
	Percent        float64 `json:"percent"`
	ItemsPerSecond float64 `json:"items_per_second"`
}

// Finished reports whether the job will not change any more by itself.
func (j ImportJob) Finished() bool { return j.State != "queued" && j.State != "running" }

// StartImport sends a file to be imported in the background: body is
// streamed (never read into memory), size is its length (-1: unknown).
// query holds name, tlp, distribution, parties, format. With body nil,
// query's path names a file of the hub's import directory instead.
func (c *Client) StartImport(ctx context.Context, body io.Reader, size int64, query url.Values) (ImportJob, error) {
	u := c.base.JoinPath("/api/v1/imports")
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), body)
	if err != nil {
		return ImportJob{}, err
	}
	if body != nil && size >= 0 {
		req.ContentLength = size
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("User-Agent", c.agent)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/octet-stream")
	h := *c.http
	h.Timeout = 0 // a large upload may take long; ctx bounds it
	var j ImportJob
	_, err = c.roundTrip(&h, req, &j, nil)
	return j, err
}

// ImportJob returns the state of an import job.
func (c *Client) ImportJob(ctx context.Context, id string) (ImportJob, error) {
	var j ImportJob
	err := c.do(ctx, http.MethodGet, c.base.JoinPath("/api/v1/imports", id).String(), nil, &j)
	return j, err
}
