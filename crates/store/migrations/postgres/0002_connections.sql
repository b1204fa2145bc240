-- Connections: per-organization data keys, scoped config variables (connection definitions)
-- and their values (global, per customer, test), secret values sealed by the vault.

-- Every version of every organization's data key, wrapped by the master key.
CREATE TABLE org_data_keys (
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    version      BIGINT NOT NULL,
    wrapped_key  BYTEA NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (org_id, version)
);

-- A connection definition of an organization, matched across tenants by stable_key.
CREATE TABLE scoped_config_vars (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    stable_key      TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    variable_scope  TEXT NOT NULL,
    managed_by      TEXT NOT NULL,
    connection_type TEXT NOT NULL,
    input_scopes    TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    UNIQUE (org_id, stable_key)
);
CREATE INDEX scoped_config_vars_org ON scoped_config_vars(org_id, id);

-- One set of values of a scoped config variable: slot 'global', 'test' or 'customer:<uuid>'.
CREATE TABLE connection_value_sets (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    scoped_id    TEXT NOT NULL REFERENCES scoped_config_vars(id) ON DELETE CASCADE,
    slot         TEXT NOT NULL,
    customer_id  TEXT REFERENCES customers(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (scoped_id, slot)
);
CREATE INDEX connection_value_sets_org ON connection_value_sets(org_id, customer_id, id);

-- One input value of a set: plaintext when not secret, sealed (AES-256-GCM, bound to
-- org / set / input) when secret. Never both.
CREATE TABLE connection_values (
    set_id       TEXT NOT NULL REFERENCES connection_value_sets(id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    input        TEXT NOT NULL,
    value        TEXT,
    sealed       BYTEA,
    PRIMARY KEY (set_id, input)
);
CREATE INDEX connection_values_org ON connection_values(org_id);
