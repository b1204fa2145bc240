-- Integrations of a model (seed 003): a model's server, authentication, TLS, timeout, proxy,
-- worker-group and logging settings, unique by name in the organization. `configuration` is
-- the JSON object without its secret leaves; those are one sealed JSON object (pointer →
-- value) in `secrets`. A model with integrations cannot be deleted (checked by the store;
-- the foreign key keeps it so).
CREATE TABLE model_integrations (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    model_id       TEXT NOT NULL REFERENCES integration_models(id),
    name           TEXT NOT NULL,
    configuration  TEXT NOT NULL,
    secrets        BYTEA,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX model_integrations_model ON model_integrations (model_id);

-- Roles of model integrations granted to API tokens: `role` is `admin` or an HTTP verb
-- (the role `<integration name>:<role>`).
CREATE TABLE model_integration_grants (
    token_id        TEXT NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE,
    integration_id  TEXT NOT NULL REFERENCES model_integrations(id) ON DELETE CASCADE,
    role            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (token_id, integration_id, role)
);
CREATE INDEX model_integration_grants_integration ON model_integration_grants (integration_id);
