-- Cross-flow invocations: the execution whose `invokeFlow` step queued this one, and how deep
-- in a chain of invocations it is (0 for an execution nothing invoked; refused beyond 10).
ALTER TABLE executions ADD COLUMN invoked_by TEXT;
ALTER TABLE executions ADD COLUMN invoke_depth BIGINT NOT NULL DEFAULT 0;
CREATE INDEX executions_invoked_by ON executions(invoked_by);
