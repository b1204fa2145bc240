-- A scratch table for the readiness check's write probe (/readyz): one row is written and
-- deleted in one transaction, large enough to need a new page, so a full disk shows.
CREATE TABLE plumb_write_probe (
    id      TEXT PRIMARY KEY,
    filler  BYTEA NOT NULL
);
