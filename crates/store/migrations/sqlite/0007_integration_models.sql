-- Integration models (seed 003): an imported OpenAPI document, named `info.title:info.version`,
-- unique per organization. The document is kept as imported; the operations are derived from it.
CREATE TABLE integration_models (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    title       TEXT NOT NULL,
    version     TEXT NOT NULL,
    document    TEXT NOT NULL,
    operations  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
