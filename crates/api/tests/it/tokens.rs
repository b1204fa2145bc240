//! API tokens through GraphQL.

use plumb_store::tokens::Role;
use serde_json::json;

use crate::{error_code, Server};

#[tokio::test]
async fn admin_manages_tokens_others_cannot() {
    for s in Server::all().await {
        let made = s
            .gql(
                "mutation { createApiToken(input: {name: \"ci\", roles: [\"designer\", \"bogus\"]}) { token errors { field messages } } }",
                json!({}),
            )
            .await;
        assert_eq!(
            made["data"]["createApiToken"]["errors"][0]["field"],
            "roles"
        );
        assert_eq!(made["data"]["createApiToken"]["token"], json!(null));
        let list = s
            .gql(
                "{ apiTokens { totalCount nodes { name roles } } }",
                json!({}),
            )
            .await;
        assert_eq!(list["data"]["apiTokens"]["totalCount"], 1);
        // Secrets are never listed.
        assert!(!list.to_string().contains(&s.token));

        let designer = s.token(&[Role::Designer], None).await;
        let denied = s
            .gql_as(&designer, "{ apiTokens { totalCount } }", json!({}))
            .await;
        assert_eq!(error_code(&denied), "FORBIDDEN");
    }
}
