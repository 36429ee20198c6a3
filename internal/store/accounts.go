package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Organisation kinds.
const (
	KindAgency = "agency"
	KindParty  = "party"
)

// Roles. Users have admin, analyst or member; tokens may also be sensor.
const (
	RoleAdmin   = "admin"
	RoleAnalyst = "analyst"
	RoleMember  = "member"
	RoleSensor  = "sensor"
)

// ValidKind reports whether k is an organisation kind.
func ValidKind(k string) bool { return k == KindAgency || k == KindParty }

// ValidUserRole reports whether r is a role a user may hold.
func ValidUserRole(r string) bool { return r == RoleAdmin || r == RoleAnalyst || r == RoleMember }

// ValidTokenRole reports whether r is a role a token may hold.
func ValidTokenRole(r string) bool { return ValidUserRole(r) || r == RoleSensor }

// Viewer is who asks: an organisation and whether it is an agency. Every
// query on tenant data is scoped by it.
type Viewer struct {
	OrgID  int64
	Agency bool
}

// Actor is who makes a change, for the audit log.
type Actor struct {
	OrgID int64
	// Name: "user:alice", "token:vgt_AbC1", "cli".
	Name string
}

// Org is an organisation: the agency or a party.
type Org struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Kind          string    `json:"kind"`
	CreatedAt     time.Time `json:"created_at"`
	LastContactAt time.Time `json:"last_contact_at,omitzero"`
}

// User is a person who logs in to the web UI.
type User struct {
	ID                 int64     `json:"id"`
	OrgID              int64     `json:"org_id"`
	OrgName            string    `json:"org"`
	OrgKind            string    `json:"org_kind"`
	Username           string    `json:"username"`
	DisplayName        string    `json:"display_name,omitempty"`
	Role               string    `json:"role"`
	PasswordHash       string    `json:"-"`
	TOTPSecret         string    `json:"-"`
	TOTPEnabled        bool      `json:"totp_enabled"`
	MustChangePassword bool      `json:"must_change_password,omitempty"`
	Disabled           bool      `json:"disabled,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	LastLoginAt        time.Time `json:"last_login_at,omitzero"`
}

// Token is an API token. The secret itself is never stored, only its hash.
type Token struct {
	ID         int64     `json:"id"`
	OrgID      int64     `json:"org_id"`
	OrgName    string    `json:"org"`
	OrgKind    string    `json:"org_kind"`
	Role       string    `json:"role"`
	Name       string    `json:"name,omitempty"`
	Hash       string    `json:"-"`
	Prefix     string    `json:"prefix"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
}

// Usable reports whether the token may be used at t.
func (t *Token) Usable(now time.Time) bool {
	if !t.RevokedAt.IsZero() {
		return false
	}
	return t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt)
}

// Session is a logged-in browser. IDHash is the hash of the cookie value.
type Session struct {
	IDHash       string
	UserID       int64
	CSRF         string
	SecondFactor bool // the user passed TOTP (or has none)
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	OrgID  int64     `json:"org_id"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Target string    `json:"target,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// audit records a change within the caller's transaction.
func (s *Store) audit(ctx context.Context, tx execer, a Actor, action, target, detail string) error {
	_, err := tx.ExecContext(ctx, s.q("INSERT INTO audit (at, org_id, actor, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)"),
		s.now().UnixMicro(), a.OrgID, a.Name, action, target, detail)
	if err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// Audit records an event that is not a change of a stored row (a login, a
// failed login, an export).
func (s *Store) Audit(ctx context.Context, a Actor, action, target, detail string) error {
	return s.audit(ctx, s.w, a, action, target, detail)
}

// ListAudit returns the newest audit entries the viewer may see: the
// agency sees all, a party its own organisation's.
func (s *Store) ListAudit(ctx context.Context, v Viewer, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := "SELECT id, at, org_id, actor, action, target, detail FROM audit"
	args := []any{}
	if !v.Agency {
		q += " WHERE org_id = ?"
		args = append(args, v.OrgID)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, s.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.OrgID, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: audit: %w", err)
		}
		e.At = fromMicros(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CreateOrg adds an organisation.
func (s *Store) CreateOrg(ctx context.Context, a Actor, name, kind string) (Org, error) {
	if name == "" || len(name) > 200 {
		return Org{}, fmt.Errorf("store: organisation name must be 1 to 200 characters")
	}
	if !ValidKind(kind) {
		return Org{}, fmt.Errorf("store: organisation kind %q: want agency or party", kind)
	}
	o := Org{Name: name, Kind: kind, CreatedAt: fromMicros(s.now().UnixMicro())}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO orgs (name, kind, created_at) VALUES (?, ?, ?) RETURNING id"), name, kind, micros(o.CreatedAt)).Scan(&o.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: organisation %q: %w", name, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: create organisation: %w", err)
		}
		if a.OrgID == 0 {
			a.OrgID = o.ID
		}
		return s.audit(ctx, tx, a, "org.create", fmt.Sprintf("org:%d", o.ID), name+" ("+kind+")")
	})
	return o, err
}

const orgCols = "id, name, kind, created_at, last_contact_at"

func scanOrg(sc interface{ Scan(...any) error }) (Org, error) {
	var o Org
	var c, l int64
	err := sc.Scan(&o.ID, &o.Name, &o.Kind, &c, &l)
	o.CreatedAt, o.LastContactAt = fromMicros(c), fromMicros(l)
	return o, err
}

// ListOrgs returns the organisations the viewer may see, by name.
func (s *Store) ListOrgs(ctx context.Context, v Viewer) ([]Org, error) {
	q := "SELECT " + orgCols + " FROM orgs"
	var args []any
	if !v.Agency {
		q += " WHERE id = ?"
		args = append(args, v.OrgID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY name"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list organisations: %w", err)
	}
	defer rows.Close()
	var out []Org
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list organisations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AllOrgs lists every organisation (bootstrap and admin commands).
func (s *Store) AllOrgs(ctx context.Context) ([]Org, error) {
	return s.ListOrgs(ctx, Viewer{Agency: true})
}

// GetOrg returns organisation id if the viewer may see it.
func (s *Store) GetOrg(ctx context.Context, v Viewer, id int64) (Org, error) {
	if !v.Agency && id != v.OrgID {
		return Org{}, ErrNotFound
	}
	o, err := scanOrg(s.r.QueryRowContext(ctx, s.q("SELECT "+orgCols+" FROM orgs WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, ErrNotFound
	}
	if err != nil {
		return Org{}, fmt.Errorf("store: organisation: %w", err)
	}
	return o, nil
}

// OrgByName finds an organisation by its exact name (admin commands).
func (s *Store) OrgByName(ctx context.Context, name string) (Org, error) {
	o, err := scanOrg(s.r.QueryRowContext(ctx, s.q("SELECT "+orgCols+" FROM orgs WHERE name = ?"), name))
	if errors.Is(err, sql.ErrNoRows) {
		return Org{}, fmt.Errorf("organisation %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return Org{}, fmt.Errorf("store: organisation: %w", err)
	}
	return o, nil
}

// TouchOrg records that a sensor of the organisation made contact.
func (s *Store) TouchOrg(ctx context.Context, orgID int64, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE orgs SET last_contact_at = ? WHERE id = ? AND last_contact_at < ?"), micros(at), orgID, micros(at))
	if err != nil {
		return fmt.Errorf("store: touch organisation: %w", err)
	}
	return nil
}

const userCols = "u.id, u.org_id, o.name, o.kind, u.username, u.display_name, u.role, u.password_hash, u.totp_secret, u.totp_enabled, u.must_change_password, u.disabled, u.created_at, u.last_login_at"

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var totp, must, dis int
	var c, l int64
	err := sc.Scan(&u.ID, &u.OrgID, &u.OrgName, &u.OrgKind, &u.Username, &u.DisplayName, &u.Role, &u.PasswordHash, &u.TOTPSecret, &totp, &must, &dis, &c, &l)
	u.TOTPEnabled, u.MustChangePassword, u.Disabled = totp != 0, must != 0, dis != 0
	u.CreatedAt, u.LastLoginAt = fromMicros(c), fromMicros(l)
	return u, err
}

// CreateUser adds a user; PasswordHash must already be set.
func (s *Store) CreateUser(ctx context.Context, a Actor, u User) (User, error) {
	if u.Username == "" || len(u.Username) > 100 {
		return User{}, fmt.Errorf("store: user name must be 1 to 100 characters")
	}
	if !ValidUserRole(u.Role) {
		return User{}, fmt.Errorf("store: user role %q: want admin, analyst or member", u.Role)
	}
	if u.PasswordHash == "" {
		return User{}, fmt.Errorf("store: user %q has no password", u.Username)
	}
	u.CreatedAt = fromMicros(s.now().UnixMicro())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO users (org_id, username, display_name, role, password_hash, totp_secret, totp_enabled, must_change_password, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.OrgID, u.Username, u.DisplayName, u.Role, u.PasswordHash, u.TOTPSecret, b2i(u.TOTPEnabled), b2i(u.MustChangePassword), micros(u.CreatedAt)).Scan(&u.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: user %q: %w", u.Username, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: create user: %w", err)
		}
		return s.audit(ctx, tx, a, "user.create", fmt.Sprintf("user:%d", u.ID), u.Username+" ("+u.Role+")")
	})
	if err != nil {
		return User{}, err
	}
	return s.userWhere(ctx, "u.id = ?", u.ID)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (User, error) {
	u, err := scanUser(s.w.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users u JOIN orgs o ON o.id = u.org_id WHERE "+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", err)
	}
	return u, nil
}

// UserByName finds a user by login name (login, admin commands).
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	return s.userWhere(ctx, "u.username = ?", username)
}

// UserByID finds a user by id, unscoped: for a session's own user only.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	return s.userWhere(ctx, "u.id = ?", id)
}

// GetUser returns user id if the viewer may see it.
func (s *Store) GetUser(ctx context.Context, v Viewer, id int64) (User, error) {
	u, err := s.userWhere(ctx, "u.id = ?", id)
	if err != nil {
		return User{}, err
	}
	if !v.Agency && u.OrgID != v.OrgID {
		return User{}, ErrNotFound
	}
	return u, nil
}

// ListUsers returns the users the viewer may see.
func (s *Store) ListUsers(ctx context.Context, v Viewer) ([]User, error) {
	q := "SELECT " + userCols + " FROM users u JOIN orgs o ON o.id = u.org_id"
	var args []any
	if !v.Agency {
		q += " WHERE u.org_id = ?"
		args = append(args, v.OrgID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY o.name, u.username"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UserUpdate lists the fields to change; nil means unchanged.
type UserUpdate struct {
	PasswordHash       *string
	MustChangePassword *bool
	TOTPSecret         *string
	TOTPEnabled        *bool
	Disabled           *bool
	Role               *string
}

// UpdateUser changes user id if the viewer may see it. Changing the
// password or disabling the user ends its sessions.
func (s *Store) UpdateUser(ctx context.Context, v Viewer, a Actor, id int64, up UserUpdate) error {
	u, err := s.GetUser(ctx, v, id)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		set := func(col string, val any, what string) error {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET "+col+" = ? WHERE id = ?"), val, id); err != nil {
				return fmt.Errorf("store: update user: %w", err)
			}
			return s.audit(ctx, tx, a, "user.update", fmt.Sprintf("user:%d", id), u.Username+": "+what)
		}
		if up.PasswordHash != nil {
			if err := set("password_hash", *up.PasswordHash, "password changed"); err != nil {
				return err
			}
		}
		if up.MustChangePassword != nil {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET must_change_password = ? WHERE id = ?"), b2i(*up.MustChangePassword), id); err != nil {
				return fmt.Errorf("store: update user: %w", err)
			}
		}
		if up.TOTPSecret != nil {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET totp_secret = ? WHERE id = ?"), *up.TOTPSecret, id); err != nil {
				return fmt.Errorf("store: update user: %w", err)
			}
		}
		if up.TOTPEnabled != nil {
			if err := set("totp_enabled", b2i(*up.TOTPEnabled), fmt.Sprintf("two-factor enabled=%v", *up.TOTPEnabled)); err != nil {
				return err
			}
		}
		if up.Disabled != nil {
			if err := set("disabled", b2i(*up.Disabled), fmt.Sprintf("disabled=%v", *up.Disabled)); err != nil {
				return err
			}
		}
		if up.Role != nil {
			if !ValidUserRole(*up.Role) {
				return fmt.Errorf("store: user role %q: want admin, analyst or member", *up.Role)
			}
			if err := set("role", *up.Role, "role "+*up.Role); err != nil {
				return err
			}
		}
		if up.PasswordHash != nil || (up.Disabled != nil && *up.Disabled) {
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM sessions WHERE user_id = ?"), id); err != nil {
				return fmt.Errorf("store: end sessions: %w", err)
			}
		}
		return nil
	})
}

// RecordLogin notes a successful login.
func (s *Store) RecordLogin(ctx context.Context, userID int64) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE users SET last_login_at = ? WHERE id = ?"), s.now().UnixMicro(), userID)
	if err != nil {
		return fmt.Errorf("store: record login: %w", err)
	}
	return nil
}

// CreateSession stores a new session.
func (s *Store) CreateSession(ctx context.Context, se Session) error {
	_, err := s.w.ExecContext(ctx, s.q("INSERT INTO sessions (id_hash, user_id, csrf, second_factor, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)"),
		se.IDHash, se.UserID, se.CSRF, b2i(se.SecondFactor), micros(se.CreatedAt), micros(se.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// GetSession returns a session that has not expired.
func (s *Store) GetSession(ctx context.Context, idHash string) (Session, error) {
	var se Session
	var sf int
	var c, e int64
	err := s.r.QueryRowContext(ctx, s.q("SELECT id_hash, user_id, csrf, second_factor, created_at, expires_at FROM sessions WHERE id_hash = ? AND expires_at > ?"),
		idHash, s.now().UnixMicro()).Scan(&se.IDHash, &se.UserID, &se.CSRF, &sf, &c, &e)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, fmt.Errorf("store: session: %w", err)
	}
	se.SecondFactor, se.CreatedAt, se.ExpiresAt = sf != 0, fromMicros(c), fromMicros(e)
	return se, nil
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM sessions WHERE id_hash = ? OR expires_at < ?"), idHash, s.now().UnixMicro())
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// CreateToken stores a token whose Hash and Prefix are set.
func (s *Store) CreateToken(ctx context.Context, a Actor, t Token) (Token, error) {
	if !ValidTokenRole(t.Role) {
		return Token{}, fmt.Errorf("store: token role %q: want admin, analyst, member or sensor", t.Role)
	}
	if t.Hash == "" {
		return Token{}, fmt.Errorf("store: token without hash")
	}
	t.CreatedAt = fromMicros(s.now().UnixMicro())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, s.q("SELECT kind FROM orgs WHERE id = ?"), t.OrgID).Scan(&kind); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrNotFound
			}
			return fmt.Errorf("store: create token: %w", err)
		}
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO tokens (org_id, role, name, hash, prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
			t.OrgID, t.Role, t.Name, t.Hash, t.Prefix, micros(t.CreatedAt), micros(t.ExpiresAt)).Scan(&t.ID)
		if err != nil {
			return fmt.Errorf("store: create token: %w", err)
		}
		return s.audit(ctx, tx, a, "token.create", fmt.Sprintf("token:%d", t.ID), fmt.Sprintf("%s role %s for org %d", t.Prefix, t.Role, t.OrgID))
	})
	return t, err
}

const tokenCols = "t.id, t.org_id, o.name, o.kind, t.role, t.name, t.hash, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at"

func scanToken(sc interface{ Scan(...any) error }) (Token, error) {
	var t Token
	var c, e, r, l int64
	err := sc.Scan(&t.ID, &t.OrgID, &t.OrgName, &t.OrgKind, &t.Role, &t.Name, &t.Hash, &t.Prefix, &c, &e, &r, &l)
	t.CreatedAt, t.ExpiresAt, t.RevokedAt, t.LastUsedAt = fromMicros(c), fromMicros(e), fromMicros(r), fromMicros(l)
	return t, err
}

// TokenByHash finds a token by the hash of its secret (authentication).
func (s *Store) TokenByHash(ctx context.Context, hash string) (Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q("SELECT "+tokenCols+" FROM tokens t JOIN orgs o ON o.id = t.org_id WHERE t.hash = ?"), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNotFound
	}
	if err != nil {
		return Token{}, fmt.Errorf("store: token: %w", err)
	}
	return t, nil
}

// ListTokens returns the tokens the viewer may see.
func (s *Store) ListTokens(ctx context.Context, v Viewer) ([]Token, error) {
	q := "SELECT " + tokenCols + " FROM tokens t JOIN orgs o ON o.id = t.org_id"
	var args []any
	if !v.Agency {
		q += " WHERE t.org_id = ?"
		args = append(args, v.OrgID)
	}
	rows, err := s.r.QueryContext(ctx, s.q(q+" ORDER BY t.id"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes token id if the viewer may see it.
func (s *Store) RevokeToken(ctx context.Context, v Viewer, a Actor, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		q := "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0"
		args := []any{s.now().UnixMicro(), id}
		if !v.Agency {
			q += " AND org_id = ?"
			args = append(args, v.OrgID)
		}
		res, err := tx.ExecContext(ctx, s.q(q), args...)
		if err != nil {
			return fmt.Errorf("store: revoke token: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, a, "token.revoke", fmt.Sprintf("token:%d", id), "")
	})
}

// TouchToken records a use of the token.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE tokens SET last_used_at = ? WHERE id = ?"), micros(at), id)
	if err != nil {
		return fmt.Errorf("store: touch token: %w", err)
	}
	return nil
}

// LoginFailure records a failed login for key (a user name or an address)
// and returns until when the key is locked out: after limit failures within
// window, for lockFor.
func (s *Store) LoginFailure(ctx context.Context, key string, limit int, window, lockFor time.Duration) (time.Time, error) {
	now := s.now()
	var locked int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fails int
		var start, until int64
		err := tx.QueryRowContext(ctx, s.q("SELECT failures, window_start, locked_until FROM login_failures WHERE key = ?"), key).Scan(&fails, &start, &until)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && now.Sub(fromMicros(start)) > window && until < now.UnixMicro()) {
			fails, start, until = 0, now.UnixMicro(), 0
		} else if err != nil {
			return fmt.Errorf("store: login failure: %w", err)
		}
		fails++
		if fails >= limit {
			until = now.Add(lockFor).UnixMicro()
		}
		locked = until
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO login_failures (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`), key, fails, start, until)
		if err != nil {
			return fmt.Errorf("store: login failure: %w", err)
		}
		return nil
	})
	return fromMicros(locked), err
}

// LockedUntil returns until when key is locked out (zero when it is not).
func (s *Store) LockedUntil(ctx context.Context, key string) (time.Time, error) {
	var until int64
	err := s.w.QueryRowContext(ctx, s.q("SELECT locked_until FROM login_failures WHERE key = ?"), key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: lock-out: %w", err)
	}
	if until <= s.now().UnixMicro() {
		return time.Time{}, nil
	}
	return fromMicros(until), nil
}

// ClearLoginFailures forgets the failures of key after a good login.
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM login_failures WHERE key = ?"), key)
	if err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}
