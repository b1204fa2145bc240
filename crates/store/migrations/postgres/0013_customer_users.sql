-- Customer users: the people of a customer who sign in through the organization's app (an
-- embedded JWT). `external_id` is the JWT's `sub`, unique in its customer; there is no password.
-- A user added by the organization (`createCustomerUser`) has its email as `external_id`.
CREATE TABLE customer_users (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT,
    role         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE UNIQUE INDEX customer_users_external_id ON customer_users(customer_id, external_id);
CREATE INDEX customer_users_org ON customer_users(org_id, id);
