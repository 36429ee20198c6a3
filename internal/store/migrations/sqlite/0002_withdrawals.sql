-- Parties that lost access to an indicator when its distribution narrowed:
-- their feed carries a "withdrawn" entry so that their sensors drop it.
CREATE TABLE indicator_withdrawals (
  indicator_id BIGINT NOT NULL,
  org_id BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  PRIMARY KEY (indicator_id, org_id)
);
CREATE INDEX indicator_withdrawals_org_seq ON indicator_withdrawals(org_id, seq);
