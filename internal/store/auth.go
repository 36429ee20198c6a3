package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// SetTOTPPending keeps secret as the TOTP secret user id is setting up. The
// secret is made by the hub and never taken from a form.
func (s *Store) SetTOTPPending(ctx context.Context, userID int64, secret string) error {
	if _, err := s.w.ExecContext(ctx, s.q("UPDATE users SET totp_pending = ? WHERE id = ?"), secret, userID); err != nil {
		return fmt.Errorf("store: two-factor set-up: %w", err)
	}
	return nil
}

// EnableTOTP turns on the pending TOTP secret of user id, whose code of
// time step step was just checked: that step counts as used.
func (s *Store) EnableTOTP(ctx context.Context, a Actor, userID int64, step int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE users SET totp_secret = totp_pending, totp_pending = '', totp_enabled = 1, totp_last_step = ? WHERE id = ? AND totp_pending <> ''"), step, userID)
		if err != nil {
			return fmt.Errorf("store: enable two-factor: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: enable two-factor: no secret is being set up: %w", ErrNotFound)
		}
		return s.audit(ctx, tx, a, "user.update", fmt.Sprintf("user:%d", userID), "two-factor (TOTP) enabled")
	})
}

// UseTOTPStep records that the TOTP code of time step step was accepted for
// user id. It returns false when that step or a later one was already used:
// the code is a replay and must be refused.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?"), step, userID, step)
	if err != nil {
		return false, fmt.Errorf("store: two-factor: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: two-factor: %w", err)
	}
	return n == 1, nil
}

// Throttle says how login failures on one key slow down further attempts:
// the first Free failures cost nothing, then each failure makes the next
// attempt wait Base, doubling up to Max. Failures are forgotten after
// Forget without one. Nothing ever locks for good: the wait is bounded.
type Throttle struct {
	Free      int
	Base, Max time.Duration
	Forget    time.Duration
}

// Delay is the wait after n failures.
func (t Throttle) Delay(n int) time.Duration {
	if n <= t.Free {
		return 0
	}
	d := t.Base
	for i := t.Free + 1; i < n && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// ThrottleFailure records a failed login on key and returns the time before
// which the next attempt on key is refused (zero: no wait).
func (s *Store) ThrottleFailure(ctx context.Context, key string, t Throttle) (time.Time, error) {
	now := s.now()
	var next time.Time
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var fails int
		var last, until int64
		err := tx.QueryRowContext(ctx, s.q("SELECT failures, window_start, locked_until FROM login_failures WHERE key = ?"), key).Scan(&fails, &last, &until)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			fails = 0
		case err != nil:
			return fmt.Errorf("store: login failure: %w", err)
		case t.Forget > 0 && now.Sub(fromMicros(last)) > t.Forget:
			fails = 0
		}
		fails++
		if d := t.Delay(fails); d > 0 {
			next = now.Add(d)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO login_failures (key, failures, window_start, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`), key, fails, now.UnixMicro(), micros(next))
		if err != nil {
			return fmt.Errorf("store: login failure: %w", err)
		}
		return nil
	})
	return next, err
}

// ClearLoginThrottle forgets every failure recorded against the account
// username: on the account itself and on each (account, address) pair. It
// runs after a good login and on `vigie admin user reset`.
func (s *Store) ClearLoginThrottle(ctx context.Context, username string) error {
	acct, pair := ThrottleAccountKey(username), ThrottleKeyPrefix(username)
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM login_failures WHERE key = ? OR key = ? OR substr(key, 1, ?) = ?"),
		acct, "user:"+username, utf8.RuneCountInString(pair), pair)
	if err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}

// ThrottleAccountKey is the throttle key of an account, all addresses.
func ThrottleAccountKey(username string) string { return "acct:" + username }

// ThrottlePairKey is the throttle key of an account tried from one address.
func ThrottlePairKey(username, addr string) string { return ThrottleKeyPrefix(username) + addr }

// ThrottleKeyPrefix starts every pair key of the account.
func ThrottleKeyPrefix(username string) string { return "pair:" + username + "|" }

// TrustDevice records a browser (by the hash of its device cookie) where
// user id logged in fully.
func (s *Store) TrustDevice(ctx context.Context, hash string, userID int64, ttl time.Duration) error {
	now := s.now()
	_, err := s.w.ExecContext(ctx, s.q("INSERT INTO trusted_devices (hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at"),
		hash, userID, now.UnixMicro(), now.Add(ttl).UnixMicro())
	if err != nil {
		return fmt.Errorf("store: trust device: %w", err)
	}
	return nil
}

// DeviceUser returns the user a device cookie hash was issued to, or 0.
func (s *Store) DeviceUser(ctx context.Context, hash string) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, s.q("SELECT user_id FROM trusted_devices WHERE hash = ? AND expires_at > ?"), hash, s.now().UnixMicro()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: device: %w", err)
	}
	return id, nil
}

// Passkey is a WebAuthn credential of a user.
type Passkey struct {
	ID           int64     `json:"id"`
	UserID       int64     `json:"user_id"`
	CredentialID string    `json:"credential_id"` // base64url
	Name         string    `json:"name"`
	Data         []byte    `json:"-"` // the credential record (JSON)
	CreatedAt    time.Time `json:"created_at"`
	LastUsedAt   time.Time `json:"last_used_at,omitzero"`
}

// AddPasskey stores a new passkey of user id.
func (s *Store) AddPasskey(ctx context.Context, a Actor, pk Passkey) (Passkey, error) {
	if pk.CredentialID == "" || len(pk.Data) == 0 {
		return Passkey{}, fmt.Errorf("store: passkey without credential")
	}
	if len(pk.Name) > 100 {
		pk.Name = pk.Name[:100]
	}
	pk.CreatedAt = fromMicros(s.now().UnixMicro())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO passkeys (user_id, credential_id, name, data, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id"),
			pk.UserID, pk.CredentialID, pk.Name, string(pk.Data), micros(pk.CreatedAt)).Scan(&pk.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: passkey: %w", ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: add passkey: %w", err)
		}
		return s.audit(ctx, tx, a, "passkey.add", fmt.Sprintf("user:%d", pk.UserID), pk.Name)
	})
	return pk, err
}

// ListPasskeys returns the passkeys of user id, oldest first.
func (s *Store) ListPasskeys(ctx context.Context, userID int64) ([]Passkey, error) {
	rows, err := s.w.QueryContext(ctx, s.q("SELECT id, user_id, credential_id, name, data, created_at, last_used_at FROM passkeys WHERE user_id = ? ORDER BY id"), userID)
	if err != nil {
		return nil, fmt.Errorf("store: passkeys: %w", err)
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var pk Passkey
		var data string
		var c, l int64
		if err := rows.Scan(&pk.ID, &pk.UserID, &pk.CredentialID, &pk.Name, &data, &c, &l); err != nil {
			return nil, fmt.Errorf("store: passkeys: %w", err)
		}
		pk.Data, pk.CreatedAt, pk.LastUsedAt = []byte(data), fromMicros(c), fromMicros(l)
		out = append(out, pk)
	}
	return out, rows.Err()
}

// UsePasskey saves the credential record after a login (its sign counter
// and flags change) and notes the use.
func (s *Store) UsePasskey(ctx context.Context, userID int64, credentialID string, data []byte) error {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE passkeys SET data = ?, last_used_at = ? WHERE user_id = ? AND credential_id = ?"),
		string(data), s.now().UnixMicro(), userID, credentialID)
	if err != nil {
		return fmt.Errorf("store: passkey use: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeletePasskey removes passkey id of user id.
func (s *Store) DeletePasskey(ctx context.Context, a Actor, userID, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, s.q("SELECT name FROM passkeys WHERE id = ? AND user_id = ?"), id, userID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: delete passkey: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM passkeys WHERE id = ?"), id); err != nil {
			return fmt.Errorf("store: delete passkey: %w", err)
		}
		return s.audit(ctx, tx, a, "passkey.delete", fmt.Sprintf("user:%d", userID), name)
	})
}

// WebAuthnHandle returns the WebAuthn user handle of user id, setting it to
// handle first if the user has none.
func (s *Store) WebAuthnHandle(ctx context.Context, userID int64, handle string) (string, error) {
	if _, err := s.w.ExecContext(ctx, s.q("UPDATE users SET webauthn_handle = ? WHERE id = ? AND webauthn_handle = ''"), handle, userID); err != nil {
		return "", fmt.Errorf("store: user handle: %w", err)
	}
	var h string
	if err := s.w.QueryRowContext(ctx, s.q("SELECT webauthn_handle FROM users WHERE id = ?"), userID).Scan(&h); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrNotFound
		}
		return "", fmt.Errorf("store: user handle: %w", err)
	}
	return h, nil
}

// UserByWebAuthnHandle finds the user an authenticator names.
func (s *Store) UserByWebAuthnHandle(ctx context.Context, handle string) (User, error) {
	if handle == "" {
		return User{}, ErrNotFound
	}
	return s.userWhere(ctx, "u.webauthn_handle = ?", handle)
}

// PutCeremony keeps the state of a WebAuthn ceremony (its challenge) under
// key until expires.
func (s *Store) PutCeremony(ctx context.Context, key string, userID int64, kind string, data []byte, expires time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO webauthn_ceremonies (key, user_id, kind, data, expires_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET user_id = excluded.user_id, kind = excluded.kind, data = excluded.data, expires_at = excluded.expires_at`),
		key, userID, kind, string(data), micros(expires))
	if err != nil {
		return fmt.Errorf("store: ceremony: %w", err)
	}
	_, _ = s.w.ExecContext(ctx, s.q("DELETE FROM webauthn_ceremonies WHERE expires_at < ?"), s.now().UnixMicro())
	return nil
}

// TakeCeremony returns and deletes the ceremony under key if it is of kind
// and has not expired: a challenge is answered once.
func (s *Store) TakeCeremony(ctx context.Context, key, kind string) (userID int64, data []byte, err error) {
	var d string
	var exp int64
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q("SELECT user_id, data, expires_at FROM webauthn_ceremonies WHERE key = ? AND kind = ?"), key, kind).Scan(&userID, &d, &exp)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("store: ceremony: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM webauthn_ceremonies WHERE key = ?"), key); err != nil {
			return fmt.Errorf("store: ceremony: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	if exp <= s.now().UnixMicro() {
		return 0, nil, ErrNotFound
	}
	return userID, []byte(d), nil
}

// DeleteUser removes user id (if the viewer may see it): its sessions,
// passkeys and trusted browsers go, and its personal tokens are revoked.
// Sensor tokens it made keep working: they belong to the organisation's
// machines (revoke them on the Tokens page if needed). The audit log keeps
// the user's past actions under its name.
func (s *Store) DeleteUser(ctx context.Context, v Viewer, a Actor, id int64) error {
	u, err := s.GetUser(ctx, v, id)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			"DELETE FROM sessions WHERE user_id = ?",
			"DELETE FROM passkeys WHERE user_id = ?",
			"DELETE FROM trusted_devices WHERE user_id = ?",
			"DELETE FROM webauthn_ceremonies WHERE user_id = ?",
		} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return fmt.Errorf("store: delete user: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND role <> 'sensor' AND revoked_at = 0"), s.now().UnixMicro(), id); err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM users WHERE id = ?"), id); err != nil {
			return fmt.Errorf("store: delete user: %w", err)
		}
		return s.audit(ctx, tx, a, "user.delete", fmt.Sprintf("user:%d", id), u.Username+" ("+u.Role+")")
	})
}

// SetLanguage records the UI language user id chose ("" = the browser's).
func (s *Store) SetLanguage(ctx context.Context, userID int64, lang string) error {
	if len(lang) > 16 {
		return fmt.Errorf("store: language %q: too long", lang)
	}
	if _, err := s.w.ExecContext(ctx, s.q("UPDATE users SET language = ? WHERE id = ?"), lang, userID); err != nil {
		return fmt.Errorf("store: language: %w", err)
	}
	return nil
}

// DeletePasskeys removes every passkey of user id (recovery of a user who
// lost their devices) and returns how many there were.
func (s *Store) DeletePasskeys(ctx context.Context, a Actor, userID int64) (int, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM passkeys WHERE user_id = ?"), userID)
		if err != nil {
			return fmt.Errorf("store: delete passkeys: %w", err)
		}
		n, _ = res.RowsAffected()
		if n == 0 {
			return nil
		}
		return s.audit(ctx, tx, a, "passkey.delete", fmt.Sprintf("user:%d", userID), fmt.Sprintf("all %d passkeys (recovery)", n))
	})
	return int(n), err
}

// EndSessions logs user id out everywhere.
func (s *Store) EndSessions(ctx context.Context, userID int64) error {
	if _, err := s.w.ExecContext(ctx, s.q("DELETE FROM sessions WHERE user_id = ?"), userID); err != nil {
		return fmt.Errorf("store: end sessions: %w", err)
	}
	return nil
}
