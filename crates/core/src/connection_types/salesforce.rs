//! Connection types of the `salesforce` component.

use super::ConnectionInputType::Text;
use super::ValueFormat::{Pem, Url};
use super::{ConnectionInput as I, ConnectionType};

const COMPONENT: &str = "salesforce";
const LOGIN_URL: I = I::string("loginUrl", "Login URL")
    .required()
    .with_default("https://login.salesforce.com")
    .format(Url);
const CLIENT_ID: I = I::string("clientId", "Consumer key (client ID)").required();
const CLIENT_SECRET: I = I::password("clientSecret", "Consumer secret (client secret)").required();

/// OAuth 2.0 client credentials against the org's My Domain.
pub const CLIENT_CREDENTIALS: ConnectionType = ConnectionType {
    key: "clientCredentials",
    label: "Client credentials",
    component: COMPONENT,
    oauth2: false,
    own_inputs: &[
        I::string("externalCustomerId", "My Domain subdomain").required(),
        CLIENT_ID,
        CLIENT_SECRET,
        // plumb's own: the token endpoint when it is not the My Domain one (a proxy, a test
        // endpoint); default `https://{externalCustomerId}.my.salesforce.com/services/oauth2/token`.
        I::string("tokenUrl", "Token URL (override)").format(Url),
    ],
    shared_inputs: &[],
};

/// OAuth 2.0 authorization code (interactive: the user signs in to Salesforce).
pub const OAUTH2: ConnectionType = ConnectionType {
    key: "oauth2",
    label: "OAuth 2.0",
    component: COMPONENT,
    oauth2: true,
    own_inputs: &[
        I::string("authorizeUrl", "Authorize URL")
            .required()
            .with_default("https://login.salesforce.com/services/oauth2/authorize")
            .format(Url),
        I::string("tokenUrl", "Token URL")
            .required()
            .with_default("https://login.salesforce.com/services/oauth2/token")
            .format(Url),
        CLIENT_ID,
        CLIENT_SECRET,
        I::string("revokeUrl", "Revoke URL")
            .with_default("https://login.salesforce.com/services/oauth2/revoke")
            .format(Url),
    ],
    shared_inputs: &[],
};

/// OAuth 2.0 JWT bearer flow: a connected app's consumer key and the private key of its
/// certificate, acting as `username`.
pub const JWT_BEARER: ConnectionType = ConnectionType {
    key: "jwtBearer",
    label: "JWT bearer",
    component: COMPONENT,
    oauth2: false,
    own_inputs: &[
        LOGIN_URL,
        CLIENT_ID,
        I::string("username", "Username").required(),
        I::new("privateKey", "Private key (PEM)", Text)
            .required()
            .secret()
            .format(Pem),
    ],
    shared_inputs: &[],
};

/// Username and password login.
pub const BASIC: ConnectionType = ConnectionType {
    key: "basic",
    label: "Username and password",
    component: COMPONENT,
    oauth2: false,
    own_inputs: &[
        LOGIN_URL,
        I::string("username", "Username").required(),
        I::password("password", "Password").required(),
    ],
    shared_inputs: &[],
};
