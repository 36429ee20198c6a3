-- A YARA rule is identified by its own id, not by its rule name: two rules
-- that happen to share a name are two indicators. The unique key
-- (org_id, type, value) stays; for a YARA rule, value now holds the
-- indicator's id, and label holds what people and sensors see (the rule
-- name). For every other type, label is the value.
ALTER TABLE indicators ADD COLUMN label TEXT NOT NULL DEFAULT '';
UPDATE indicators SET label = value;
UPDATE indicators SET value = uuid WHERE type = 'yara';
CREATE INDEX indicators_label ON indicators(label);
