-- The web origins allowed to embed an organization's screens and to call its embedded sign-in
-- and API from a browser (CORS): `scheme://host[:port]`, lowercase, no path.
CREATE TABLE organization_embedded_origins (
    org_id  TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    origin  TEXT NOT NULL,
    PRIMARY KEY (org_id, origin)
);
CREATE INDEX organization_embedded_origins_origin ON organization_embedded_origins(origin);
