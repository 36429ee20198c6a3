-- Accounts hardening: the TOTP secret being set up is kept server-side
-- (totp_pending) and the last accepted TOTP time step is remembered so that a
-- code cannot be used twice; a user may prefer a language; each user has a
-- random WebAuthn user handle; a token remembers the user who made it (0: the
-- command line), so that a disabled user's personal tokens stop working.
ALTER TABLE users ADD COLUMN totp_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN webauthn_handle TEXT NOT NULL DEFAULT '';
ALTER TABLE tokens ADD COLUMN user_id INTEGER NOT NULL DEFAULT 0;
CREATE INDEX tokens_user ON tokens(user_id);

-- Passkeys (WebAuthn credentials). data is the library's credential record
-- in JSON (public key, sign counter, flags, transports, attestation).
CREATE TABLE passkeys (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  credential_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- The state of a WebAuthn ceremony in progress (the challenge), keyed by
-- the hash of a browser session or of a one-time cookie.
CREATE TABLE webauthn_ceremonies (
  key TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);

-- Browsers where a user logged in fully: a login attempt that carries such a
-- device cookie is not slowed by failures made elsewhere on the account, so
-- that an attacker guessing passwords cannot lock the user out.
CREATE TABLE trusted_devices (
  hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX trusted_devices_user ON trusted_devices(user_id);
