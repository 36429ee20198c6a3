package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// ErrPostgresBackup tells that a PostgreSQL store is backed up with the
// database's own tools.
var ErrPostgresBackup = errors.New("a PostgreSQL hub is backed up with pg_dump (pg_dump --format=custom --file=vigie.dump DBNAME; restore with pg_restore --clean --dbname=DBNAME vigie.dump); vigie admin backup copies the embedded SQLite database only")

// BackupInfo describes a backup file.
type BackupInfo struct {
	Path          string    `json:"path"`
	Bytes         int64     `json:"bytes"`
	SchemaVersion int       `json:"schema_version"`
	Sightings     int64     `json:"sightings"`
	Indicators    int64     `json:"indicators"`
	Users         int64     `json:"users"`
	TakenAt       time.Time `json:"taken_at"`
}

// Backup writes a consistent copy of the SQLite database to path while the
// hub runs (VACUUM INTO reads one snapshot: every commit made before the
// backup started is in it, none made during it is half in it), checks it,
// and syncs it to disk. path must not exist. The copy is written under a
// temporary name in the same directory and renamed when complete, so that
// an interrupted backup never leaves a file that looks whole.
func (s *Store) Backup(ctx context.Context, path string) (BackupInfo, error) {
	if s.dialect != SQLite {
		return BackupInfo{}, ErrPostgresBackup
	}
	if path == "" {
		return BackupInfo{}, errors.New("store: backup: no file named")
	}
	if _, err := os.Lstat(path); err == nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %s exists already: choose a new file name (a backup never overwrites)", path)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName) // VACUUM INTO wants to create the file itself
	defer os.Remove(tmpName)
	// A connection of its own: VACUUM INTO is a read of one snapshot, so
	// the hub's writer goes on meanwhile (WAL).
	db, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	taken := s.now().UTC()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmpName); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup to %s: %w", path, err)
	}
	if err := syncFile(tmpName); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	info, err := CheckBackup(ctx, tmpName)
	if err != nil {
		return BackupInfo{}, err
	}
	if err := os.Link(tmpName, path); err != nil { // fails if path appeared meanwhile
		return BackupInfo{}, fmt.Errorf("store: backup: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	info.Path, info.TakenAt = path, taken
	return info, nil
}

func syncFile(name string) error {
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// CheckBackup opens a backup file read-only, runs SQLite's integrity check
// and reads what it holds.
func CheckBackup(ctx context.Context, path string) (BackupInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup %s: %w", path, err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup %s is not a readable Vigie database: %w", path, err)
	}
	if check != "ok" {
		return BackupInfo{}, fmt.Errorf("store: backup %s is damaged: %s", path, check)
	}
	info := BackupInfo{Path: path, Bytes: st.Size()}
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return BackupInfo{}, fmt.Errorf("store: backup %s is not a Vigie hub database: %w", path, err)
	}
	info.SchemaVersion = int(v.Int64)
	for table, dst := range map[string]*int64{"sightings": &info.Sightings, "indicators": &info.Indicators, "users": &info.Users} {
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(dst); err != nil {
			return BackupInfo{}, fmt.Errorf("store: backup %s: %w", path, err)
		}
	}
	return info, nil
}

// Restore makes the backup file the SQLite database of dataDir. The hub
// must be stopped. An existing database is kept beside it as
// vigie.db.before-restore-TIME (with its WAL), never deleted. The backup
// is checked first; a backup of a newer schema than this vigie knows is
// refused by Open afterwards, as any newer database is.
func Restore(ctx context.Context, backup, dataDir string) (BackupInfo, error) {
	info, err := CheckBackup(ctx, backup)
	if err != nil {
		return BackupInfo{}, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	dst := filepath.Join(dataDir, "vigie.db")
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Lstat(dst + suffix); err == nil {
			if err := os.Rename(dst+suffix, dst+".before-restore-"+stamp+suffix); err != nil {
				return BackupInfo{}, fmt.Errorf("store: restore: keeping the current database: %w", err)
			}
		}
	}
	in, err := os.Open(backup)
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dataDir, ".vigie.db.restore-*")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return BackupInfo{}, fmt.Errorf("store: restore: %w", err)
	}
	info.Path = dst
	return info, nil
}
