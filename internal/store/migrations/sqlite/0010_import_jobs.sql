-- Import jobs: a large indicator file (an upload spooled to disk, or a file
-- the hub reads from its import directory) is imported in the background,
-- in batches that each commit. The row says how far it got (items and
-- bytes), so that progress can be shown, and a job cut by a restart is
-- marked interrupted and resumed from the last committed batch.
CREATE TABLE import_jobs (
  id TEXT PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  actor TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed','interrupted')),
  name TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  spool TEXT NOT NULL,
  owned INTEGER NOT NULL DEFAULT 0,
  options TEXT NOT NULL DEFAULT '{}',
  bytes_total INTEGER NOT NULL DEFAULT 0,
  bytes_done INTEGER NOT NULL DEFAULT 0,
  items_total INTEGER NOT NULL DEFAULT 0,
  items_done INTEGER NOT NULL DEFAULT 0,
  created INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL DEFAULT 0,
  restricted INTEGER NOT NULL DEFAULT 0,
  warninglisted INTEGER NOT NULL DEFAULT 0,
  duplicates INTEGER NOT NULL DEFAULT 0,
  superseded INTEGER NOT NULL DEFAULT 0,
  problems INTEGER NOT NULL DEFAULT 0,
  skipped TEXT NOT NULL DEFAULT '{}',
  error TEXT NOT NULL DEFAULT '',
  owner TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL DEFAULT 0,
  heartbeat_at INTEGER NOT NULL DEFAULT 0,
  finished_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX import_jobs_org ON import_jobs(org_id, created_at);

-- What an import job could not take, by the item's index in the file
-- (0-based: the n-th STIX object, MISP attribute or object, CSV record).
CREATE TABLE import_job_problems (
  job_id TEXT NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
  n INTEGER NOT NULL,
  item INTEGER NOT NULL,
  location TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  value TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,
  PRIMARY KEY (job_id, n)
);

-- STIX versions: each version (its modified time) of an indicator the hub
-- was given is kept, as TAXII 2.1 serves them (match[version], /versions/).
-- version is the modified time of the version in force; body holds an
-- older version's indicator in JSON (empty for the version in force, which
-- is the indicators row itself). stix_created is the STIX object's created
-- time, the same for all its versions.
ALTER TABLE indicators ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE indicators ADD COLUMN stix_created INTEGER NOT NULL DEFAULT 0;
UPDATE indicators SET version = modified_at, stix_created = created_at;
CREATE TABLE indicator_versions (
  indicator_id INTEGER NOT NULL REFERENCES indicators(id) ON DELETE CASCADE,
  modified INTEGER NOT NULL,
  added_at INTEGER NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (indicator_id, modified)
);
INSERT INTO indicator_versions (indicator_id, modified, added_at, body) SELECT id, modified_at, modified_at, '' FROM indicators;
