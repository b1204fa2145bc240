//! Engine integration tests with fake actions.

mod docs;
mod fakes;
mod flows;
mod limits;
mod local;
mod pokemon;
mod scale;
mod secrets;
