-- The claim's lookups, so taking the next execution costs the same with 10 or 20,000 waiting:
-- the waiting executions of a worker group in fair order (covering the claim's filters, so a
-- skipped row costs an index step, not a table read), and the running executions per
-- customer and per organization (the limits count these few rows, not the backlog).
CREATE INDEX executions_ready ON executions(COALESCE(worker_group, ''), fair_rank,
    next_attempt_at, id, customer_id, org_id) WHERE status = 'QUEUED';
CREATE INDEX executions_running_customer ON executions(customer_id) WHERE status = 'PENDING';
CREATE INDEX executions_running_org ON executions(org_id) WHERE status = 'PENDING';
