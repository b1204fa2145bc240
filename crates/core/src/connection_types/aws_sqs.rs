//! Connection types of the `aws-sqs` and `aws-sns` components: Prismatic's `apiKeySecret` (an
//! IAM access key), plus plumb's optional `endpoint` (a local or compatible service).

use super::ValueFormat::Url;
use super::{ConnectionInput as I, ConnectionType};

/// The inputs of an AWS access key connection.
const ACCESS_KEY_INPUTS: &[super::ConnectionInput] = &[
    I::string("accessKeyId", "Access Key ID").required(),
    I::password("secretAccessKey", "Secret Access Key").required(),
    I::password("sessionToken", "Session token"),
    I::string("endpoint", "Endpoint URL (a compatible service)").format(Url),
];

/// Prismatic's AWS SQS access key and secret.
pub const SQS_API_KEY_SECRET: ConnectionType = ConnectionType {
    key: "apiKeySecret",
    label: "AWS SQS Access Key and Secret",
    component: "aws-sqs",
    oauth2: false,
    own_inputs: ACCESS_KEY_INPUTS,
    shared_inputs: &[],
};

/// Prismatic's AWS SNS access key and secret.
pub const SNS_API_KEY_SECRET: ConnectionType = ConnectionType {
    key: "apiKeySecret",
    label: "AWS SNS Access Key and Secret",
    component: "aws-sns",
    oauth2: false,
    own_inputs: ACCESS_KEY_INPUTS,
    shared_inputs: &[],
};
