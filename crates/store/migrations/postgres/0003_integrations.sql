-- Integrations: an editable draft per integration and its immutable published versions.
-- A published version's own ID is what instances use.
CREATE TABLE integrations (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    -- The draft's definition, as imported (YAML text).
    definition   TEXT NOT NULL,
    -- Test values of the required config vars: a JSON object key -> string. Never secrets.
    test_config  TEXT NOT NULL DEFAULT '{}',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX integrations_org ON integrations(org_id, id);
CREATE INDEX integrations_name ON integrations(org_id, name);

CREATE TABLE integration_versions (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    integration_id  TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    version_number  BIGINT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    definition      TEXT NOT NULL,
    comment         TEXT NOT NULL DEFAULT '',
    published_at    BIGINT NOT NULL,
    UNIQUE (integration_id, version_number)
);
CREATE INDEX integration_versions_org ON integration_versions(org_id, id);

-- Executions: one run of one flow. Rows are created QUEUED (or PENDING when run at once); the
-- queue claims QUEUED rows whose next_attempt_at has come, leasing them to a worker.
CREATE TABLE executions (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    integration_id          TEXT REFERENCES integrations(id) ON DELETE CASCADE,
    integration_version_id  TEXT REFERENCES integration_versions(id) ON DELETE SET NULL,
    instance_id             TEXT,
    customer_id             TEXT REFERENCES customers(id) ON DELETE SET NULL,
    flow_name               TEXT NOT NULL,
    is_test                 BIGINT NOT NULL DEFAULT 0,
    status                  TEXT NOT NULL,
    payload                 BYTEA,
    payload_content_type    TEXT,
    payload_headers         TEXT NOT NULL DEFAULT '{}',
    queued_at               BIGINT NOT NULL,
    started_at              BIGINT,
    ended_at                BIGINT,
    error                   TEXT,
    attempt                 BIGINT NOT NULL DEFAULT 1,
    max_attempts            BIGINT NOT NULL DEFAULT 1,
    next_attempt_at         BIGINT,
    lease_owner             TEXT,
    lease_expires_at        BIGINT,
    retry_of                TEXT
);
CREATE INDEX executions_org ON executions(org_id, id);
CREATE INDEX executions_integration ON executions(org_id, integration_id, id);
CREATE INDEX executions_queue ON executions(status, next_attempt_at);

CREATE TABLE step_results (
    id              TEXT PRIMARY KEY,
    execution_id    TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    step_name       TEXT NOT NULL,
    reference_name  TEXT NOT NULL DEFAULT '',
    -- Loop indexes of enclosing loops, outermost first (JSON list).
    iteration       TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 1,
    started_at      BIGINT NOT NULL,
    ended_at        BIGINT NOT NULL,
    -- Exactly one of result_json / result_binary for a successful step.
    result_json     TEXT,
    result_binary   BYTEA,
    content_type    TEXT,
    error           TEXT,
    error_details   TEXT
);
CREATE INDEX step_results_execution ON step_results(execution_id, id);

CREATE TABLE execution_logs (
    id            TEXT PRIMARY KEY,
    execution_id  TEXT NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
    logged_at     BIGINT NOT NULL,
    severity      TEXT NOT NULL,
    step_name     TEXT,
    message       TEXT NOT NULL
);
CREATE INDEX execution_logs_execution ON execution_logs(execution_id, id);
