//! The `aws-s3` component's manifest.

use plumb_core::component::{ActionManifest, ComponentManifest, InputKind, InputManifest};

const fn input(
    key: &'static str,
    label: &'static str,
    kind: InputKind,
    required: bool,
    default: Option<&'static str>,
) -> InputManifest {
    InputManifest {
        key,
        label,
        kind,
        required,
        default,
    }
}

const ACCESS_KEY: InputManifest =
    input("accessKey", "Access Key", InputKind::Connection, true, None);
const REGION: InputManifest = input(
    "awsRegion",
    "AWS Region",
    InputKind::String,
    true,
    Some("us-east-1"),
);
const BUCKET: InputManifest = input("bucket", "Bucket Name", InputKind::String, true, None);
const KEY: InputManifest = input("objectKey", "Object Key", InputKind::String, true, None);

const PUT: &[InputManifest] = &[
    ACCESS_KEY,
    REGION,
    BUCKET,
    KEY,
    input("fileContents", "File Contents", InputKind::Data, true, None),
    input(
        "contentType",
        "Content Type",
        InputKind::String,
        false,
        None,
    ),
    input("tagging", "Object Tags", InputKind::List, false, None),
];
const GET: &[InputManifest] = &[ACCESS_KEY, REGION, BUCKET, KEY];
const LIST: &[InputManifest] = &[
    ACCESS_KEY,
    REGION,
    BUCKET,
    input("prefix", "Prefix", InputKind::String, false, None),
    input(
        "maxKeys",
        "Max Keys",
        InputKind::Number,
        false,
        Some("1000"),
    ),
    input(
        "continuationToken",
        "Continuation Token",
        InputKind::String,
        false,
        None,
    ),
];
const DELETE: &[InputManifest] = &[ACCESS_KEY, REGION, BUCKET, KEY];
const COPY: &[InputManifest] = &[
    ACCESS_KEY,
    REGION,
    input(
        "sourceBucket",
        "Source Bucket",
        InputKind::String,
        true,
        None,
    ),
    input("sourceKey", "Source Key", InputKind::String, true, None),
    input(
        "bucket",
        "Destination Bucket",
        InputKind::String,
        false,
        None,
    ),
    input(
        "objectKey",
        "Destination Key",
        InputKind::String,
        true,
        None,
    ),
];

const fn action(
    key: &'static str,
    label: &'static str,
    description: &'static str,
    inputs: &'static [InputManifest],
) -> ActionManifest {
    ActionManifest {
        key,
        label,
        description,
        inputs,
        is_trigger: false,
    }
}

const ACTIONS: &[ActionManifest] = &[
    action(
        "putObject",
        "Put Object",
        "Write an object (binary or text) to a bucket.",
        PUT,
    ),
    action(
        "getObject",
        "Get Object",
        "Read an object's bytes and content type.",
        GET,
    ),
    action(
        "listObjects",
        "List Objects",
        "List objects under a prefix, a page at a time.",
        LIST,
    ),
    action("deleteObject", "Delete Object", "Delete an object.", DELETE),
    action(
        "copyObject",
        "Copy Object",
        "Copy an object, within or across buckets.",
        COPY,
    ),
];

/// The `aws-s3` component's manifest.
pub fn manifest() -> ComponentManifest {
    ComponentManifest {
        key: super::KEY,
        label: "Amazon S3",
        description: "Read and write objects in Amazon S3 or an S3-compatible store.",
        actions: ACTIONS,
        connections: &["apiKeySecret"],
    }
}
