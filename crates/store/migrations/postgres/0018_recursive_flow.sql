-- Recursive flows (`recursive-flow`'s `invokeRecursiveTrigger`): how many times the flow has
-- invoked itself before this execution (0 for one nothing invoked recursively). Counted apart
-- from `invoke_depth`, which bounds cross-flow nesting: a recursion is a chain of tail calls
-- that hold no worker, so its bound is much larger.
ALTER TABLE executions ADD COLUMN recursion_depth BIGINT NOT NULL DEFAULT 0;
