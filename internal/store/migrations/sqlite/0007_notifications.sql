-- Notifications: each user's channels (an e-mail address or a webhook) with
-- the events they want on each, and the outbox of events waiting to be
-- delivered, batched per channel and retried on failure (internal/hub).
CREATE TABLE notify_channels (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('email','webhook')),
  target TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  secret TEXT NOT NULL DEFAULT '',
  events TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_sent_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_channels_user ON notify_channels(user_id);

CREATE TABLE notify_outbox (
  id INTEGER PRIMARY KEY,
  channel_id INTEGER NOT NULL REFERENCES notify_channels(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
  last_error TEXT NOT NULL DEFAULT '',
  sent_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_outbox_due ON notify_outbox(status, next_at);
CREATE INDEX notify_outbox_channel ON notify_outbox(channel_id, status);

-- Marks of things already notified once (a sensor's silence since a given
-- time), so that a restart does not send them again.
CREATE TABLE notify_marks (
  key TEXT PRIMARY KEY,
  at INTEGER NOT NULL
);
