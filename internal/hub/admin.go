package hub

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
	return createToken(ctx, s, a, 0, orgID, role, name, ttl)
}

func createToken(ctx context.Context, s *store.Store, a store.Actor, userID, orgID int64, role, name string, ttl time.Duration) (CreatedToken, error) {
	if !store.ValidTokenRole(role) {
		return CreatedToken{}, fmt.Errorf("role %q: want admin, analyst, member or sensor", role)
	}
	secret, hash, prefix := NewToken()
	t := store.Token{OrgID: orgID, Role: role, Name: name, Hash: hash, Prefix: prefix, UserID: userID}
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

// ErrRefused is wrapped by changes to users that the hub refuses (the
// message says why).
var ErrRefused = errors.New("refused")

// UserChange is an administrator's change to a user: a new role, or
// disabled (true) / enabled again (false). Nil fields stay as they are.
type UserChange struct {
	Role     *string `json:"role,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

// ChangeUser applies c to user id, as seen by v (a party administrator
// reaches only its own organisation's users). self is the id of the user
// making the change: nobody disables, demotes or deletes themselves, and
// the agency always keeps an enabled administrator. Disabling a user ends
// its sessions and stops its personal API tokens; a new role ends its
// sessions too (it may need a second factor).
func ChangeUser(ctx context.Context, s *store.Store, v store.Viewer, a store.Actor, self, id int64, c UserChange) (store.User, error) {
	u, err := s.GetUser(ctx, v, id)
	if err != nil {
		return store.User{}, err
	}
	if c.Role != nil && !store.ValidUserRole(*c.Role) {
		return store.User{}, fmt.Errorf("%w: role %q: want admin, analyst or member", ErrRefused, *c.Role)
	}
	losesAdmin := u.Role == store.RoleAdmin && !u.Disabled &&
		((c.Role != nil && *c.Role != store.RoleAdmin) || (c.Disabled != nil && *c.Disabled))
	if id == self && (losesAdmin || (c.Disabled != nil && *c.Disabled)) {
		return store.User{}, fmt.Errorf("%w: you cannot disable or demote your own account; ask another administrator", ErrRefused)
	}
	if losesAdmin {
		if err := keepsAgencyAdmin(ctx, s, u); err != nil {
			return store.User{}, err
		}
	}
	if err := s.UpdateUser(ctx, v, a, id, store.UserUpdate{Role: c.Role, Disabled: c.Disabled}); err != nil {
		return store.User{}, err
	}
	return s.GetUser(ctx, v, id)
}

// DeleteUser removes user id as seen by v, with ChangeUser's guards.
func DeleteUser(ctx context.Context, s *store.Store, v store.Viewer, a store.Actor, self, id int64) error {
	u, err := s.GetUser(ctx, v, id)
	if err != nil {
		return err
	}
	if id == self {
		return fmt.Errorf("%w: you cannot delete your own account; ask another administrator", ErrRefused)
	}
	if u.Role == store.RoleAdmin && !u.Disabled {
		if err := keepsAgencyAdmin(ctx, s, u); err != nil {
			return err
		}
	}
	return s.DeleteUser(ctx, v, a, id)
}

// keepsAgencyAdmin refuses to take away the last enabled administrator of
// the agency: without one, nobody could manage the hub from the UI.
func keepsAgencyAdmin(ctx context.Context, s *store.Store, u store.User) error {
	if u.OrgKind != store.KindAgency {
		return nil
	}
	all, err := s.ListUsers(ctx, store.Viewer{OrgID: u.OrgID})
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != u.ID && o.Role == store.RoleAdmin && !o.Disabled {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is the agency's last enabled administrator; make another administrator first", ErrRefused, u.Username)
}

// CreateTokenFor is CreateToken for a token made by user userID (from the
// web UI): a personal token (any role but sensor) stops working while that
// user is disabled, and is revoked when the user is deleted.
func CreateTokenFor(ctx context.Context, s *store.Store, a store.Actor, userID, orgID int64, role, name string, ttl time.Duration) (CreatedToken, error) {
	return createToken(ctx, s, a, userID, orgID, role, name, ttl)
}

// ResetLogin recovers user id for an administrator (seen by v): with
// password set, a new password that the user must change at the next
// login; with secondFactor, the authenticator app and passkeys are removed
// (a lost phone or key) and the user sets up a new one at the next login.
// The user's sessions end and the login throttle is cleared. Nobody resets
// themselves this way.
func ResetLogin(ctx context.Context, s *store.Store, v store.Viewer, a store.Actor, self, id int64, password string, secondFactor bool) (store.User, error) {
	u, err := s.GetUser(ctx, v, id)
	if err != nil {
		return store.User{}, err
	}
	if id == self {
		return store.User{}, fmt.Errorf("%w: use My account to change your own password or second factor", ErrRefused)
	}
	up := store.UserUpdate{}
	if password != "" {
		if err := CheckPasswordPolicy(password, u.Username); err != nil {
			return store.User{}, err
		}
		hash, err := HashPassword(password)
		if err != nil {
			return store.User{}, err
		}
		up.PasswordHash, up.MustChangePassword = &hash, new(true)
	}
	if secondFactor {
		up.TOTPEnabled, up.TOTPSecret = new(false), new("")
		if _, err := s.DeletePasskeys(ctx, a, id); err != nil {
			return store.User{}, err
		}
	}
	if err := s.UpdateUser(ctx, v, a, id, up); err != nil {
		return store.User{}, err
	}
	if err := s.EndSessions(ctx, id); err != nil {
		return store.User{}, err
	}
	if err := s.ClearLoginThrottle(ctx, strings.ToLower(u.Username)); err != nil {
		return store.User{}, err
	}
	return s.GetUser(ctx, v, id)
}
