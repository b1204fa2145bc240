-- Organizations, API tokens, customers and plain config variables.
CREATE TABLE organizations (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    wrapped_key  BLOB,
    created_at   BIGINT NOT NULL
);

CREATE TABLE customers (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    external_id  TEXT,
    description  TEXT NOT NULL DEFAULT '',
    labels       TEXT NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX customers_external_id ON customers(org_id, external_id);
CREATE INDEX customers_org ON customers(org_id, id);
CREATE INDEX customers_name ON customers(org_id, name);

CREATE TABLE customer_labels (
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    PRIMARY KEY (customer_id, label)
);
CREATE INDEX customer_labels_label ON customer_labels(label, customer_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    roles        TEXT NOT NULL,
    customer_id  TEXT REFERENCES customers(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id, id);

CREATE TABLE org_config_vars (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    data_type    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (org_id, key)
);

CREATE TABLE customer_config_vars (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    data_type    TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (customer_id, key)
);
CREATE INDEX customer_config_vars_org ON customer_config_vars(org_id, customer_id, id);

-- Facts about the installation (e.g. the fingerprint of the master key in use).
CREATE TABLE plumb_meta (
    key          TEXT PRIMARY KEY,
    value        TEXT NOT NULL
);
