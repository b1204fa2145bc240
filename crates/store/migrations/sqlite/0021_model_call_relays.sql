-- Calls of model integrations routed to a worker group (the integration's
-- `cluster {override, id}`): the calling node queues the call here, a worker of the group
-- claims it, sends it and writes the answer; the caller reads the answer and deletes the row.
-- `request` (task and inputs) and `answer` (the envelope or why it failed, and the call's
-- log lines) are sealed with the organization's key, bound to the row. Rows past
-- `expires_at` have no one waiting and are pruned.
CREATE TABLE model_call_relays (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    integration_id  TEXT NOT NULL REFERENCES model_integrations(id) ON DELETE CASCADE,
    worker_group    TEXT NOT NULL,
    request         BLOB NOT NULL,
    status          TEXT NOT NULL,
    answer          BLOB,
    claimed_by      TEXT,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX model_call_relays_queued ON model_call_relays (worker_group, created_at, id)
    WHERE status = 'QUEUED';
CREATE INDEX model_call_relays_expiry ON model_call_relays (expires_at);
