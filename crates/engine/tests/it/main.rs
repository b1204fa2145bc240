//! Engine integration tests with fake actions.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod docs;
mod fakes;
mod flows;
mod limits;
mod local;
mod pokemon;
mod scale;
mod secrets;
