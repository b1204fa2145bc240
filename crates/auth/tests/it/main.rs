//! Integration tests of plumb-auth against real servers on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod dynamic_key;
mod lease;
mod lifecycle;
mod oauth2_mock;
mod proxy;
mod s3;
mod salesforce;
mod schemes;
mod sigv4_suite;
mod support;
mod tls;
