//! Connection types of the `aws-s3` component.

use super::ValueFormat::Url;
use super::{ConnectionInput as I, ConnectionType};

/// An access key ID and secret access key, optionally with a session token; `region` and
/// `endpoint` (plumb's own, for S3-compatible stores such as MinIO) are optional.
pub const API_KEY_SECRET: ConnectionType = ConnectionType {
    key: "apiKeySecret",
    label: "AWS access key and secret",
    component: "aws-s3",
    oauth2: false,
    own_inputs: &[
        I::string("accessKeyId", "Access key ID").required(),
        I::password("secretAccessKey", "Secret access key").required(),
        I::password("sessionToken", "Session token"),
        I::string("region", "Region"),
        I::string("endpoint", "Endpoint URL (S3-compatible stores)").format(Url),
    ],
    shared_inputs: &[],
};
