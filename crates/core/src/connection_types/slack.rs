//! Connection types of the `slack` component: Prismatic's `oauth2` (authorization code) and
//! `webhookUrl`, and plumb's own `bearer` (a bot or user token pasted in, no sign-in flow).

use super::ValueFormat::Url;
use super::{ConnectionInput as I, ConnectionType};

const COMPONENT: &str = "slack";

/// Prismatic's Slack OAuth 2.0 (interactive: the user installs the app in a workspace). The
/// Web API address is the token URL without `oauth.v2.access`, as Prismatic derives it.
pub const OAUTH2: ConnectionType = ConnectionType {
    key: "oauth2",
    label: "OAuth 2.0",
    component: COMPONENT,
    oauth2: true,
    own_inputs: &[
        I::string("authorizeUrl", "Authorize URL")
            .required()
            .with_default("https://slack.com/oauth/v2/authorize")
            .format(Url),
        I::string("tokenUrl", "Token URL")
            .required()
            .with_default("https://slack.com/api/oauth.v2.access")
            .format(Url),
        I::string("revokeUrl", "Revoke URL")
            .required()
            .with_default("https://slack.com/api/auth.revoke")
            .format(Url),
        I::string("scopes", "Scopes (Bot)").with_default(
            "chat:write chat:write.public chat:write.customize channels:read groups:read im:read mpim:read",
        ),
        I::string("clientId", "Client ID").required(),
        I::password("clientSecret", "Client Secret").required(),
        I::password("signingSecret", "Signing Secret").required(),
        I::new("isUser", "Is User", super::ConnectionInputType::Boolean).with_default("false"),
    ],
    shared_inputs: &[],
};

/// Prismatic's incoming-webhook connection: the webhook URL is the whole credential (secret).
pub const WEBHOOK_URL: ConnectionType = ConnectionType {
    key: "webhookUrl",
    label: "Webhook URL",
    component: COMPONENT,
    oauth2: false,
    own_inputs: &[I::string("webhookUrl", "Webhook URL")
        .required()
        .secret()
        .format(Url)],
    shared_inputs: &[],
};

/// plumb's own: a bot (`xoxb-`) or user (`xoxp-`) token sent as `Authorization: Bearer`, with
/// the Web API address (a proxy, a test stand-in).
pub const BEARER: ConnectionType = ConnectionType {
    key: "bearer",
    label: "Bot or user token",
    component: COMPONENT,
    oauth2: false,
    own_inputs: &[
        I::password("token", "Token").required(),
        I::string("apiUrl", "Web API URL")
            .with_default("https://slack.com/api")
            .format(Url),
    ],
    shared_inputs: &[],
};
