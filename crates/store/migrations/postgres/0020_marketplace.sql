-- How an integration appears in the embedded marketplace
-- (`updateIntegrationMarketplaceConfiguration`): one row per integration (its draft's ID), for
-- every version. No row: not in the marketplace.
CREATE TABLE integration_marketplace (
    org_id          TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    integration_id  TEXT NOT NULL,
    configuration   TEXT NOT NULL,
    overview        TEXT NOT NULL DEFAULT '',
    allow_multiple  BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, integration_id)
);
