package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Channel is where one user receives notifications: an e-mail address or a
// webhook, and the event kinds wanted there.
type Channel struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Kind   string `json:"kind"`   // "email" or "webhook"
	Target string `json:"target"` // the address or the URL
	// Format of a webhook (notify.Format*).
	Format string `json:"format,omitempty"`
	// Secret signs generic webhooks (shown to the user who made it).
	Secret     string    `json:"-"`
	Events     []string  `json:"events"`
	CreatedAt  time.Time `json:"created_at"`
	LastSentAt time.Time `json:"last_sent_at,omitzero"`

	// Filled by Recipients: who owns the channel.
	Username string `json:"-"`
	Language string `json:"-"`
	OrgID    int64  `json:"-"`
}

// MaxChannels bounds the channels of one user.
const MaxChannels = 10

const channelCols = "c.id, c.user_id, c.kind, c.target, c.format, c.secret, c.events, c.created_at, c.last_sent_at, u.username, u.language, u.org_id"

func scanChannel(sc interface{ Scan(...any) error }) (Channel, error) {
	var c Channel
	var ev string
	var cr, ls int64
	err := sc.Scan(&c.ID, &c.UserID, &c.Kind, &c.Target, &c.Format, &c.Secret, &ev, &cr, &ls, &c.Username, &c.Language, &c.OrgID)
	if ev != "" {
		c.Events = strings.Split(ev, ",")
	}
	c.CreatedAt, c.LastSentAt = fromMicros(cr), fromMicros(ls)
	return c, err
}

// CreateChannel adds a channel for user c.UserID. The caller validates the
// target (address syntax, webhook URL against SSRF) and the event kinds.
func (s *Store) CreateChannel(ctx context.Context, a Actor, c Channel) (Channel, error) {
	if c.Kind != "email" && c.Kind != "webhook" {
		return Channel{}, fmt.Errorf("store: channel kind %q: want email or webhook", c.Kind)
	}
	if c.Target == "" || len(c.Target) > 2000 || len(c.Events) == 0 {
		return Channel{}, fmt.Errorf("store: channel: empty or too long target, or no event")
	}
	c.CreatedAt = fromMicros(s.now().UnixMicro())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM notify_channels WHERE user_id = ?"), c.UserID).Scan(&n); err != nil {
			return fmt.Errorf("store: create channel: %w", err)
		}
		if n >= MaxChannels {
			return fmt.Errorf("store: create channel: a user has at most %d channels", MaxChannels)
		}
		err := tx.QueryRowContext(ctx, s.q("INSERT INTO notify_channels (user_id, kind, target, format, secret, events, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"),
			c.UserID, c.Kind, c.Target, c.Format, c.Secret, strings.Join(c.Events, ","), micros(c.CreatedAt)).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("store: create channel: %w", err)
		}
		return s.audit(ctx, tx, a, "notify.channel.create", fmt.Sprintf("channel:%d", c.ID), c.Kind+" for user "+fmt.Sprint(c.UserID))
	})
	return c, err
}

// ListChannels returns user id's channels.
func (s *Store) ListChannels(ctx context.Context, userID int64) ([]Channel, error) {
	return s.channels(ctx, "c.user_id = ?", userID)
}

// GetChannel returns channel id if it belongs to user userID.
func (s *Store) GetChannel(ctx context.Context, userID, id int64) (Channel, error) {
	cs, err := s.channels(ctx, "c.user_id = ? AND c.id = ?", userID, id)
	if err != nil {
		return Channel{}, err
	}
	if len(cs) == 0 {
		return Channel{}, ErrNotFound
	}
	return cs[0], nil
}

func (s *Store) channels(ctx context.Context, where string, args ...any) ([]Channel, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+channelCols+" FROM notify_channels c JOIN users u ON u.id = c.user_id WHERE "+where+" ORDER BY c.id"), args...)
	if err != nil {
		return nil, fmt.Errorf("store: channels: %w", err)
	}
	defer rows.Close()
	var out []Channel
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("store: channels: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteChannel removes channel id of user userID, with what it still had
// to deliver.
func (s *Store) DeleteChannel(ctx context.Context, a Actor, userID, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM notify_outbox WHERE channel_id IN (SELECT id FROM notify_channels WHERE id = ? AND user_id = ?)"), id, userID); err != nil {
			return fmt.Errorf("store: delete channel: %w", err)
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM notify_channels WHERE id = ? AND user_id = ?"), id, userID)
		if err != nil {
			return fmt.Errorf("store: delete channel: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, a, "notify.channel.delete", fmt.Sprintf("channel:%d", id), "")
	})
}

// Recipients returns the channels that want events of kind about
// organisation orgID: those of the organisation's enabled users, and, when
// agency is true, those of the agency's users too. orgID 0 with agency
// means the agency alone.
func (s *Store) Recipients(ctx context.Context, kind string, orgID int64, agency bool) ([]Channel, error) {
	cond := "u.disabled = 0 AND (',' || c.events || ',') LIKE ? AND (u.org_id = ?"
	if agency {
		cond += " OR u.org_id IN (SELECT id FROM orgs WHERE kind = 'agency')"
	}
	cond += ")"
	return s.channels(ctx, cond, "%,"+kind+",%", orgID)
}

// Outgoing is one event waiting in a channel's outbox.
type Outgoing struct {
	ID        int64     `json:"id"`
	ChannelID int64     `json:"channel_id"`
	Event     string    `json:"event"` // JSON of a notify.Event
	CreatedAt time.Time `json:"created_at"`
	NextAt    time.Time `json:"next_at"`
	Attempts  int       `json:"attempts"`
	Status    string    `json:"status"`
	LastError string    `json:"last_error,omitempty"`
	SentAt    time.Time `json:"sent_at,omitzero"`

	// For the admin's view.
	Kind     string `json:"kind"`
	Target   string `json:"target"`
	Username string `json:"username"`
	OrgName  string `json:"org"`
}

// Enqueue puts an event (JSON) in the outbox of each channel, to be sent
// at notBefore at the earliest (a short delay lets events that follow
// each other closely go in one message).
func (s *Store) Enqueue(ctx context.Context, channelIDs []int64, event []byte, notBefore time.Time) error {
	if len(channelIDs) == 0 {
		return nil
	}
	now := s.now().UnixMicro()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range channelIDs {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO notify_outbox (channel_id, event, created_at, next_at) VALUES (?, ?, ?, ?)"),
				id, string(event), now, micros(notBefore)); err != nil {
				return fmt.Errorf("store: enqueue notification: %w", err)
			}
		}
		return nil
	})
}

// DueChannels returns the channels with pending events due at now and no
// message sent in the last minInterval (the rate limit).
func (s *Store) DueChannels(ctx context.Context, now time.Time, minInterval time.Duration) ([]Channel, error) {
	return s.channels(ctx, "c.last_sent_at <= ? AND c.id IN (SELECT channel_id FROM notify_outbox WHERE status = 'pending' AND next_at <= ?)",
		micros(now.Add(-minInterval)), micros(now))
}

// ClaimChannel takes channel c (as returned by DueChannels) for one
// delivery: it succeeds for exactly one caller, so hub instances sharing a
// PostgreSQL database never send the same message twice. The claim also
// starts the channel's rate-limit interval.
func (s *Store) ClaimChannel(ctx context.Context, c Channel, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE notify_channels SET last_sent_at = ? WHERE id = ? AND last_sent_at = ?"), micros(now), c.ID, micros(c.LastSentAt))
	if err != nil {
		return false, fmt.Errorf("store: claim channel: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim channel: %w", err)
	}
	return n == 1, nil
}

// PendingFor returns up to limit pending events of channel id, oldest
// first.
func (s *Store) PendingFor(ctx context.Context, channelID int64, now time.Time, limit int) ([]Outgoing, error) {
	return s.outgoing(ctx, "o.channel_id = ? AND o.status = 'pending' AND o.next_at <= ? ORDER BY o.id LIMIT ?", channelID, micros(now), limit)
}

const outgoingCols = "o.id, o.channel_id, o.event, o.created_at, o.next_at, o.attempts, o.status, o.last_error, o.sent_at, c.kind, c.target, u.username, g.name"

func (s *Store) outgoing(ctx context.Context, where string, args ...any) ([]Outgoing, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+outgoingCols+` FROM notify_outbox o JOIN notify_channels c ON c.id = o.channel_id
		JOIN users u ON u.id = c.user_id JOIN orgs g ON g.id = u.org_id WHERE `+where), args...)
	if err != nil {
		return nil, fmt.Errorf("store: outbox: %w", err)
	}
	defer rows.Close()
	var out []Outgoing
	for rows.Next() {
		var o Outgoing
		var cr, nx, st int64
		if err := rows.Scan(&o.ID, &o.ChannelID, &o.Event, &cr, &nx, &o.Attempts, &o.Status, &o.LastError, &st, &o.Kind, &o.Target, &o.Username, &o.OrgName); err != nil {
			return nil, fmt.Errorf("store: outbox: %w", err)
		}
		o.CreatedAt, o.NextAt, o.SentAt = fromMicros(cr), fromMicros(nx), fromMicros(st)
		out = append(out, o)
	}
	return out, rows.Err()
}

// MarkSent records that events ids of channel channelID were delivered.
func (s *Store) MarkSent(ctx context.Context, channelID int64, ids []int64, at time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE notify_outbox SET status = 'sent', sent_at = ?, last_error = '' WHERE id = ? AND channel_id = ?"), micros(at), id, channelID); err != nil {
				return fmt.Errorf("store: mark sent: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE notify_channels SET last_sent_at = ? WHERE id = ?"), micros(at), channelID); err != nil {
			return fmt.Errorf("store: mark sent: %w", err)
		}
		return nil
	})
}

// MarkFailed records a failed delivery of events ids: they are tried again
// at next, or given up (status "failed", shown to the admin) after
// maxAttempts.
func (s *Store) MarkFailed(ctx context.Context, ids []int64, reason string, next time.Time, maxAttempts int) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE notify_outbox SET attempts = attempts + 1, last_error = ?, next_at = ?,
				status = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END WHERE id = ?`), reason, micros(next), maxAttempts, id); err != nil {
				return fmt.Errorf("store: mark failed: %w", err)
			}
		}
		return nil
	})
}

// ListDeliveries returns the outbox the viewer may see (a party's admin:
// its own users' channels; the agency: all), newest first, filtered by
// status ("" for all).
func (s *Store) ListDeliveries(ctx context.Context, v Viewer, status string, limit int) ([]Outgoing, error) {
	where, args := "1 = 1", []any{}
	if !v.Agency {
		where += " AND u.org_id = ?"
		args = append(args, v.OrgID)
	}
	if status != "" {
		where += " AND o.status = ?"
		args = append(args, status)
	}
	return s.outgoing(ctx, where+" ORDER BY o.id DESC LIMIT ?", append(args, limit)...)
}

// RetryDelivery puts a failed event back in the queue, due now.
func (s *Store) RetryDelivery(ctx context.Context, v Viewer, a Actor, id int64) error {
	ds, err := s.outgoing(ctx, "o.id = ?", id)
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		return ErrNotFound
	}
	if !v.Agency {
		var org int64
		if err := s.r.QueryRowContext(ctx, s.q("SELECT u.org_id FROM notify_channels c JOIN users u ON u.id = c.user_id WHERE c.id = ?"), ds[0].ChannelID).Scan(&org); err != nil || org != v.OrgID {
			return ErrNotFound
		}
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("UPDATE notify_outbox SET status = 'pending', attempts = 0, next_at = ? WHERE id = ?"), s.now().UnixMicro(), id); err != nil {
			return fmt.Errorf("store: retry delivery: %w", err)
		}
		return s.audit(ctx, tx, a, "notify.retry", fmt.Sprintf("delivery:%d", id), "")
	})
}

// PruneDeliveries deletes delivered events older than before.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) error {
	if _, err := s.w.ExecContext(ctx, s.q("DELETE FROM notify_outbox WHERE status = 'sent' AND sent_at < ?"), micros(before)); err != nil {
		return fmt.Errorf("store: prune deliveries: %w", err)
	}
	return nil
}

// MarkOnce records key and reports whether it was new: the way to notify
// something once across restarts.
func (s *Store) MarkOnce(ctx context.Context, key string) (bool, error) {
	res, err := s.w.ExecContext(ctx, s.q("INSERT INTO notify_marks (key, at) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"), key, s.now().UnixMicro())
	if err != nil {
		return false, fmt.Errorf("store: mark: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: mark: %w", err)
	}
	return n == 1, nil
}

// SilentSensors returns the sensor tokens in use (not revoked, not
// expired) that reported at least once but not since before.
func (s *Store) SilentSensors(ctx context.Context, before time.Time) ([]Token, error) {
	now := s.now().UnixMicro()
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+tokenCols+` FROM tokens t JOIN orgs o ON o.id = t.org_id
		WHERE t.role = 'sensor' AND t.revoked_at = 0 AND (t.expires_at = 0 OR t.expires_at > ?) AND t.last_used_at > 0 AND t.last_used_at < ? ORDER BY t.id`), now, micros(before))
	if err != nil {
		return nil, fmt.Errorf("store: silent sensors: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("store: silent sensors: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
