//! Engine integration tests with fake actions.

mod fakes;
mod flows;
mod limits;
mod local;
