package hubclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/report"
)

// PostFindings sends findings to the hub (POST /api/v1/findings), at most
// MaxBatch per request; each finding's ID is its idempotency key, so
// sending one again does not duplicate it.
func (c *Client) PostFindings(ctx context.Context, items []report.Finding) error {
	for len(items) > 0 {
		n := min(len(items), MaxBatch)
		body, err := json.Marshal(map[string]any{"items": items[:n]})
		if err != nil {
			return err
		}
		if err := c.do(ctx, http.MethodPost, c.base.JoinPath("/api/v1/findings").String(), body, nil); err != nil {
			return fmt.Errorf("post findings: %w", err)
		}
		items = items[n:]
	}
	return nil
}

// PublishIndicators creates indicators on the hub (POST /api/v1/indicators)
// with a distribution ("all" parties, "agency" ...). Only agency analysts'
// tokens may publish; a party's sensor token gets a *TokenError or an
// error naming the refusal.
func (c *Client) PublishIndicators(ctx context.Context, items []indicator.Indicator, distribution string) error {
	body, err := json.Marshal(map[string]any{"items": items, "distribution": distribution})
	if err != nil {
		return err
	}
	if err := c.do(ctx, http.MethodPost, c.base.JoinPath("/api/v1/indicators").String(), body, nil); err != nil {
		return fmt.Errorf("publish indicators: %w", err)
	}
	return nil
}
