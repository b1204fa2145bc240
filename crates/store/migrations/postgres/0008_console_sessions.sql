-- Web console sessions: a signed-in API token's browser session. The cookie carries a random
-- secret; only its SHA-256 hash is stored. A session ends at sign-out, at expiry, or when its
-- token is revoked or deleted. `csrf` is the session's form token (not a secret of the user's:
-- it only proves a form came from a page this server rendered for the session).
CREATE TABLE console_sessions (
    id          TEXT PRIMARY KEY,
    token_id    TEXT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    csrf        TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX console_sessions_token ON console_sessions(token_id);
