-- Instances: a published integration version deployed to one customer, its config var
-- bindings, one flow config per flow (webhook address, API keys, schedule), persisted state,
-- and the queue columns workers, schedules and fairness need.
CREATE TABLE instances (
    id                      TEXT PRIMARY KEY,
    org_id                  TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    customer_id             TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    integration_id          TEXT NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
    integration_version_id  TEXT NOT NULL REFERENCES integration_versions(id),
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL DEFAULT '',
    enabled                 BIGINT NOT NULL DEFAULT 1,
    -- NULL until deployInstance; a webhook or schedule of an undeployed instance does nothing.
    deployed_at             BIGINT,
    -- Worker group executions of this instance run on (NULL: the default group).
    worker_group            TEXT,
    created_at              BIGINT NOT NULL,
    updated_at              BIGINT NOT NULL
);
CREATE INDEX instances_org ON instances(org_id, id);
CREATE INDEX instances_customer ON instances(org_id, customer_id, id);

-- One binding per config var key: exactly one of value / sealed_values / ref_id is used,
-- as `kind` says: value | values | customer | org | scoped.
CREATE TABLE instance_config_vars (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    instance_id    TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    key            TEXT NOT NULL,
    kind           TEXT NOT NULL,
    value          TEXT,
    -- A connection's own inputs (JSON object), sealed as one secret.
    sealed_values  TEXT,
    ref_id         TEXT,
    updated_at     BIGINT NOT NULL,
    UNIQUE (instance_id, key)
);

CREATE TABLE instance_flow_configs (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    flow_name       TEXT NOT NULL,
    -- unsecured | customer_optional | customer_required
    security        TEXT NOT NULL DEFAULT 'unsecured',
    -- SHA-256 hashes (hex) of the flow's API keys, a JSON list.
    api_key_hashes  TEXT NOT NULL DEFAULT '[]',
    UNIQUE (instance_id, flow_name)
);

-- Schedules of deployed, enabled instance flows. A node fires a tick by moving next_fire_at
-- forward with a compare-and-set; the winner queues the execution in the same transaction.
CREATE TABLE schedules (
    flow_config_id  TEXT PRIMARY KEY REFERENCES instance_flow_configs(id) ON DELETE CASCADE,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    instance_id     TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    cron            TEXT NOT NULL,
    time_zone       TEXT NOT NULL DEFAULT 'UTC',
    next_fire_at    BIGINT NOT NULL,
    last_fired_at   BIGINT
);
CREATE INDEX schedules_due ON schedules(next_fire_at);

-- persist-data: values kept between executions of an instance (scope '' = instance-wide,
-- otherwise a flow's name for cross-flow values keyed per flow).
CREATE TABLE instance_state (
    instance_id  TEXT NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (instance_id, scope, key)
);

ALTER TABLE executions ADD COLUMN flow_config_id TEXT;
-- The trigger's query parameters (JSON object).
ALTER TABLE executions ADD COLUMN payload_query TEXT NOT NULL DEFAULT '{}';
ALTER TABLE executions ADD COLUMN worker_group TEXT;
-- Fair ordering: a customer's n-th waiting execution ranks n; workers take low ranks first.
ALTER TABLE executions ADD COLUMN fair_rank BIGINT NOT NULL DEFAULT 0;
-- How many times a worker was lost (lease expired) while running it.
ALTER TABLE executions ADD COLUMN recoveries BIGINT NOT NULL DEFAULT 0;
-- Source of the execution: test | webhook | schedule | manual | replay | retry | deploy.
ALTER TABLE executions ADD COLUMN invoke_type TEXT NOT NULL DEFAULT 'manual';
CREATE INDEX executions_claim ON executions(status, fair_rank, next_attempt_at);
CREATE INDEX executions_customer_status ON executions(customer_id, status, fair_rank);
CREATE INDEX executions_lease ON executions(status, lease_expires_at);
CREATE INDEX executions_ended ON executions(ended_at);
CREATE INDEX executions_instance ON executions(org_id, instance_id, id);
