-- Signing keys of embedded sign-in: the public keys that check the JWTs an organization signs
-- for its customer users. A generated key's private half was shown once and is not kept; only
-- its last characters (`private_key_preview`) help recognise it.
CREATE TABLE organization_signing_keys (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    public_key           TEXT NOT NULL,
    private_key_preview  TEXT,
    imported             BIGINT NOT NULL,
    issued_at            BIGINT NOT NULL
);
CREATE INDEX organization_signing_keys_org ON organization_signing_keys(org_id, id);
