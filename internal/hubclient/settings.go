package hubclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"
)

// OrgSettings is what the caller's organisation declared on the hub that
// sensors use: its campaign web sites and mail domains (IDNA ASCII), which
// the domain watch and the DNS filter protect from look-alikes.
type OrgSettings struct {
	OrgID       int64     `json:"org_id"`
	Org         string    `json:"org"`
	Sites       []string  `json:"sites"`
	MailDomains []string  `json:"mail_domains"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// Domains returns every declared domain, sorted, each once.
func (s OrgSettings) Domains() []string {
	out := append(append([]string{}, s.Sites...), s.MailDomains...)
	slices.Sort(out)
	return slices.Compact(out)
}

// OrgSettings reads the caller's organisation's settings (GET
// /api/v1/org/settings); a sensor token may.
func (c *Client) OrgSettings(ctx context.Context) (OrgSettings, error) {
	var s OrgSettings
	if err := c.do(ctx, http.MethodGet, c.base.JoinPath("/api/v1/org/settings").String(), nil, &s); err != nil {
		return s, fmt.Errorf("organisation settings: %w", err)
	}
	return s, nil
}

// OrgSettingsCached reads the settings and keeps them in path; when the
// hub cannot be reached it returns the kept ones (if any) with the error.
func OrgSettingsCached(ctx context.Context, c *Client, path string) (OrgSettings, error) {
	s, err := c.OrgSettings(ctx)
	if err != nil {
		if kept, ok := loadSettings(path); ok {
			return kept, fmt.Errorf("%w (using the domains kept from the last contact)", err)
		}
		return s, err
	}
	if err := saveSettings(path, s); err != nil {
		return s, fmt.Errorf("organisation settings read but not kept: %w", err)
	}
	return s, nil
}

func loadSettings(path string) (OrgSettings, bool) {
	var s OrgSettings
	if path == "" {
		return s, false
	}
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &s) != nil {
		return s, false
	}
	return s, true
}

func saveSettings(path string, s OrgSettings) error {
	if path == "" {
		return nil
	}
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return writeAtomic(path, data)
}

// Proposal is a look-alike a party's watch proposes to the agency as an
// indicator to publish to every party.
type Proposal struct {
	Name      string    `json:"name"`
	Imitates  string    `json:"imitates,omitempty"`
	Technique string    `json:"technique,omitempty"`
	Score     float64   `json:"score,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	Evidence  []string  `json:"evidence,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
}

// MaxProposals is the most proposals the hub takes in one request.
const MaxProposals = 100

// ProposeLookalikes sends proposals (POST /api/v1/lookalikes/proposals),
// MaxProposals per request. Proposing a name again only updates its
// evidence, so a retry is harmless. It returns how many were new.
func (c *Client) ProposeLookalikes(ctx context.Context, items []Proposal) (int, error) {
	created := 0
	for len(items) > 0 {
		n := min(len(items), MaxProposals)
		body, err := json.Marshal(map[string]any{"items": items[:n]})
		if err != nil {
			return created, err
		}
		var res struct {
			Created int `json:"created"`
			Items   []struct {
				Name  string `json:"name"`
				Error string `json:"error"`
			} `json:"items"`
		}
		if err := c.do(ctx, http.MethodPost, c.base.JoinPath("/api/v1/lookalikes/proposals").String(), body, &res); err != nil {
			return created, fmt.Errorf("propose look-alikes: %w", err)
		}
		created += res.Created
		var bad []error
		for _, it := range res.Items {
			if it.Error != "" {
				bad = append(bad, fmt.Errorf("%s: %s", it.Name, it.Error))
			}
		}
		if len(bad) > 0 {
			return created, fmt.Errorf("propose look-alikes: the hub refused %d: %w", len(bad), errors.Join(bad...))
		}
		items = items[n:]
	}
	return created, nil
}

// syncSettings reads the organisation's settings and hands them to
// f.Settings when they changed (always the first time; from the kept copy
// when the hub cannot be reached and nothing was applied yet).
func (f *Follower) syncSettings(ctx context.Context) error {
	path := ""
	if f.CachePath != "" {
		path = f.CachePath + ".settings"
	}
	s, err := OrgSettingsCached(ctx, f.Client, path)
	if err != nil {
		if _, ok := loadSettings(path); !ok || f.settingsApplied {
			return err
		}
	}
	key, _ := json.Marshal(s.Domains())
	if f.settingsApplied && string(key) == f.settingsKey {
		return err
	}
	if aerr := f.Settings(s); aerr != nil {
		f.Logger.Error("hub settings: the declared domains could not be applied; the previous ones stay in force", "err", aerr)
		if err == nil {
			err = aerr
		}
		return err
	}
	f.settingsApplied, f.settingsKey = true, string(key)
	f.Logger.Info("hub settings: declared domains applied", "domains", len(s.Domains()))
	return err
}
