package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie/internal/lookalike"
)

// Limits of party settings: a party declares a handful of domains (its
// campaign sites, its mail domains) and the few people the agency calls.
const (
	MaxOrgDomains  = 50 // per kind (sites, mail)
	MaxOrgContacts = 20
	maxContactText = 200
)

// ErrBadSettings wraps every reason settings are refused; the message names
// the field and the value.
var ErrBadSettings = errors.New("invalid settings")

// Contact is a person the agency calls about the organisation.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"`
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// OrgSettings is what an organisation declares about itself: its domains
// (campaign web sites and mail domains, IDNA-normalised: lower-case ASCII,
// punycode for IDNs) and its contacts.
type OrgSettings struct {
	OrgID       int64     `json:"org_id"`
	OrgName     string    `json:"org"`
	Sites       []string  `json:"sites"`
	MailDomains []string  `json:"mail_domains"`
	Contacts    []Contact `json:"contacts"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
}

// Domains returns every declared domain (sites and mail domains), sorted,
// each once: the domains the watch protects and the posture checks cover.
func (o OrgSettings) Domains() []string {
	out := append(append([]string{}, o.Sites...), o.MailDomains...)
	slices.Sort(out)
	return slices.Compact(out)
}

// NormaliseOrgDomain checks that name is a registrable host name an
// organisation may declare (valid labels, valid punycode, one writing
// system, a known public suffix) and returns its IDNA ASCII form, lower
// case without the final dot: "Élysée.FR." gives "xn--lyse-9oad.fr".
func NormaliseOrgDomain(name string) (string, error) {
	raw := strings.TrimSpace(name)
	if strings.HasPrefix(raw, "*.") {
		return "", fmt.Errorf("%q: a wildcard is not a domain (declare the domain itself)", name)
	}
	n, err := lookalike.ParseName(raw)
	if err != nil {
		return "", err
	}
	if n.MixedScript {
		return "", fmt.Errorf("%q: %w", name, lookalike.ErrMixedScript)
	}
	if n.Reg == "" || !strings.Contains(n.ASCII, ".") {
		return "", fmt.Errorf("%q: %w", name, lookalike.ErrNoSuffix)
	}
	return n.ASCII, nil
}

// normaliseSettings validates in and returns it cleaned: domains
// normalised, sorted and each once; contacts trimmed.
func normaliseSettings(in OrgSettings) (OrgSettings, error) {
	out := OrgSettings{OrgID: in.OrgID}
	var err error
	if out.Sites, err = normaliseDomains("sites", in.Sites); err != nil {
		return out, err
	}
	if out.MailDomains, err = normaliseDomains("mail_domains", in.MailDomains); err != nil {
		return out, err
	}
	if len(in.Contacts) > MaxOrgContacts {
		return out, fmt.Errorf("%w: contacts: %d given, at most %d", ErrBadSettings, len(in.Contacts), MaxOrgContacts)
	}
	out.Contacts = []Contact{}
	for i, c := range in.Contacts {
		c = Contact{Name: strings.TrimSpace(c.Name), Role: strings.TrimSpace(c.Role), Email: strings.TrimSpace(c.Email), Phone: strings.TrimSpace(c.Phone)}
		if c == (Contact{}) {
			continue
		}
		for field, v := range map[string]string{"name": c.Name, "role": c.Role, "email": c.Email, "phone": c.Phone} {
			if len(v) > maxContactText || !utf8.ValidString(v) || strings.ContainsFunc(v, isControl) {
				return out, fmt.Errorf("%w: contact %d: %s must be printable text of at most %d bytes", ErrBadSettings, i+1, field, maxContactText)
			}
		}
		if c.Name == "" {
			return out, fmt.Errorf("%w: contact %d: a name is required", ErrBadSettings, i+1)
		}
		if c.Email != "" {
			a, err := mail.ParseAddress(c.Email)
			if err != nil || a.Address != c.Email {
				return out, fmt.Errorf("%w: contact %d: e-mail %q is not an address (want name@example.org)", ErrBadSettings, i+1, c.Email)
			}
		}
		if c.Phone != "" && strings.Trim(c.Phone, "+0123456789 .-()") != "" {
			return out, fmt.Errorf("%w: contact %d: phone %q may hold only digits, spaces, + . - ( )", ErrBadSettings, i+1, c.Phone)
		}
		out.Contacts = append(out.Contacts, c)
	}
	return out, nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func normaliseDomains(field string, in []string) ([]string, error) {
	out := []string{}
	for _, d := range in {
		if strings.TrimSpace(d) == "" {
			continue
		}
		n, err := NormaliseOrgDomain(d)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadSettings, field, err)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxOrgDomains {
		return nil, fmt.Errorf("%w: %s: %d domains given, at most %d", ErrBadSettings, field, len(out), MaxOrgDomains)
	}
	return out, nil
}

// Domain kinds in org_domains.
const (
	domainSite = "site"
	domainMail = "mail"
)

// GetOrgSettings returns organisation orgID's settings if the viewer may
// see them (its own organisation, or any for the agency). An organisation
// that never saved settings has empty ones.
func (s *Store) GetOrgSettings(ctx context.Context, v Viewer, orgID int64) (OrgSettings, error) {
	o, err := s.GetOrg(ctx, v, orgID)
	if err != nil {
		return OrgSettings{}, err
	}
	all, err := s.orgSettings(ctx, o.ID)
	if err != nil {
		return OrgSettings{}, err
	}
	st := all[o.ID]
	st.OrgID, st.OrgName = o.ID, o.Name
	return st, nil
}

// orgSettings loads the settings of one organisation (id > 0) or of all
// (id 0), by organisation id; every returned value has non-nil slices.
func (s *Store) orgSettings(ctx context.Context, id int64) (map[int64]OrgSettings, error) {
	out := map[int64]OrgSettings{}
	get := func(org int64) OrgSettings {
		st, ok := out[org]
		if !ok {
			st = OrgSettings{OrgID: org, Sites: []string{}, MailDomains: []string{}, Contacts: []Contact{}}
		}
		return st
	}
	if id > 0 {
		out[id] = get(id)
	}
	where, args := "", []any{}
	if id > 0 {
		where, args = " WHERE st.org_id = ?", []any{id}
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT st.org_id, o.name, st.contacts, st.updated_at, st.updated_by FROM org_settings st JOIN orgs o ON o.id = st.org_id"+where), args...)
	if err != nil {
		return nil, fmt.Errorf("store: settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var org, at int64
		var name, contacts, by string
		if err := rows.Scan(&org, &name, &contacts, &at, &by); err != nil {
			return nil, fmt.Errorf("store: settings: %w", err)
		}
		st := get(org)
		st.OrgName, st.UpdatedAt, st.UpdatedBy = name, fromMicros(at), by
		if err := json.Unmarshal([]byte(contacts), &st.Contacts); err != nil {
			return nil, fmt.Errorf("store: settings of organisation %d: contacts: %w", org, err)
		}
		out[org] = st
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: settings: %w", err)
	}
	where = ""
	if id > 0 {
		where = " WHERE org_id = ?"
	}
	drows, err := s.r.QueryContext(ctx, s.q("SELECT org_id, kind, domain FROM org_domains"+where+" ORDER BY org_id, kind, domain"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: settings: domains: %w", err)
	}
	defer drows.Close()
	for drows.Next() {
		var org int64
		var kind, d string
		if err := drows.Scan(&org, &kind, &d); err != nil {
			return nil, fmt.Errorf("store: settings: domains: %w", err)
		}
		st := get(org)
		if kind == domainMail {
			st.MailDomains = append(st.MailDomains, d)
		} else {
			st.Sites = append(st.Sites, d)
		}
		out[org] = st
	}
	return out, drows.Err()
}

// PutOrgSettings replaces organisation orgID's settings. A party's admin
// may change its own organisation's, an agency admin any organisation's
// (the caller checks the role; the store checks the organisation). The
// input is validated and normalised (see NormaliseOrgDomain); a bad value
// gives an error wrapping ErrBadSettings that names the field and value.
func (s *Store) PutOrgSettings(ctx context.Context, v Viewer, a Actor, orgID int64, in OrgSettings) (OrgSettings, error) {
	o, err := s.GetOrg(ctx, v, orgID)
	if err != nil {
		return OrgSettings{}, err
	}
	st, err := normaliseSettings(in)
	if err != nil {
		return OrgSettings{}, err
	}
	st.OrgID, st.OrgName = o.ID, o.Name
	st.UpdatedAt, st.UpdatedBy = fromMicros(s.now().UnixMicro()), a.Name
	contacts, _ := json.Marshal(st.Contacts)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO org_settings (org_id, contacts, updated_at, updated_by) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET contacts = excluded.contacts, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
			o.ID, string(contacts), micros(st.UpdatedAt), a.Name); err != nil {
			return fmt.Errorf("store: save settings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM org_domains WHERE org_id = ?"), o.ID); err != nil {
			return fmt.Errorf("store: save settings: %w", err)
		}
		for kind, ds := range map[string][]string{domainSite: st.Sites, domainMail: st.MailDomains} {
			for _, d := range ds {
				if _, err := tx.ExecContext(ctx, s.q("INSERT INTO org_domains (org_id, kind, domain) VALUES (?, ?, ?)"), o.ID, kind, d); err != nil {
					return fmt.Errorf("store: save settings: %w", err)
				}
			}
		}
		return s.audit(ctx, tx, a, "org.settings", fmt.Sprintf("org:%d", o.ID),
			fmt.Sprintf("sites %s; mail %s; %d contact(s)", strings.Join(st.Sites, ","), strings.Join(st.MailDomains, ","), len(st.Contacts)))
	})
	if err != nil {
		return OrgSettings{}, err
	}
	return st, nil
}

// AllOrgSettings returns the settings of every organisation that declared
// at least one domain, by organisation name (the hub's posture schedule).
func (s *Store) AllOrgSettings(ctx context.Context) ([]OrgSettings, error) {
	all, err := s.orgSettings(ctx, 0)
	if err != nil {
		return nil, err
	}
	var out []OrgSettings
	for _, st := range all {
		if len(st.Sites)+len(st.MailDomains) > 0 {
			out = append(out, st)
		}
	}
	slices.SortFunc(out, func(a, b OrgSettings) int { return strings.Compare(a.OrgName, b.OrgName) })
	return out, nil
}
