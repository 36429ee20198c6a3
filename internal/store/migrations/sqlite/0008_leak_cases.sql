-- Leak cases: the agency's investigation of a leak. A case holds the items
-- of a verification (vigie leak verify's report.json, uploaded or made by
-- the hub on a dump placed on the server), the analysts' notes and revised
-- verdicts, the parties each item concerns (shared with them only), and,
-- once published, the signed public statement.
CREATE TABLE leak_cases (
  id INTEGER PRIMARY KEY,
  ref TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  source TEXT NOT NULL DEFAULT '',
  tool TEXT NOT NULL DEFAULT '',
  key_archives TEXT NOT NULL DEFAULT '',
  keys TEXT NOT NULL DEFAULT '',
  job_state TEXT NOT NULL DEFAULT '',
  job_items INTEGER NOT NULL DEFAULT 0,
  job_detail TEXT NOT NULL DEFAULT '',
  job_started INTEGER NOT NULL DEFAULT 0,
  job_updated INTEGER NOT NULL DEFAULT 0,
  published_at INTEGER NOT NULL DEFAULT 0,
  published_by TEXT NOT NULL DEFAULT '',
  statement TEXT NOT NULL DEFAULT '',
  statement_sig TEXT NOT NULL DEFAULT ''
);

-- One item of a case. verdict is the one shown: the analyst's when
-- override_by is set, else machine_verdict. data is the item as report.json
-- has it (evidence). search is the text the full-text index holds.
CREATE TABLE leak_items (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES leak_cases(id),
  n INTEGER NOT NULL,
  path TEXT NOT NULL,
  kind TEXT NOT NULL,
  sha256 TEXT NOT NULL DEFAULT '',
  message_id TEXT NOT NULL DEFAULT '',
  sender TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  sent_at INTEGER NOT NULL DEFAULT 0,
  machine_verdict TEXT NOT NULL,
  verdict TEXT NOT NULL,
  override_why TEXT NOT NULL DEFAULT '',
  override_by TEXT NOT NULL DEFAULT '',
  override_at INTEGER NOT NULL DEFAULT 0,
  withheld INTEGER NOT NULL DEFAULT 0,
  search TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL,
  UNIQUE (case_id, path)
);
CREATE INDEX leak_items_case_verdict ON leak_items(case_id, verdict, n);
CREATE INDEX leak_items_message_id ON leak_items(message_id);
CREATE INDEX leak_items_sha256 ON leak_items(sha256);

-- Full-text index of the items (SQLite FTS5; rowid = leak_items.id).
CREATE VIRTUAL TABLE leak_items_fts USING fts5(search, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');

-- Analysts' notes on an item; a revised verdict is a note with
-- verdict_from and verdict_to (who, when and why are kept).
CREATE TABLE leak_notes (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES leak_cases(id),
  item_id INTEGER NOT NULL REFERENCES leak_items(id),
  author TEXT NOT NULL,
  at INTEGER NOT NULL,
  body TEXT NOT NULL,
  verdict_from TEXT NOT NULL DEFAULT '',
  verdict_to TEXT NOT NULL DEFAULT ''
);
CREATE INDEX leak_notes_item ON leak_notes(item_id, at);

-- The parties an item concerns: they, and only they, see it.
CREATE TABLE leak_item_parties (
  item_id INTEGER NOT NULL REFERENCES leak_items(id),
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  case_id INTEGER NOT NULL REFERENCES leak_cases(id),
  PRIMARY KEY (item_id, org_id)
);
CREATE INDEX leak_item_parties_org ON leak_item_parties(org_id, case_id);
