use std::collections::{BTreeMap, BTreeSet};

use super::*;

fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn registry_matches_the_product_tables() {
    let expected: &[(&str, &[&str])] = &[
        (
            "http",
            &[
                "basic",
                "apiKey",
                "apiKeyDynamic",
                "bearer",
                "awsSigV4",
                "oauth2ClientCredentials",
                "oauth2Password",
                "oauth2AuthorizationCode",
                "openIdConnect",
                "mutualTls",
            ],
        ),
        ("aws-s3", &["apiKeySecret"]),
        (
            "salesforce",
            &["clientCredentials", "oauth2", "jwtBearer", "basic"],
        ),
        ("slack", &["oauth2", "webhookUrl", "bearer"]),
        ("openai", &["openAiApiKey"]),
        ("postgres", &["postgres"]),
        ("aws-sqs", &["apiKeySecret"]),
        ("aws-sns", &["apiKeySecret"]),
    ];
    for (component, keys) in expected {
        let found: Vec<&str> = for_component(component).map(|t| t.key).collect();
        assert_eq!(&found, keys, "{component}");
    }
    assert_eq!(all().len(), 22);
}

#[test]
fn inputs_per_type() {
    // (component, key, own inputs in order)
    let table: &[(&str, &str, &[&str])] = &[
        ("http", "basic", &["username", "password"]),
        ("http", "apiKey", &["apiKey", "location", "name"]),
        (
            "http",
            "apiKeyDynamic",
            &[
                "method",
                "url",
                "responsePointer",
                "parameters",
                "location",
                "name",
            ],
        ),
        ("http", "bearer", &["token"]),
        (
            "http",
            "awsSigV4",
            &[
                "accessKeyId",
                "secretAccessKey",
                "sessionToken",
                "region",
                "service",
            ],
        ),
        (
            "http",
            "oauth2ClientCredentials",
            &[
                "tokenUrl",
                "clientId",
                "clientSecret",
                "scopes",
                "audience",
                "authMethod",
                "accessToken",
            ],
        ),
        (
            "http",
            "oauth2Password",
            &[
                "tokenUrl",
                "clientId",
                "clientSecret",
                "scopes",
                "audience",
                "authMethod",
                "accessToken",
                "username",
                "password",
                "refreshUrl",
            ],
        ),
        (
            "http",
            "oauth2AuthorizationCode",
            &[
                "authorizeUrl",
                "tokenUrl",
                "refreshUrl",
                "clientId",
                "clientSecret",
                "scopes",
                "authMethod",
                "pkce",
            ],
        ),
        (
            "http",
            "openIdConnect",
            &["issuer", "clientId", "clientSecret", "scopes", "authMethod"],
        ),
        ("http", "mutualTls", &["certificate", "key", "ca"]),
        (
            "aws-s3",
            "apiKeySecret",
            &[
                "accessKeyId",
                "secretAccessKey",
                "sessionToken",
                "region",
                "endpoint",
            ],
        ),
        (
            "salesforce",
            "clientCredentials",
            &["externalCustomerId", "clientId", "clientSecret", "tokenUrl"],
        ),
        (
            "salesforce",
            "oauth2",
            &[
                "authorizeUrl",
                "tokenUrl",
                "clientId",
                "clientSecret",
                "revokeUrl",
            ],
        ),
        (
            "salesforce",
            "jwtBearer",
            &["loginUrl", "clientId", "username", "privateKey"],
        ),
        ("salesforce", "basic", &["loginUrl", "username", "password"]),
    ];
    for (component, key, inputs) in table {
        let ty = find(component, key).unwrap_or_else(|| panic!("{component}/{key}"));
        let own: Vec<&str> = ty.own_inputs.iter().map(|i| i.key).collect();
        assert_eq!(&own, inputs, "{component}/{key}");
    }
}

#[test]
fn every_http_type_has_the_transport_inputs() {
    for ty in for_component("http") {
        for key in [
            "timeout",
            "rejectUnauthorized",
            "ca",
            "proxyUrl",
            "proxyUsername",
            "proxyPassword",
        ] {
            assert!(ty.input(key).is_some(), "{}: {key}", ty.key);
        }
    }
    assert!(find("aws-s3", "apiKeySecret")
        .unwrap()
        .input("proxyUrl")
        .is_none());
}

#[test]
fn keys_are_unique_and_well_formed() {
    let mut ids = BTreeSet::new();
    for ty in all() {
        assert!(
            ids.insert(ty.id()),
            "duplicate ID {}/{}",
            ty.component,
            ty.key
        );
        assert!(!ty.label.is_empty());
        let mut keys = BTreeSet::new();
        for input in ty.inputs() {
            assert!(
                keys.insert(input.key),
                "{}/{}: duplicate {}",
                ty.component,
                ty.key,
                input.key
            );
            assert!(!input.label.is_empty());
            if let Some(default) = input.default {
                // Every default passes its own checks.
                let errs = validate_inputs(
                    ty,
                    &values(&[(input.key, default)]),
                    ValidationMode::Partial,
                );
                assert!(errs.is_empty(), "{}/{}: {errs:?}", ty.key, input.key);
            }
        }
    }
}

#[test]
fn secrets_follow_the_contract() {
    for ty in all() {
        for input in ty.inputs() {
            if SECRET_INPUT_KEYS.contains(&input.key)
                || input.input_type == ConnectionInputType::Password
            {
                assert!(
                    input.secret,
                    "{}/{}: {} must be secret",
                    ty.component, ty.key, input.key
                );
            }
        }
    }
    let secret: Vec<&str> = find("http", "mutualTls")
        .unwrap()
        .secret_inputs()
        .map(|i| i.key)
        .collect();
    assert_eq!(secret, ["key", "proxyPassword"]);
    assert!(find("salesforce", "jwtBearer")
        .unwrap()
        .is_secret("privateKey"));
    assert!(!find("http", "basic").unwrap().is_secret("username"));
}

#[test]
fn oauth2_flag_marks_interactive_types() {
    let interactive: Vec<String> = all()
        .iter()
        .filter(|t| t.oauth2)
        .map(|t| format!("{}/{}", t.component, t.key))
        .collect();
    assert_eq!(
        interactive,
        [
            "http/oauth2AuthorizationCode",
            "salesforce/oauth2",
            "slack/oauth2"
        ]
    );
}

#[test]
fn ids_are_stable() {
    let basic = find("http", "basic").unwrap();
    // Public IDs: this value must never change.
    assert_eq!(basic.id(), Uuid::new_v5(&ID_NAMESPACE, b"http/basic"));
    assert_eq!(basic.id().get_version_num(), 5);
    assert_eq!(find_by_id(basic.id()), Some(basic));
    assert_eq!(find_by_global_id(&basic.global_id()), Some(basic));
    assert!(find_by_global_id(&crate::id::encode("Customer", basic.id())).is_none());
    assert!(find("http", "nope").is_none());
}

#[test]
fn serializes_for_the_api() {
    let ty = find("http", "apiKey").unwrap();
    let json = serde_json::to_value(ty).unwrap();
    assert_eq!(json["key"], "apiKey");
    assert_eq!(json["component"], "http");
    assert_eq!(json["id"], ty.id().to_string());
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3 + 6);
    assert_eq!(
        inputs[0],
        serde_json::json!({"key": "apiKey", "label": "API key", "type": "password",
            "required": true, "default": null, "secret": true})
    );
    assert_eq!(
        inputs[1]["options"],
        serde_json::json!(["header", "query", "cookie"])
    );
    assert_eq!(inputs[1]["default"], "header");
}

#[test]
fn validation_table() {
    use ValidationMode::{Complete, Partial};
    const PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
    // (component, key, mode, values, expected (input, message prefix) in order)
    type Pairs = &'static [(&'static str, &'static str)];
    let cases: &[(&str, &str, ValidationMode, Pairs, Pairs)] = &[
        (
            "http",
            "basic",
            Complete,
            &[("username", "u"), ("password", "p")],
            &[],
        ),
        (
            "http",
            "basic",
            Complete,
            &[],
            &[("username", "is required"), ("password", "is required")],
        ),
        ("http", "basic", Partial, &[("password", "p")], &[]),
        (
            "http",
            "basic",
            Partial,
            &[("password", " ")],
            &[("password", "is required and cannot")],
        ),
        (
            "http",
            "basic",
            Complete,
            &[
                ("user", "x"),
                ("password", "p"),
                ("rejectUnauthorized", "yes"),
            ],
            &[
                ("rejectUnauthorized", "must be true or false"),
                ("user", "unknown input of connection type http/basic"),
                ("username", "is required"),
            ],
        ),
        (
            "http",
            "apiKey",
            Complete,
            &[("apiKey", "k"), ("location", "body")],
            &[("location", "must be one of: header, query, cookie")],
        ),
        (
            "http",
            "apiKey",
            Complete,
            &[("apiKey", "k"), ("location", "")],
            &[],
        ),
        (
            "http",
            "bearer",
            Complete,
            &[("token", "t"), ("timeout", "5s")],
            &[("timeout", "must be a whole number")],
        ),
        (
            "http",
            "bearer",
            Complete,
            &[
                ("token", "t"),
                ("timeout", "5000"),
                ("proxyUrl", "http://proxy:3128"),
            ],
            &[],
        ),
        (
            "http",
            "bearer",
            Partial,
            &[("proxyUrl", "proxy:3128")],
            &[("proxyUrl", "must be an absolute URL")],
        ),
        (
            "http",
            "bearer",
            Partial,
            &[("proxyUrl", "http://")],
            &[("proxyUrl", "must be an absolute URL")],
        ),
        (
            "http",
            "apiKeyDynamic",
            Complete,
            &[
                ("url", "https://auth.example.com/key"),
                ("responsePointer", "/data/key"),
                ("parameters", "{\"user\":\"a\"}"),
            ],
            &[],
        ),
        (
            "http",
            "apiKeyDynamic",
            Complete,
            &[
                ("url", "https://auth.example.com/key"),
                ("responsePointer", "data.key"),
                ("parameters", "[1]"),
                ("method", "DELETE"),
            ],
            &[
                ("method", "must be one of"),
                ("parameters", "must be a JSON object"),
                ("responsePointer", "must be a JSON pointer"),
            ],
        ),
        (
            "http",
            "oauth2AuthorizationCode",
            Partial,
            &[("pkce", "false")],
            &[],
        ),
        (
            "http",
            "oauth2AuthorizationCode",
            Partial,
            &[("pkce", "TRUE")],
            &[("pkce", "must be true or false")],
        ),
        (
            "http",
            "mutualTls",
            Complete,
            &[("certificate", PEM), ("key", PEM)],
            &[],
        ),
        (
            "http",
            "mutualTls",
            Complete,
            &[
                ("certificate", "data:application/x-pem-file;base64,TUlJQg=="),
                ("key", PEM),
            ],
            &[],
        ),
        (
            "http",
            "mutualTls",
            Complete,
            &[
                ("certificate", "MIIB"),
                ("key", "data:text/plain,abc"),
                ("ca", "data:;base64,!!"),
            ],
            &[
                ("ca", "must be PEM"),
                ("certificate", "must be PEM"),
                ("key", "must be PEM"),
            ],
        ),
        (
            "aws-s3",
            "apiKeySecret",
            Complete,
            &[("accessKeyId", "AKIA"), ("secretAccessKey", "s")],
            &[],
        ),
        (
            "aws-s3",
            "apiKeySecret",
            Partial,
            &[("endpoint", "http://127.0.0.1:9000")],
            &[],
        ),
        (
            "aws-s3",
            "apiKeySecret",
            Partial,
            &[("timeout", "1")],
            &[("timeout", "unknown input")],
        ),
        (
            "salesforce",
            "clientCredentials",
            Complete,
            &[("clientId", "id")],
            &[
                ("externalCustomerId", "is required"),
                ("clientSecret", "is required"),
            ],
        ),
        // Inputs with defaults are never missing.
        (
            "salesforce",
            "basic",
            Complete,
            &[("username", "u"), ("password", "p")],
            &[],
        ),
        (
            "salesforce",
            "oauth2",
            Complete,
            &[("clientId", "id"), ("clientSecret", "s")],
            &[],
        ),
        (
            "salesforce",
            "jwtBearer",
            Complete,
            &[("clientId", "id"), ("username", "u"), ("privateKey", "key")],
            &[("privateKey", "must be PEM")],
        ),
    ];
    for (component, key, mode, given, expected) in cases {
        let ty = find(component, key).unwrap();
        let errors = validate_inputs(ty, &values(given), *mode);
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.input.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            got.len(),
            expected.len(),
            "{component}/{key} {given:?}: {got:?}"
        );
        for ((gi, gm), (ei, em)) in got.iter().zip(expected.iter()) {
            assert_eq!(gi, ei, "{component}/{key}: {got:?}");
            assert!(
                gm.starts_with(em),
                "{component}/{key}: {gm:?} does not start with {em:?}"
            );
        }
    }
}

#[test]
fn messages_never_echo_values() {
    let planted = "PLANTED-SECRET-8f3a";
    for ty in all() {
        let given: BTreeMap<String, String> = ty
            .inputs()
            .map(|i| (i.key.to_string(), planted.to_string()))
            .chain([("bogus".to_string(), planted.to_string())])
            .collect();
        for e in validate_inputs(ty, &given, ValidationMode::Complete) {
            assert!(!e.message.contains(planted), "{}: {e:?}", ty.key);
        }
    }
}

#[test]
fn defaults_and_public_inputs() {
    let ty = find("http", "apiKey").unwrap();
    let filled = ty.with_defaults(&values(&[("apiKey", "k"), ("name", "")]));
    assert_eq!(
        filled,
        values(&[
            ("apiKey", "k"),
            ("location", "header"),
            ("name", "X-API-Key"),
            ("rejectUnauthorized", "true"),
        ])
    );
    assert!(ty.is_public("location"));
    assert!(!ty.is_public("apiKey"));
    assert!(!ty.is_public("unknown"));
    assert!(!ty.is_secret("unknown"));
}
