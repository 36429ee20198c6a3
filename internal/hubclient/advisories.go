package hubclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/vigie-project/vigie/internal/advisory"
	"github.com/vigie-project/vigie/internal/indicator"
)

// Advisory is an advisory as the hub's API shows it to the caller (GET
// /api/v1/advisories/ID): its content, and for a party its own receipt and
// ticks and the attached indicators it receives.
type Advisory struct {
	advisory.Advisory
	Tracking     string                 `json:"tracking"`
	Distribution string                 `json:"distribution"`
	Receipt      *AdvisoryReceipt       `json:"receipt,omitempty"`
	Ticks        map[int64]AdvisoryTick `json:"ticks,omitempty"`
	Indicators   []indicator.Indicator  `json:"attached_indicators,omitempty"`
}

// AdvisoryReceipt is where a party stands with an advisory.
type AdvisoryReceipt struct {
	OrgID        int64          `json:"org_id"`
	Org          string         `json:"org"`
	State        string         `json:"state,omitempty"`
	ReadAt       time.Time      `json:"read_at,omitzero"`
	ReadBy       string         `json:"read_by,omitempty"`
	AckedAt      time.Time      `json:"acknowledged_at,omitzero"`
	AckedBy      string         `json:"acknowledged_by,omitempty"`
	AckedVersion int            `json:"acknowledged_version,omitempty"`
	Done         int            `json:"actions_done"`
	Total        int            `json:"actions_total"`
	Reminders    int            `json:"reminders,omitempty"`
	Ticks        []AdvisoryTick `json:"ticks,omitempty"`
}

// AdvisoryTick is a party's tick of one action.
type AdvisoryTick struct {
	ActionID int64     `json:"action_id"`
	Done     bool      `json:"done"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Comment  string    `json:"comment,omitempty"`
}

// Advisories lists the advisories the caller receives (the agency: all),
// newest first; status "" is every status.
func (c *Client) Advisories(ctx context.Context, status string) ([]Advisory, error) {
	u := c.base.JoinPath("/api/v1/advisories")
	if status != "" {
		u.RawQuery = url.Values{"status": {status}}.Encode()
	}
	var out struct {
		Items []Advisory `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, u.String(), nil, &out); err != nil {
		return nil, fmt.Errorf("advisories: %w", err)
	}
	return out.Items, nil
}

func (c *Client) advisoryURL(id int64, rest ...string) string {
	return c.base.JoinPath(append([]string{"/api/v1/advisories", strconv.FormatInt(id, 10)}, rest...)...).String()
}

// Advisory reads one advisory; a party's reading is recorded as read.
func (c *Client) Advisory(ctx context.Context, id int64) (Advisory, error) {
	var a Advisory
	if err := c.do(ctx, http.MethodGet, c.advisoryURL(id), nil, &a); err != nil {
		return a, fmt.Errorf("advisory %d: %w", id, err)
	}
	return a, nil
}

// AcknowledgeAdvisory acknowledges an advisory's current version for the
// caller's party.
func (c *Client) AcknowledgeAdvisory(ctx context.Context, id int64) error {
	if err := c.do(ctx, http.MethodPost, c.advisoryURL(id, "ack"), []byte("{}"), nil); err != nil {
		return fmt.Errorf("acknowledge advisory %d: %w", id, err)
	}
	return nil
}

// TickAdvisoryAction records that the caller's party did (or undid) an
// action, with an optional comment.
func (c *Client) TickAdvisoryAction(ctx context.Context, id, action int64, done bool, comment string) error {
	body, err := json.Marshal(map[string]any{"done": done, "comment": comment})
	if err != nil {
		return err
	}
	if err := c.do(ctx, http.MethodPost, c.advisoryURL(id, "actions", strconv.FormatInt(action, 10)), body, nil); err != nil {
		return fmt.Errorf("advisory %d, action %d: %w", id, action, err)
	}
	return nil
}

// AdvisoryProgress returns where each party stands (the agency) or where
// the caller's party stands.
func (c *Client) AdvisoryProgress(ctx context.Context, id int64) ([]AdvisoryReceipt, error) {
	var out struct {
		Items []AdvisoryReceipt `json:"items"`
	}
	if err := c.do(ctx, http.MethodGet, c.advisoryURL(id, "progress"), nil, &out); err != nil {
		return nil, fmt.Errorf("advisory %d: %w", id, err)
	}
	return out.Items, nil
}
