//! Swagger / OpenAPI 2.0 converted to OpenAPI 3.0, so the rest of the import reads one shape:
//! `host` + `basePath` + `schemes` → `servers`; `definitions` → `components.schemas`;
//! `parameters` and `securityDefinitions` → `components`; a `body` parameter → `requestBody`
//! (in the operation's `consumes`, else the document's, else JSON); `formData` parameters →
//! a form or `multipart/form-data` body (multipart when a parameter is a `file`); the other
//! parameters' `type`/`format`/`items`/`enum`/`default` → their `schema`.

use serde_json::{json, Map, Value};

/// Rewrites 2.0 reference targets to where the conversion puts them.
fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get_mut("$ref") {
                for (from, to) in [
                    ("#/definitions/", "#/components/schemas/"),
                    ("#/parameters/", "#/components/parameters/"),
                    ("#/responses/", "#/components/responses/"),
                ] {
                    if let Some(rest) = r.strip_prefix(from) {
                        *r = format!("{to}{rest}");
                        break;
                    }
                }
            }
            map.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// A 2.0 non-body parameter's schema from its inline type fields.
fn schema_of(p: &Map<String, Value>) -> Value {
    let mut schema = Map::new();
    for k in [
        "type",
        "format",
        "items",
        "enum",
        "default",
        "minimum",
        "maximum",
        "pattern",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
    ] {
        if let Some(v) = p.get(k) {
            schema.insert(k.into(), v.clone());
        }
    }
    if schema.get("type").and_then(Value::as_str) == Some("file") {
        schema.insert("type".into(), json!("string"));
        schema.insert("format".into(), json!("binary"));
    }
    Value::Object(schema)
}

/// A 2.0 parameter as 3.0 (body and formData ones are handled by the operation).
fn parameter(p: &Value) -> Value {
    let Some(map) = p.as_object() else {
        return p.clone();
    };
    if map.contains_key("$ref") {
        return p.clone();
    }
    let mut out = Map::new();
    for k in ["name", "in", "description", "required", "deprecated"] {
        if let Some(v) = map.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    out.insert("schema".into(), schema_of(map));
    Value::Object(out)
}

fn media_types(op: &Map<String, Value>, doc: &Value) -> Vec<String> {
    op.get("consumes")
        .or_else(|| doc.get("consumes"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Converts one operation in place.
fn operation(op: &mut Map<String, Value>, doc: &Value, path_params: &[Value]) {
    let consumes = media_types(op, doc);
    let own: Vec<Value> = op
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // Path-level parameters apply to every operation; the body/form ones must move too.
    let mut all: Vec<Value> = path_params.to_vec();
    all.extend(own);
    let resolved: Vec<Value> = all
        .iter()
        .map(|p| match p.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/parameters/")
                .and_then(|name| doc.get("parameters")?.get(name))
                .cloned()
                .unwrap_or_else(|| p.clone()),
            None => p.clone(),
        })
        .collect();
    let mut params = Vec::new();
    let mut form = Map::new();
    let mut form_required = Vec::new();
    let mut multipart = consumes.iter().any(|c| c == "multipart/form-data");
    for (raw, p) in all.iter().zip(&resolved) {
        match p.get("in").and_then(Value::as_str) {
            Some("body") => {
                let schema = p.get("schema").cloned().unwrap_or(json!({}));
                let types = if consumes.is_empty() {
                    vec!["application/json".to_string()]
                } else {
                    consumes.clone()
                };
                let content: Map<String, Value> = types
                    .into_iter()
                    .map(|t| (t, json!({"schema": schema})))
                    .collect();
                let mut body = json!({"content": content});
                if let Some(r) = p.get("required") {
                    body["required"] = r.clone();
                }
                if let Some(d) = p.get("description") {
                    body["description"] = d.clone();
                }
                op.insert("requestBody".into(), body);
            }
            Some("formData") => {
                let Some(map) = p.as_object() else { continue };
                let name = map.get("name").and_then(Value::as_str).unwrap_or_default();
                if map.get("type").and_then(Value::as_str) == Some("file") {
                    multipart = true;
                }
                form.insert(name.to_string(), schema_of(map));
                if map.get("required") == Some(&Value::Bool(true)) {
                    form_required.push(json!(name));
                }
            }
            _ => params.push(parameter(raw)),
        }
    }
    if !form.is_empty() {
        let kind = if multipart {
            "multipart/form-data"
        } else {
            "application/x-www-form-urlencoded"
        };
        op.insert(
            "requestBody".into(),
            json!({"required": !form_required.is_empty(), "content": {kind: {"schema": {
                "type": "object", "properties": form, "required": form_required
            }}}}),
        );
    }
    op.insert("parameters".into(), Value::Array(params));
    op.remove("consumes");
    op.remove("produces");
}

fn security_scheme(s: &Value) -> Value {
    let mut out = s.clone();
    match s.get("type").and_then(Value::as_str) {
        Some("basic") => out = json!({"type": "http", "scheme": "basic"}),
        Some("oauth2") => {
            let flow = s.get("flow").and_then(Value::as_str).unwrap_or_default();
            let name = match flow {
                "application" => "clientCredentials",
                "accessCode" => "authorizationCode",
                other => other,
            };
            let mut f = Map::new();
            for k in ["authorizationUrl", "tokenUrl"] {
                if let Some(v) = s.get(k) {
                    f.insert(k.into(), v.clone());
                }
            }
            f.insert(
                "scopes".into(),
                s.get("scopes").cloned().unwrap_or(json!({})),
            );
            out = json!({"type": "oauth2", "flows": {name: f}});
        }
        _ => {}
    }
    if let (Some(o), Some(ext)) = (out.as_object_mut(), s.as_object()) {
        for (k, v) in ext.iter().filter(|(k, _)| k.starts_with("x-")) {
            o.insert(k.clone(), v.clone());
        }
    }
    out
}

/// The 2.0 document `doc` as OpenAPI 3.0.3.
pub fn convert(doc: &Value) -> Value {
    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    out.insert("x-plumb-converted-from".into(), json!("2.0"));
    if let Some(info) = doc.get("info") {
        out.insert("info".into(), info.clone());
    }
    if let Some(host) = doc.get("host").and_then(Value::as_str) {
        let base = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
        let schemes: Vec<&str> = doc
            .get("schemes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .filter(|s: &Vec<&str>| !s.is_empty())
            .unwrap_or_else(|| vec!["https"]);
        let servers: Vec<Value> = schemes
            .iter()
            .map(|s| json!({"url": format!("{s}://{host}{base}")}))
            .collect();
        out.insert("servers".into(), Value::Array(servers));
    } else if let Some(base) = doc.get("basePath") {
        out.insert("servers".into(), json!([{"url": base}]));
    }
    let mut components = Map::new();
    if let Some(d) = doc.get("definitions") {
        components.insert("schemas".into(), d.clone());
    }
    if let Some(Value::Object(ps)) = doc.get("parameters") {
        let converted: Map<String, Value> = ps
            .iter()
            .filter(|(_, p)| {
                !matches!(
                    p.get("in").and_then(Value::as_str),
                    Some("body" | "formData")
                )
            })
            .map(|(k, p)| (k.clone(), parameter(p)))
            .collect();
        components.insert("parameters".into(), Value::Object(converted));
    }
    if let Some(Value::Object(ss)) = doc.get("securityDefinitions") {
        let converted: Map<String, Value> = ss
            .iter()
            .map(|(k, s)| (k.clone(), security_scheme(s)))
            .collect();
        components.insert("securitySchemes".into(), Value::Object(converted));
    }
    out.insert("components".into(), Value::Object(components));
    if let Some(sec) = doc.get("security") {
        out.insert("security".into(), sec.clone());
    }
    let mut paths = Map::new();
    if let Some(Value::Object(ps)) = doc.get("paths") {
        for (path, item) in ps {
            let mut item = item.clone();
            let path_params: Vec<Value> = item
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if let Some(map) = item.as_object_mut() {
                map.remove("parameters");
                for (method, op) in map.iter_mut() {
                    if crate::model::METHODS.contains(&method.as_str()) {
                        if let Some(op) = op.as_object_mut() {
                            operation(op, doc, &path_params);
                        }
                    }
                }
            }
            paths.insert(path.clone(), item);
        }
    }
    out.insert("paths".into(), Value::Object(paths));
    let mut out = Value::Object(out);
    rewrite_refs(&mut out);
    out
}
