-- Party settings: what each organisation declares about itself on the hub.
-- org_domains holds its own domains (campaign web sites and mail domains,
-- IDNA-normalised, lower case ASCII); the watch protects them, vigie dns
-- blocks their look-alikes and the hub checks their posture. contacts is a
-- JSON array of the people the agency calls ({name, role, email, phone}).
CREATE TABLE org_settings (
  org_id INTEGER PRIMARY KEY REFERENCES orgs(id),
  contacts TEXT NOT NULL DEFAULT '[]',
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE org_domains (
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  kind TEXT NOT NULL CHECK (kind IN ('site','mail')),
  domain TEXT NOT NULL,
  PRIMARY KEY (org_id, kind, domain)
);
CREATE INDEX org_domains_domain ON org_domains(domain);

-- Posture results: each run of the posture checks on one declared domain,
-- kept as history. result is the posture.Result JSON (checks, evidence,
-- fixes); worst and the counts let lists avoid decoding it.
CREATE TABLE posture_runs (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  domain TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  worst TEXT NOT NULL,
  passed INTEGER NOT NULL DEFAULT 0,
  warned INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  errored INTEGER NOT NULL DEFAULT 0,
  result TEXT NOT NULL
);
CREATE INDEX posture_runs_org ON posture_runs(org_id, finished_at);
CREATE INDEX posture_runs_domain ON posture_runs(org_id, domain, finished_at);

-- Look-alike proposals: a party's watch found a look-alike of its domain and
-- proposes it to the agency as an indicator; the agency accepts (the domain
-- is published as an indicator, indicator_id) or rejects it with a reason.
CREATE TABLE lookalike_proposals (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  name TEXT NOT NULL,
  imitates TEXT NOT NULL DEFAULT '',
  technique TEXT NOT NULL DEFAULT '',
  score REAL NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  evidence TEXT NOT NULL DEFAULT '[]',
  first_seen INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('pending','accepted','rejected')),
  review_reason TEXT NOT NULL DEFAULT '',
  reviewed_by TEXT NOT NULL DEFAULT '',
  reviewed_at INTEGER NOT NULL DEFAULT 0,
  indicator_id TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (org_id, name)
);
CREATE INDEX lookalike_proposals_status ON lookalike_proposals(status, created_at);
