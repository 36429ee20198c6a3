-- The risk assessment (internal/assess). assess_answers keeps every
-- submission of a party's questionnaire (versioned: a new row each time,
-- with who answered, when, and the questionnaire version it was given
-- against); items is the answers' JSON. assessments keeps every computed
-- assessment with its inputs (answers id, the facts snapshot and the time
-- used) and its result, so that it can be recomputed and shown as it was
-- even after the questionnaire or the method change; score and groups (the
-- scored groups' scores, JSON) make the trend without reading each result.
CREATE TABLE assess_answers (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  questionnaire_version INTEGER NOT NULL,
  answered_by TEXT NOT NULL,
  answered_at INTEGER NOT NULL,
  items TEXT NOT NULL
);
CREATE INDEX assess_answers_org ON assess_answers(org_id, id);

CREATE TABLE assessments (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES orgs(id),
  answers_id INTEGER NOT NULL DEFAULT 0,
  questionnaire_version INTEGER NOT NULL,
  method_version INTEGER NOT NULL,
  computed_at INTEGER NOT NULL,
  score INTEGER NOT NULL,
  groups TEXT NOT NULL,
  facts TEXT NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX assessments_org ON assessments(org_id, computed_at);

-- Sensor coverage: when each token last pulled indicators, and which kinds
-- of sensor (scan, mail, dns, ...) reported with it and when.
ALTER TABLE tokens ADD COLUMN last_pull_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE token_reports (
  token_id INTEGER NOT NULL REFERENCES tokens(id),
  kind TEXT NOT NULL,
  last_report_at INTEGER NOT NULL,
  PRIMARY KEY (token_id, kind)
);
