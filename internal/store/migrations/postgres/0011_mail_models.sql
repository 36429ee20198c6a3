-- Mail content models the agency hands out: each upload is a new version
-- (the highest is in force), kept whole with its SHA-256 so that a sensor
-- can check what it received; sensors pull it like the indicators (ETag).
CREATE TABLE mail_models (
  version BIGINT PRIMARY KEY,
  sha256 TEXT NOT NULL,
  size BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  ham BIGINT NOT NULL DEFAULT 0,
  phish BIGINT NOT NULL DEFAULT 0,
  actor TEXT NOT NULL,
  org_id BIGINT NOT NULL REFERENCES orgs(id),
  created_at BIGINT NOT NULL,
  data BYTEA NOT NULL
);
