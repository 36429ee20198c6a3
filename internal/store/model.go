package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// MailModel describes one version of the mail content model the agency
// hands out to its parties' sensors (vigie mail check --hub, the milter).
// Every upload is a new version; the highest is the one in force. The
// model is the agency's, not a party's data: every organisation may read
// it, only the agency may upload one.
type MailModel struct {
	Version int64 `json:"version"`
	// SHA256 is the hex SHA-256 of the model file; sensors refuse a file
	// that does not match it.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Note, Ham and Phish are read from the model file: what it was
	// trained on.
	Note      string    `json:"note,omitempty"`
	Ham       int64     `json:"ham"`
	Phish     int64     `json:"phish"`
	Actor     string    `json:"actor"`
	CreatedAt time.Time `json:"created_at"`
}

// MaxMailModelBytes bounds a stored model (the format's largest, 2^24
// weights, is 64 MiB; the built-in one is 1 MiB).
const MaxMailModelBytes = 64<<20 + 8192

const mailModelCols = "version, sha256, size, note, ham, phish, actor, created_at"

func scanMailModel(row interface{ Scan(...any) error }) (MailModel, error) {
	var m MailModel
	var at int64
	if err := row.Scan(&m.Version, &m.SHA256, &m.Size, &m.Note, &m.Ham, &m.Phish, &m.Actor, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return m, ErrNotFound
		}
		return m, fmt.Errorf("store: mail model: %w", err)
	}
	m.CreatedAt = fromMicros(at)
	return m, nil
}

// PutMailModel stores data as the next version of the mail model. The
// caller has checked that data is a model (model.Decode); m gives its
// note and training counts. The upload is audited.
func (s *Store) PutMailModel(ctx context.Context, a Actor, data []byte, m MailModel) (MailModel, error) {
	if len(data) == 0 || len(data) > MaxMailModelBytes {
		return MailModel{}, fmt.Errorf("store: mail model of %d bytes (at most %d)", len(data), MaxMailModelBytes)
	}
	sum := sha256.Sum256(data)
	m.SHA256 = hex.EncodeToString(sum[:])
	m.Size = int64(len(data))
	m.Actor = a.Name
	m.CreatedAt = s.now().UTC().Truncate(time.Microsecond)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM mail_models").Scan(&m.Version); err != nil {
			return fmt.Errorf("store: mail model version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO mail_models (version, sha256, size, note, ham, phish, actor, org_id, created_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
			m.Version, m.SHA256, m.Size, m.Note, m.Ham, m.Phish, m.Actor, a.OrgID, micros(m.CreatedAt), data); err != nil {
			return fmt.Errorf("store: mail model: %w", err)
		}
		return s.audit(ctx, tx, a, "mail-model.upload", fmt.Sprintf("version %d", m.Version), "sha256 "+m.SHA256)
	})
	if err != nil {
		return MailModel{}, err
	}
	return m, nil
}

// CurrentMailModel returns the description of the model in force, or
// ErrNotFound when the agency has uploaded none.
func (s *Store) CurrentMailModel(ctx context.Context) (MailModel, error) {
	return scanMailModel(s.r.QueryRowContext(ctx, "SELECT "+mailModelCols+" FROM mail_models ORDER BY version DESC LIMIT 1"))
}

// MailModelData returns the file of one version.
func (s *Store) MailModelData(ctx context.Context, version int64) ([]byte, error) {
	var b []byte
	err := s.r.QueryRowContext(ctx, s.q("SELECT data FROM mail_models WHERE version = ?"), version).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: mail model %d: %w", version, err)
	}
	return b, nil
}

// ListMailModels returns the versions uploaded, newest first (at most 100).
func (s *Store) ListMailModels(ctx context.Context) ([]MailModel, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+mailModelCols+" FROM mail_models ORDER BY version DESC LIMIT 100")
	if err != nil {
		return nil, fmt.Errorf("store: mail models: %w", err)
	}
	defer rows.Close()
	out := []MailModel{}
	for rows.Next() {
		m, err := scanMailModel(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
