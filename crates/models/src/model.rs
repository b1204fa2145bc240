//! An integration model: what plumb keeps of an OpenAPI document: its name
//! (`info.title:info.version`), servers, security schemes and one [`Operation`] per path and
//! method, with parameters and request body resolved. [`Model::import`] reports every problem
//! of the document at once.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::document::{self, Version};
use crate::problems::{Problem, Problems};
use crate::refs;

/// The HTTP methods of a path item, in the order operations are read.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Location {
    /// A `{name}` of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

impl Location {
    fn parse(text: &str) -> Option<Location> {
        Some(match text {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "cookie" => Location::Cookie,
            _ => return None,
        })
    }

    /// Its name as OpenAPI spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    /// Its name (in the path template, query, header or cookie).
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// Whether a call must give it (path parameters always).
    pub required: bool,
    /// What it is.
    pub description: String,
    /// Its JSON Schema, references resolved.
    pub schema: Value,
}

/// One media type of a request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MediaType {
    /// `application/json`, `multipart/form-data`, ...
    pub content_type: String,
    /// Its JSON Schema, references resolved.
    pub schema: Value,
}

/// The request body of an operation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestBody {
    /// Whether a call must give it.
    pub required: bool,
    /// What it is.
    pub description: String,
    /// Its media types, in document order (the first is the default).
    pub content: Vec<MediaType>,
}

/// One operation: a method on a path.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Its action key: the `operationId`, or a name made from method and path.
    pub key: String,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template (`/pets/{petId}`).
    pub path: String,
    /// Its summary (or description's first line).
    pub summary: String,
    /// Its description.
    pub description: String,
    /// Path-level and operation parameters (the operation's win on the same name and place).
    pub parameters: Vec<Parameter>,
    /// Its request body.
    pub body: Option<RequestBody>,
    /// Names of the security schemes it may use (its own `security`, else the document's).
    pub security: Vec<String>,
    /// Whether the document marks it deprecated.
    pub deprecated: bool,
}

/// A server of the model, with its variables.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Server {
    /// Its URL template (`https://{region}.api.example.com/v1`).
    pub url: String,
    /// What it is.
    pub description: String,
    /// Its variables: name → `{default, enum, description}`.
    pub variables: BTreeMap<String, Value>,
}

/// An imported document.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// `info.title:info.version`.
    pub name: String,
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// Its OpenAPI version as imported.
    pub openapi: Version,
    /// `info.description`.
    pub description: String,
    /// Its servers.
    pub servers: Vec<Server>,
    /// Its security schemes by name (references resolved).
    pub security_schemes: BTreeMap<String, Value>,
    /// Its operations: paths in sorted order, each path's in [`METHODS`] order.
    pub operations: Vec<Operation>,
}

fn text(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_string()
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// A stable action key for an operation without `operationId`: the method, then each path
/// segment capitalized (`{id}` as `ById`), other characters dropped:
/// `GET /pets/{petId}/photos` → `getPetsByPetIdPhotos`.
pub fn generated_key(method: &str, path: &str) -> String {
    let mut key = method.to_ascii_lowercase();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let (prefix, word) = match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => ("By", name),
            None => ("", seg),
        };
        key.push_str(prefix);
        for part in word.split(|c: char| !c.is_ascii_alphanumeric()) {
            let mut chars = part.chars();
            if let Some(first) = chars.next() {
                key.extend(first.to_uppercase());
                key.push_str(chars.as_str());
            }
        }
    }
    if path.trim_matches('/').is_empty() {
        key.push_str("Root");
    }
    key
}

/// The names of the schemes of a security requirement list (`[{name: [scopes]}]`).
fn scheme_names(requirements: Option<&Value>) -> Option<Vec<String>> {
    let list = requirements?.as_array()?;
    let mut names = Vec::new();
    for req in list {
        for name in req.as_object().into_iter().flat_map(Map::keys) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    Some(names)
}

/// Reads parameters of a path item or operation (references resolved).
fn parameters(
    doc: &Value,
    list: Option<&Value>,
    pointer: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Parameter> {
    let mut out = Vec::new();
    for (i, raw) in list
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let p = refs::resolve(doc, raw);
        let at = format!("{pointer}/{i}");
        let name = text(p.get("name"));
        let Some(location) = p
            .get("in")
            .and_then(Value::as_str)
            .and_then(Location::parse)
        else {
            problems.push(Problem::at(
                format!("{at}/in"),
                "a parameter's `in` is one of path, query, header, cookie",
            ));
            continue;
        };
        if name.is_empty() {
            problems.push(Problem::at(
                format!("{at}/name"),
                "a parameter needs a `name`",
            ));
            continue;
        }
        let schema = match (p.get("schema"), p.get("content")) {
            (Some(s), _) => s.clone(),
            (None, Some(Value::Object(c))) => c
                .values()
                .next()
                .and_then(|m| m.get("schema"))
                .cloned()
                .unwrap_or(Value::Object(Map::new())),
            _ => Value::Object(Map::new()),
        };
        out.push(Parameter {
            required: location == Location::Path || p.get("required") == Some(&Value::Bool(true)),
            name,
            location,
            description: text(p.get("description")),
            schema,
        });
    }
    out
}

fn request_body(doc: &Value, raw: Option<&Value>) -> Option<RequestBody> {
    let body = refs::resolve(doc, raw?);
    let content = body
        .get("content")
        .and_then(Value::as_object)
        .map(|c| {
            c.iter()
                .map(|(t, m)| MediaType {
                    content_type: t.clone(),
                    schema: m
                        .get("schema")
                        .cloned()
                        .unwrap_or(Value::Object(Map::new())),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(RequestBody {
        required: body.get("required") == Some(&Value::Bool(true)),
        description: text(body.get("description")),
        content,
    })
}

impl Model {
    /// Imports an OpenAPI 2.0, 3.0 or 3.1 document (JSON or YAML): the model, or every problem
    /// with its JSON pointer (and line and column for YAML).
    pub fn import(source: &str) -> Result<Model, Problems> {
        let document::Document {
            value,
            spans,
            version,
        } = document::read(source)?;
        let doc = if version == Version::V2 {
            crate::swagger2::convert(&value)
        } else {
            value
        };
        let mut problems = refs::check(&doc);
        let info = doc.get("info");
        let title = text(info.and_then(|i| i.get("title")));
        let api_version = info
            .and_then(|i| i.get("version"))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default();
        if title.trim().is_empty() {
            problems.push(Problem::at(
                "/info/title",
                "`info.title` is required: it names the model",
            ));
        }
        if api_version.trim().is_empty() {
            problems.push(Problem::at(
                "/info/version",
                "`info.version` is required: it names the model",
            ));
        }
        let operations = match doc.get("paths") {
            Some(Value::Object(paths)) if !paths.is_empty() => {
                Self::operations(&doc, paths, &mut problems)
            }
            Some(Value::Object(_)) | None => {
                problems.push(Problem::at(
                    "/paths",
                    "the document has no `paths`: a model needs at least one operation",
                ));
                Vec::new()
            }
            Some(_) => {
                problems.push(Problem::at("/paths", "`paths` must be an object"));
                Vec::new()
            }
        };
        if !problems.is_empty() {
            return Err(Problems(problems).located(&spans));
        }
        let servers = doc
            .get("servers")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .map(|s| Server {
                        url: text(s.get("url")),
                        description: text(s.get("description")),
                        variables: s
                            .get("variables")
                            .and_then(Value::as_object)
                            .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let security_schemes = doc
            .pointer("/components/securitySchemes")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), refs::resolve(&doc, v)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Model {
            name: format!("{}:{}", title.trim(), api_version.trim()),
            title: title.trim().to_string(),
            version: api_version.trim().to_string(),
            openapi: version,
            description: text(info.and_then(|i| i.get("description"))),
            servers,
            security_schemes,
            operations,
        })
    }

    fn operations(
        doc: &Value,
        paths: &Map<String, Value>,
        problems: &mut Vec<Problem>,
    ) -> Vec<Operation> {
        let global_security = scheme_names(doc.get("security")).unwrap_or_default();
        let mut ids: HashMap<String, String> = HashMap::new();
        let mut ops = Vec::new();
        for (path, raw_item) in paths {
            let item = match raw_item.get("$ref") {
                Some(_) => refs::resolve(doc, raw_item),
                None => raw_item.clone(),
            };
            let item_ptr = format!("/paths/{}", escape(path));
            let shared = parameters(
                doc,
                item.get("parameters"),
                &format!("{item_ptr}/parameters"),
                problems,
            );
            for method in METHODS {
                let Some(op) = item.get(*method) else {
                    continue;
                };
                let op_ptr = format!("{item_ptr}/{method}");
                let own = parameters(
                    doc,
                    op.get("parameters"),
                    &format!("{op_ptr}/parameters"),
                    problems,
                );
                let mut params: Vec<Parameter> = shared
                    .iter()
                    .filter(|s| {
                        !own.iter()
                            .any(|o| o.name == s.name && o.location == s.location)
                    })
                    .cloned()
                    .collect();
                params.extend(own);
                for name in template_names(path) {
                    if !params
                        .iter()
                        .any(|p| p.location == Location::Path && p.name == name)
                    {
                        problems.push(Problem::at(
                            format!("{op_ptr}/parameters"),
                            format!("path parameter `{name}` of `{path}` is not declared"),
                        ));
                    }
                }
                let operation_id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                if let Some(id) = &operation_id {
                    if let Some(first) = ids.insert(id.clone(), op_ptr.clone()) {
                        problems.push(Problem::at(
                            format!("{op_ptr}/operationId"),
                            format!("duplicate operationId `{id}` (first at {first})"),
                        ));
                    }
                }
                let summary = match text(op.get("summary")) {
                    s if !s.is_empty() => s,
                    _ => text(op.get("description"))
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                };
                ops.push(Operation {
                    key: operation_id.unwrap_or_default(),
                    method: method.to_ascii_uppercase(),
                    path: path.clone(),
                    summary,
                    description: text(op.get("description")),
                    parameters: params,
                    body: request_body(doc, op.get("requestBody")),
                    security: scheme_names(op.get("security"))
                        .unwrap_or_else(|| global_security.clone()),
                    deprecated: op.get("deprecated") == Some(&Value::Bool(true)),
                });
            }
        }
        // Operations without an operationId get a generated key; a generated key that is
        // already taken gets `_2`, `_3`, ... in document order.
        let mut taken: HashSet<String> = ops
            .iter()
            .filter(|o| !o.key.is_empty())
            .map(|o| o.key.clone())
            .collect();
        for op in ops.iter_mut().filter(|o| o.key.is_empty()) {
            let base = generated_key(&op.method, &op.path);
            let mut key = base.clone();
            let mut n = 2;
            while taken.contains(&key) {
                key = format!("{base}_{n}");
                n += 1;
            }
            taken.insert(key.clone());
            op.key = key;
        }
        ops
    }

    /// One operation by action key.
    pub fn operation(&self, key: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.key == key)
    }
}

/// The `{name}`s of a path template.
fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}
