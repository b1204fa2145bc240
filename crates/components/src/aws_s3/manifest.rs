//! What the `aws-s3` component is: its actions' inputs (Prismatic's Amazon S3 component's keys)
//! and its connection type.

use plumb_core::component::{ActionExample, ActionSpec, ComponentSpec, InputSpec};
use serde_json::json;

use crate::util::{Count, KeyValues};

plumb_core::action_inputs! {
    /// Inputs every S3 action takes first.
    pub struct Target {
        /// The `apiKeySecret` connection (access key ID and secret, optional session token and
        /// endpoint of an S3-compatible store).
        accessKey: plumb_core::action::Connection = ("Access Key", Connection),
        /// The bucket's region.
        awsRegion: String = ("AWS Region", String, default "us-east-1"),
    }
}

plumb_core::action_inputs! {
    /// The object an action reads, writes or deletes.
    pub struct Object {
        /// The bucket's name.
        bucket: String = ("Bucket Name", String),
        /// The object's key (a leading `/` is ignored).
        objectKey: String = ("Object Key", String),
    }
}

plumb_core::action_inputs! {
    /// What `putObject` writes.
    pub struct PutContents {
        /// The object's contents: binary data from an earlier step, or text.
        fileContents: Option<plumb_core::action::Data> = ("File Contents", Data),
        /// The content type stored with it (from the data when not given).
        contentType: Option<String> = ("Content Type", String),
        /// Object tags, a list of `{key, value}` or an object.
        tagging: KeyValues = ("Object Tags", List),
    }
}

plumb_core::action_inputs! {
    /// What `listObjects` lists.
    pub struct ListPage {
        /// The bucket's name.
        bucket: String = ("Bucket Name", String),
        /// Only keys that start with it.
        prefix: Option<String> = ("Prefix", String),
        /// The most keys in one page (1 to 1000).
        maxKeys: Count = ("Max Keys", Number, default "1000"),
        /// The `continuationToken` of the previous page's result.
        continuationToken: Option<String> = ("Continuation Token", String),
    }
}

plumb_core::action_inputs! {
    /// What `copyObject` copies, and where to.
    pub struct CopyPair {
        /// The bucket copied from.
        sourceBucket: String = ("Source Bucket", String),
        /// The key copied from.
        sourceKey: String = ("Source Key", String),
        /// The bucket copied to (the source bucket when not given).
        bucket: Option<String> = ("Destination Bucket", String),
        /// The key copied to.
        objectKey: String = ("Destination Key", String),
    }
}

fn inputs(parts: &[Vec<InputSpec>]) -> Vec<InputSpec> {
    let mut all: Vec<InputSpec> = parts.concat();
    // `fileContents` is required by Prismatic's page even though binary data comes as `Data`.
    for i in &mut all {
        if i.key == "fileContents" {
            i.required = true;
        }
    }
    all
}

fn example(title: &str, extra: &[(&str, serde_json::Value)]) -> ActionExample {
    let mut pairs = vec![
        ("awsRegion", json!("us-east-1")),
        ("bucket", json!("avatars")),
    ];
    pairs.extend(extra.iter().cloned());
    let mut e = ActionExample::values(title, &pairs);
    if let Some(map) = e.inputs.as_object_mut() {
        map.insert(
            "accessKey".into(),
            json!({"type": "configVar", "value": "S3 Credential"}),
        );
    }
    e
}

/// The `aws-s3` component's spec.
pub fn spec() -> ComponentSpec {
    let key = json!("avatars/pikachu.png");
    ComponentSpec::builtin(
        super::KEY,
        "Amazon S3",
        "Read and write objects in Amazon S3 or an S3-compatible store.",
    )
    .action(
        ActionSpec::new(
            "putObject",
            "Put Object",
            "Write an object (binary or text) to a bucket.",
            inputs(&[Target::specs(), Object::specs(), PutContents::specs()]),
        )
        .example(example(
            "Save the avatar",
            &[("objectKey", key.clone()), ("fileContents", json!("hello"))],
        )),
    )
    .action(
        ActionSpec::new(
            "getObject",
            "Get Object",
            "Read an object's bytes and content type.",
            inputs(&[Target::specs(), Object::specs()]),
        )
        .example(example("Read the avatar", &[("objectKey", key.clone())])),
    )
    .action(
        ActionSpec::new(
            "listObjects",
            "List Objects",
            "List objects under a prefix, a page at a time.",
            inputs(&[Target::specs(), ListPage::specs()]),
        )
        .example(example(
            "List the avatars",
            &[("prefix", json!("avatars/"))],
        )),
    )
    .action(
        ActionSpec::new(
            "deleteObject",
            "Delete Object",
            "Delete an object.",
            inputs(&[Target::specs(), Object::specs()]),
        )
        .example(example("Delete the avatar", &[("objectKey", key.clone())])),
    )
    .action(
        ActionSpec::new(
            "copyObject",
            "Copy Object",
            "Copy an object, within or across buckets.",
            inputs(&[Target::specs(), CopyPair::specs()]),
        )
        .example(example(
            "Back up the avatar",
            &[
                ("sourceBucket", json!("avatars")),
                ("sourceKey", key),
                ("objectKey", json!("backup/pikachu.png")),
            ],
        )),
    )
    .with_registered_connections()
}
