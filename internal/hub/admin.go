package hub

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// cliActor is who the audit log names for `vigie admin` and first start.
var cliActor = store.Actor{Name: "cli"}

// CreateUser hashes password and adds a user to the named organisation.
// The password must pass CheckPasswordPolicy. Every user who can publish
// indicators or create tokens (administrators, agency analysts) must set
// up a second factor at their first login.
func CreateUser(ctx context.Context, s *store.Store, a store.Actor, orgName, username, role, password string) (store.User, error) {
	org, err := s.OrgByName(ctx, orgName)
	if err != nil {
		return store.User{}, err
	}
	if !store.ValidUserRole(role) {
		return store.User{}, fmt.Errorf("role %q: want admin, analyst or member", role)
	}
	if err := CheckPasswordPolicy(password, username); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return store.User{}, err
	}
	if a.Name == "" {
		a = cliActor
	}
	if a.OrgID == 0 {
		a.OrgID = org.ID
	}
	return s.CreateUser(ctx, a, store.User{OrgID: org.ID, Username: username, Role: role, PasswordHash: hash})
}

// CreatedToken is a new token with its secret, which is shown only once.
type CreatedToken struct {
	store.Token
	Secret string `json:"token"`
}

// CreateToken makes an API token for the organisation and role.
func CreateToken(ctx context.Context, s *store.Store, a store.Actor, orgID int64, role, name string, ttl time.Duration) (CreatedToken, error) {
	if !store.ValidTokenRole(role) {
		return CreatedToken{}, fmt.Errorf("role %q: want admin, analyst, member or sensor", role)
	}
	secret, hash, prefix := NewToken()
	t := store.Token{OrgID: orgID, Role: role, Name: name, Hash: hash, Prefix: prefix}
	if ttl > 0 {
		t.ExpiresAt = time.Now().Add(ttl)
	}
	if a.Name == "" {
		a = cliActor
	}
	if a.OrgID == 0 {
		a.OrgID = orgID
	}
	got, err := s.CreateToken(ctx, a, t)
	if err != nil {
		return CreatedToken{}, err
	}
	return CreatedToken{Token: got, Secret: secret}, nil
}

// Bootstrap prepares an empty store for its first use: it creates the
// agency organisation and an administrator with a random password, which
// it returns (the caller shows it once). On a store that already has
// organisations it does nothing and returns empty strings.
func Bootstrap(ctx context.Context, s *store.Store, agencyName string) (username, password string, err error) {
	orgs, err := s.AllOrgs(ctx)
	if err != nil {
		return "", "", err
	}
	if len(orgs) > 0 {
		return "", "", nil
	}
	if agencyName == "" {
		agencyName = "Agency"
	}
	org, err := s.CreateOrg(ctx, cliActor, agencyName, store.KindAgency)
	if errors.Is(err, store.ErrConflict) {
		return "", "", nil // another instance started at the same time
	}
	if err != nil {
		return "", "", err
	}
	password = RandomPassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", "", err
	}
	u, err := s.CreateUser(ctx, store.Actor{OrgID: org.ID, Name: "cli"}, store.User{OrgID: org.ID, Username: "admin", Role: store.RoleAdmin, PasswordHash: hash, MustChangePassword: true})
	if err != nil {
		return "", "", err
	}
	return u.Username, password, nil
}
