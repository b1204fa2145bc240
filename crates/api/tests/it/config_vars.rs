//! Organization and customer config variables through GraphQL.

use serde_json::json;

use crate::{error_code, Server};

const SET_ORG: &str = "mutation($input: SetOrganizationConfigVariableInput!) {
    setOrganizationConfigVariable(input: $input) {
      organizationConfigVariable { id key value dataType } errors { field messages } } }";
const CREATE_CUSTOMER_VAR: &str = "mutation($input: CreateCustomerConfigVariableInput!) {
    createCustomerConfigVariable(input: $input) {
      customerConfigVariable { id key value dataType customer { name } } errors { field messages } } }";

#[tokio::test]
async fn org_config_vars_typed() {
    for s in Server::all().await {
        let ok = s
            .gql(
                SET_ORG,
                json!({ "input": { "key": "pokemonAvatarS3BucketName", "value": "avatars" } }),
            )
            .await;
        let v = &ok["data"]["setOrganizationConfigVariable"]["organizationConfigVariable"];
        assert_eq!(v["dataType"], "string");
        assert_eq!(v["value"], "avatars");
        let id = v["id"].as_str().unwrap().to_string();

        for (value, data_type, field) in [
            ("seven", "number", "value"),
            ("yes", "boolean", "value"),
            ("2026-02-30", "date", "value"),
            ("soon", "timestamp", "value"),
            ("every day", "schedule", "value"),
            ("x", "mystery", "dataType"),
            ("x", "connection", "dataType"),
        ] {
            let bad = s
                .gql(
                    SET_ORG,
                    json!({ "input": { "key": "n", "value": value, "dataType": data_type } }),
                )
                .await;
            let p = &bad["data"]["setOrganizationConfigVariable"];
            assert_eq!(
                p["organizationConfigVariable"],
                json!(null),
                "{value} {data_type}"
            );
            assert_eq!(p["errors"][0]["field"], field, "{value} {data_type}: {p}");
        }
        for (value, data_type) in [
            ("42.5", "number"),
            ("true", "boolean"),
            ("*/5 * * * *", "schedule"),
        ] {
            let good = s
                .gql(SET_ORG, json!({ "input": { "key": format!("k-{data_type}"), "value": value, "dataType": data_type } }))
                .await;
            assert_eq!(
                good["data"]["setOrganizationConfigVariable"]["errors"],
                json!([])
            );
        }
        let list = s
            .gql(
                "{ organizationConfigVariables { totalCount nodes { key } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            list["data"]["organizationConfigVariables"]["totalCount"], 4,
            "{}",
            s.db.label
        );

        let del = s
            .gql(
                "mutation($id: ID!) { deleteOrganizationConfigVariable(input: {id: $id}) { organizationConfigVariable { key } errors { field } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            del["data"]["deleteOrganizationConfigVariable"]["organizationConfigVariable"]["key"],
            "pokemonAvatarS3BucketName"
        );
        let again = s
            .gql(
                "mutation($id: ID!) { deleteOrganizationConfigVariable(input: {id: $id}) { organizationConfigVariable { key } errors { field } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(
            again["data"]["deleteOrganizationConfigVariable"]["errors"][0]["field"],
            "id"
        );
    }
}

#[tokio::test]
async fn customer_config_vars() {
    for s in Server::all().await {
        let c = s
            .gql(
                "mutation { createCustomer(input: {name: \"FTL Rockets\"}) { customer { id } } }",
                json!({}),
            )
            .await;
        let cid = c["data"]["createCustomer"]["customer"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let created = s
            .gql(
                CREATE_CUSTOMER_VAR,
                json!({ "input": { "customer": cid, "key": "pokemonAvatar", "value": "onix" } }),
            )
            .await;
        let v = &created["data"]["createCustomerConfigVariable"]["customerConfigVariable"];
        assert_eq!(v["customer"]["name"], "FTL Rockets");
        let vid = v["id"].as_str().unwrap().to_string();

        let dup = s
            .gql(
                CREATE_CUSTOMER_VAR,
                json!({ "input": { "customer": cid, "key": "pokemonAvatar", "value": "x" } }),
            )
            .await;
        assert_eq!(
            dup["data"]["createCustomerConfigVariable"]["errors"][0]["field"],
            "key"
        );
        let bad_type = s
            .gql(
                CREATE_CUSTOMER_VAR,
                json!({ "input": { "customer": cid, "key": "n", "value": "x", "dataType": "number" } }),
            )
            .await;
        assert_eq!(
            bad_type["data"]["createCustomerConfigVariable"]["errors"][0]["field"],
            "value"
        );
        let bad_customer = s
            .gql(
                CREATE_CUSTOMER_VAR,
                json!({ "input": { "customer": plumb_core::id::encode("Customer", uuid::Uuid::new_v4()), "key": "k", "value": "v" } }),
            )
            .await;
        assert_eq!(
            bad_customer["data"]["createCustomerConfigVariable"]["errors"][0]["field"],
            "customer"
        );

        let up = s
            .gql(
                "mutation($id: ID!) { updateCustomerConfigVariable(input: {id: $id, value: \"pikachu\"}) { customerConfigVariable { value } errors { field } } }",
                json!({ "id": vid }),
            )
            .await;
        assert_eq!(
            up["data"]["updateCustomerConfigVariable"]["customerConfigVariable"]["value"],
            "pikachu"
        );
        let list = s
            .gql(
                "query($c: ID) { customerConfigVariables(customer: $c) { totalCount nodes { key value } } }",
                json!({ "c": cid }),
            )
            .await;
        assert_eq!(
            list["data"]["customerConfigVariables"]["nodes"],
            json!([{ "key": "pokemonAvatar", "value": "pikachu" }])
        );
        let foreign = s
            .gql(
                "query($c: ID) { customerConfigVariables(customer: $c) { totalCount } }",
                json!({ "c": plumb_core::id::encode("Customer", uuid::Uuid::new_v4()) }),
            )
            .await;
        assert_eq!(error_code(&foreign), "NOT_FOUND");
        let del = s
            .gql(
                "mutation($id: ID!) { deleteCustomerConfigVariable(input: {id: $id}) { customerConfigVariable { key } errors { field } } }",
                json!({ "id": vid }),
            )
            .await;
        assert_eq!(
            del["data"]["deleteCustomerConfigVariable"]["customerConfigVariable"]["key"],
            "pokemonAvatar"
        );
    }
}
