-- Advisories: the agency's briefings to the parties (what is happening,
-- what to do), with a checklist of actions, attached indicators, kept
-- revisions, and each party's acknowledgement and progress.
-- status: draft (the agency only), published, withdrawn. version counts
-- publications and revisions (0 while a draft).
CREATE TABLE advisories (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  title TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('low','medium','high','critical')),
  tlp TEXT NOT NULL,
  distribution TEXT NOT NULL CHECK (distribution IN ('all','listed')),
  body TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('draft','published','withdrawn')),
  version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  published_at INTEGER NOT NULL DEFAULT 0,
  withdrawn_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX advisories_status ON advisories(status, id);

-- The parties of an advisory whose distribution is "listed".
CREATE TABLE advisory_parties (
  advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_parties_org ON advisory_parties(org_id);

-- The recommended actions, a checklist. An action removed by a revision
-- is kept (removed_in > 0) so that what parties ticked stays on record,
-- but it no longer counts.
CREATE TABLE advisory_actions (
  id INTEGER PRIMARY KEY,
  advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  text TEXT NOT NULL,
  added_in INTEGER NOT NULL DEFAULT 0,
  removed_in INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX advisory_actions_advisory ON advisory_actions(advisory_id, position);

-- Indicators (any type, YARA rules included) published and withdrawn with
-- the advisory.
CREATE TABLE advisory_indicators (
  advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  indicator_id INTEGER NOT NULL REFERENCES indicators(id),
  PRIMARY KEY (advisory_id, indicator_id)
);

-- One line per publication, revision or withdrawal, with what changed.
CREATE TABLE advisory_revisions (
  id INTEGER PRIMARY KEY,
  advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  summary TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  actions TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX advisory_revisions_advisory ON advisory_revisions(advisory_id, version);

-- What a party did with an advisory: first read, acknowledgement.
CREATE TABLE advisory_receipts (
  advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  read_at INTEGER NOT NULL DEFAULT 0,
  read_by TEXT NOT NULL DEFAULT '',
  acked_at INTEGER NOT NULL DEFAULT 0,
  acked_by TEXT NOT NULL DEFAULT '',
  acked_version INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (advisory_id, org_id)
);
CREATE INDEX advisory_receipts_org ON advisory_receipts(org_id);

-- A party's tick of one action: done or not, who, when, and a comment.
CREATE TABLE advisory_ticks (
  action_id INTEGER NOT NULL REFERENCES advisory_actions(id) ON DELETE CASCADE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  done INTEGER NOT NULL DEFAULT 0,
  by_actor TEXT NOT NULL,
  at INTEGER NOT NULL,
  comment TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (action_id, org_id)
);
CREATE INDEX advisory_ticks_org ON advisory_ticks(org_id);

-- Reminders the agency sent to a party (delivery is the notifications').
CREATE TABLE advisory_reminders (
  id INTEGER PRIMARY KEY,
  advisory_id INTEGER NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL
);
CREATE INDEX advisory_reminders_advisory ON advisory_reminders(advisory_id, org_id);
