-- OAuth 2.0 token sets of connections, and authorization-code authorizations in progress.

-- The token set of one connection (a connection value set's ID, or a scoped variable's ID when
-- only its global values apply), as sealed JSON (AES-256-GCM with the organization's data key,
-- bound to org / connection / field 'oauth_tokens'). `sealed` is NULL for a row created only to
-- be locked (the PostgreSQL refresh lease) before any token exists.
CREATE TABLE oauth_tokens (
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    connection_id  TEXT NOT NULL,
    sealed         BLOB,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (org_id, connection_id)
);

-- An authorization started by `authorizeConnection`, consumed (deleted) by /oauth2/callback.
-- Only the SHA-256 of the `state` is stored; the PKCE verifier is sealed (record `id`, field
-- 'pkce_verifier').
CREATE TABLE oauth_authorizations (
    state_hash       TEXT PRIMARY KEY,
    id               TEXT NOT NULL,
    org_id           TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    scoped_id        TEXT NOT NULL REFERENCES scoped_config_vars(id) ON DELETE CASCADE,
    customer_id      TEXT REFERENCES customers(id) ON DELETE CASCADE,
    is_test          BIGINT NOT NULL DEFAULT 0,
    connection_id    TEXT NOT NULL,
    redirect_uri     TEXT NOT NULL,
    verifier_sealed  BLOB,
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL
);
CREATE INDEX oauth_authorizations_org ON oauth_authorizations(org_id, expires_at);
