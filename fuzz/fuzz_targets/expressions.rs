//! Fuzz target `expressions`: see `crates/core/tests/fuzz/checks.rs` for the property it checks.
#![no_main]

#[path = "../../crates/core/tests/fuzz/checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::expressions(data));
