//! Fuzz target `graphql`: the GraphQL entry of the API. Any text (then, after a NUL byte, any
//! variables JSON) goes through the parser, plumb's request limits, validation and execution
//! (without a caller, so every resolver refuses): an answer with errors, never a panic, within
//! the limits.
#![no_main]

use std::sync::OnceLock;

use async_graphql::{EmptySubscription, Request, Schema, Variables};
use plumb_api::graphql::limits::LimitsExtension;
use plumb_api::graphql::{GraphqlLimits, Mutation, PlumbSchema, Query};

fn schema() -> &'static PlumbSchema {
    static SCHEMA: OnceLock<PlumbSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let limits = GraphqlLimits::default();
        Schema::build(Query::default(), Mutation::default(), EmptySubscription)
            .limit_recursive_depth(limits.depth.saturating_mul(2).max(32))
            .extension(LimitsExtension(limits))
            .finish()
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (query, variables) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Ok(query) = std::str::from_utf8(query) else {
        return;
    };
    let mut request = Request::new(query);
    if let Some(v) = variables.and_then(|v| serde_json::from_slice(v).ok()) {
        request = request.variables(Variables::from_json(v));
    }
    let response = futures::executor::block_on(schema().execute(request));
    let _ = serde_json::to_vec(&response);
});
