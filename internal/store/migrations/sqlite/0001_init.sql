-- Vigie hub schema, version 1 (SQLite). Times are Unix microseconds (UTC), 0 = not set.
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES ('indicator_seq', 0);

CREATE TABLE orgs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('agency','party')),
  created_at INTEGER NOT NULL,
  last_contact_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL CHECK (role IN ('admin','analyst','member')),
  password_hash TEXT NOT NULL,
  totp_secret TEXT NOT NULL DEFAULT '',
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  must_change_password INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_login_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  second_factor INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  role TEXT NOT NULL CHECK (role IN ('admin','analyst','member','sensor')),
  name TEXT NOT NULL DEFAULT '',
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL DEFAULT 0,
  revoked_at INTEGER NOT NULL DEFAULT 0,
  last_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_org ON tokens(org_id);

CREATE TABLE login_failures (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  window_start INTEGER NOT NULL,
  locked_until INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  org_id INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_org_at ON audit(org_id, at);

CREATE TABLE indicators (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  rule TEXT NOT NULL DEFAULT '',
  exclude TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  confidence INTEGER NOT NULL DEFAULT 0,
  tlp TEXT NOT NULL DEFAULT '',
  threats TEXT NOT NULL DEFAULT '[]',
  tags TEXT NOT NULL DEFAULT '[]',
  informational INTEGER NOT NULL DEFAULT 0,
  distribution TEXT NOT NULL CHECK (distribution IN ('all','listed','agency')),
  valid_from INTEGER NOT NULL DEFAULT 0,
  valid_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  UNIQUE (org_id, type, value)
);
CREATE INDEX indicators_seq ON indicators(seq);
CREATE INDEX indicators_value ON indicators(value);

CREATE TABLE indicator_parties (
  indicator_id INTEGER NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (indicator_id, org_id)
);
CREATE INDEX indicator_parties_org ON indicator_parties(org_id);

CREATE TABLE sightings (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  client_id TEXT NOT NULL,
  indicator_id INTEGER NOT NULL DEFAULT 0,
  type TEXT NOT NULL,
  value TEXT NOT NULL,
  observed_at INTEGER NOT NULL,
  count INTEGER NOT NULL,
  sensor TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  received_at INTEGER NOT NULL,
  UNIQUE (org_id, client_id)
);
CREATE INDEX sightings_org_observed ON sightings(org_id, observed_at);
CREATE INDEX sightings_observed ON sightings(observed_at);
CREATE INDEX sightings_indicator ON sightings(indicator_id, observed_at);

CREATE TABLE sighting_stats (
  day INTEGER NOT NULL,
  org_id INTEGER NOT NULL,
  indicator_id INTEGER NOT NULL,
  n INTEGER NOT NULL,
  PRIMARY KEY (day, org_id, indicator_id)
);

CREATE TABLE findings (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  client_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  sensor TEXT NOT NULL DEFAULT '',
  host TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE (org_id, client_id)
);
CREATE INDEX findings_org_at ON findings(org_id, at);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  indicator_id INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open','closed')),
  parties INTEGER NOT NULL,
  party_names TEXT NOT NULL DEFAULT '',
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX alerts_open ON alerts(indicator_id) WHERE status = 'open';

CREATE TABLE taxii_status (
  id TEXT PRIMARY KEY,
  org_id INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
