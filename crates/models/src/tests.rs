//! Import of real documents (saved in tests/data/openapi, see its NOTICE) and of broken ones.

use serde_json::json;
use uuid::Uuid;

use crate::document::Version;
use crate::model::{generated_key, Location, Model};

const PETSTORE_2: &str = include_str!("../tests/data/openapi/petstore-2.0.json");
const PETSTORE_3: &str = include_str!("../tests/data/openapi/petstore-3.0.yaml");
const EXPANDED_3: &str = include_str!("../tests/data/openapi/petstore-expanded-3.0.yaml");
const SCOPES_31: &str = include_str!("../tests/data/openapi/non-oauth-scopes-3.1.json");

#[test]
fn petstore_3_0() {
    let m = Model::import(PETSTORE_3).unwrap();
    assert_eq!(m.name, "Swagger Petstore:1.0.0");
    assert_eq!(m.openapi, Version::V30);
    assert_eq!(m.servers[0].url, "http://petstore.swagger.io/v1");
    let keys: Vec<&str> = m.operations.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["listPets", "createPets", "showPetById"]);
    let list = m.operation("listPets").unwrap();
    assert_eq!(list.method, "GET");
    assert_eq!(list.parameters[0].location, Location::Query);
    assert_eq!(list.parameters[0].schema["type"], "integer");
    let show = m.operation("showPetById").unwrap();
    assert!(show.parameters[0].required);
    assert_eq!(show.path, "/pets/{petId}");
}

#[test]
fn petstore_2_0_is_converted() {
    let m = Model::import(PETSTORE_2).unwrap();
    assert_eq!(m.openapi, Version::V2);
    assert_eq!(m.name, "Swagger Petstore:1.0.0");
    assert_eq!(m.servers[0].url, "http://petstore.swagger.io/v1");
    let keys: Vec<&str> = m.operations.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["listPets", "createPets", "showPetById"]);
    assert_eq!(
        m.operation("listPets").unwrap().parameters[0].schema["format"],
        "int32"
    );
}

#[test]
fn petstore_expanded_resolves_bodies_and_all_of() {
    let m = Model::import(EXPANDED_3).unwrap();
    let add = m.operation("addPet").unwrap();
    let body = add.body.as_ref().unwrap();
    assert!(body.required);
    assert_eq!(body.content[0].content_type, "application/json");
    assert_eq!(body.content[0].schema["required"], json!(["name"]));
    let find = m.operation("find pet by id").unwrap();
    assert_eq!(find.parameters[0].schema["format"], "int64");
    let spec = crate::component_spec(&m, Uuid::nil());
    let schema = spec.find_action("addPet").unwrap().inputs_schema();
    assert_eq!(schema["required"], json!(["integration", "body"]));
    // `allOf` is kept as the document gives it (references resolved).
    let list = spec.find_action("findPets").unwrap();
    assert!(list.input("tags").is_some());
    assert!(list.input("limit").is_some());
}

#[test]
fn openapi_3_1_with_security() {
    let m = Model::import(SCOPES_31).unwrap();
    assert_eq!(m.openapi, Version::V31);
    assert_eq!(m.operations[0].key, "getUsers");
    assert_eq!(m.operations[0].security, ["bearerAuth"]);
    assert_eq!(m.security_schemes["bearerAuth"]["scheme"], "bearer");
}

#[test]
fn every_problem_is_reported_with_its_pointer() {
    let doc = r#"
openapi: 3.0.3
info: {title: Broken}
paths:
  /a/{id}:
    get:
      operationId: same
      responses: {}
    post:
      operationId: same
      requestBody: {$ref: '#/components/requestBodies/Nope'}
      parameters:
        - {name: id, in: path, schema: {type: string}}
"#;
    let problems = Model::import(doc).unwrap_err();
    let pointers: Vec<&str> = problems.0.iter().map(|p| p.pointer.as_str()).collect();
    assert!(pointers.contains(&"/info/version"), "{problems}");
    assert!(
        pointers.contains(&"/paths/~1a~1{id}/post/operationId"),
        "{problems}"
    );
    assert!(
        pointers.contains(&"/paths/~1a~1{id}/post/requestBody/$ref"),
        "{problems}"
    );
    assert!(
        pointers.contains(&"/paths/~1a~1{id}/get/parameters"),
        "{problems}"
    );
    let dup = problems
        .0
        .iter()
        .find(|p| p.message.contains("duplicate"))
        .unwrap();
    assert_eq!(dup.line, Some(10), "{problems}");
}

#[test]
fn bad_documents() {
    for (doc, pointer, says) in [
        (
            "openapi: 4.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
            "/openapi",
            "unknown OpenAPI version",
        ),
        ("swagger: '1.2'\n", "/swagger", "unknown Swagger version"),
        (
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\n",
            "/paths",
            "no `paths`",
        ),
        (
            "openapi: 3.0.0\ninfo: {title: T, version: '1'}\npaths: {}\n",
            "/paths",
            "no `paths`",
        ),
        ("info: {}\n", "", "neither"),
        ("[1, 2]\n", "", "an object"),
    ] {
        let problems = Model::import(doc).unwrap_err();
        assert_eq!(problems.0[0].pointer, pointer, "{doc}: {problems}");
        assert!(problems.0[0].message.contains(says), "{doc}: {problems}");
    }
    let yaml = Model::import("openapi: 3.0.0\ninfo: [unclosed\n").unwrap_err();
    assert!(yaml.0[0].message.starts_with("invalid YAML"), "{yaml}");
    assert!(yaml.0[0].line.is_some() && yaml.0[0].column.is_some());
    let json = Model::import("{\"openapi\": \"3.0.0\",\n  \"info\": }").unwrap_err();
    assert!(json.0[0].message.starts_with("invalid JSON"), "{json}");
    assert_eq!(json.0[0].line, Some(2));
}

#[test]
fn generated_keys_are_stable_and_collisions_numbered() {
    assert_eq!(
        generated_key("GET", "/pets/{petId}/photos"),
        "getPetsByPetIdPhotos"
    );
    assert_eq!(generated_key("POST", "/"), "postRoot");
    assert_eq!(
        generated_key("DELETE", "/user-groups/{group_id}"),
        "deleteUserGroupsByGroupId"
    );
    let doc = r#"
openapi: 3.1.0
info: {title: Keys, version: '2'}
paths:
  /pets:
    get: {responses: {}}
  /pets/:
    get: {responses: {}}
  /x:
    get: {operationId: getPets, responses: {}}
"#;
    let m = Model::import(doc).unwrap();
    let keys: Vec<&str> = m.operations.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["getPets_2", "getPets_3", "getPets"]);
}

#[test]
fn cycles_do_not_stop_the_import() {
    let doc = r##"
openapi: 3.0.0
info: {title: Tree, version: '1'}
paths:
  /nodes:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Node'}
      responses: {}
components:
  schemas:
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
"##;
    let m = Model::import(doc).unwrap();
    let schema = &m.operations[0].body.as_ref().unwrap().content[0].schema;
    assert_eq!(
        schema["properties"]["children"]["items"]["x-plumb-recursive"],
        "#/components/schemas/Node"
    );
}

#[test]
fn parameters_of_every_kind_and_form_bodies_from_2_0() {
    let doc = r##"{
  "swagger": "2.0",
  "info": {"title": "Kinds", "version": "1"},
  "host": "api.example.com", "basePath": "/v2", "schemes": ["https"],
  "parameters": {"Trace": {"name": "X-Trace", "in": "header", "type": "string"}},
  "paths": {
    "/items/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer"}],
      "post": {
        "operationId": "upload",
        "consumes": ["multipart/form-data"],
        "parameters": [
          {"$ref": "#/parameters/Trace"},
          {"name": "id", "in": "query", "type": "string"},
          {"name": "file", "in": "formData", "type": "file", "required": true},
          {"name": "note", "in": "formData", "type": "string"}
        ]
      }
    }
  }
}"##;
    let m = Model::import(doc).unwrap();
    assert_eq!(m.servers[0].url, "https://api.example.com/v2");
    let op = m.operation("upload").unwrap();
    let places: Vec<(&str, Location)> = op
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location))
        .collect();
    assert_eq!(
        places,
        [
            ("id", Location::Path),
            ("X-Trace", Location::Header),
            ("id", Location::Query)
        ]
    );
    let body = op.body.as_ref().unwrap();
    assert_eq!(body.content[0].content_type, "multipart/form-data");
    assert_eq!(
        body.content[0].schema["properties"]["file"]["format"],
        "binary"
    );
    assert_eq!(body.content[0].schema["required"], json!(["file"]));
    let spec = crate::component_spec(&m, Uuid::nil());
    let keys: Vec<String> = spec
        .find_action("upload")
        .unwrap()
        .inputs
        .iter()
        .map(|i| i.key.clone())
        .collect();
    assert_eq!(keys, ["integration", "id", "X-Trace", "query.id", "body"]);
}

#[test]
fn a_large_real_description_imports() {
    let text = include_str!("../tests/data/openapi/box-platform-2024.0.json");
    let m = Model::import(text).unwrap_or_else(|p| panic!("{p}"));
    assert_eq!(m.name, "Box Platform API:2024.0");
    assert!(m.operations.len() >= 290, "{}", m.operations.len());
    let spec = crate::component_spec(&m, Uuid::nil());
    assert_eq!(spec.actions.len(), m.operations.len());
    // Every action's inputs validate as a spec: unique keys, a schema each.
    let catalog_check = plumb_core::component::Component::control(spec.clone()).check();
    assert_eq!(catalog_check, Ok(()));
    for a in &spec.actions {
        assert!(a.inputs_schema()["properties"].is_object(), "{}", a.key);
    }
}
