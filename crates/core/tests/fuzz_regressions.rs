//! Replays every input the fuzzers found (`tests/data/fuzz/<target>/`, kept by `scripts/fuzz`)
//! and the seed inputs through the fuzz targets' checks: a crash found once stays fixed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[path = "fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fuzz")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|f| f == "README.md") {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        eprintln!("{target}: {}", path.display());
        check(&data);
        n += 1;
    }
    n
}

#[test]
fn definition_inputs() {
    assert!(replay("definition", checks::definition) > 0);
    // The examples and Prismatic's exports are the definition fuzzer's seed corpus too.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut seen = 0;
    for dir in ["examples", "crates/runtime/tests/fixtures"] {
        for path in yaml_files(&root.join(dir)) {
            checks::definition(&std::fs::read(&path).unwrap());
            seen += 1;
        }
    }
    assert!(seen > 0, "no seed definitions found");
}

fn yaml_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = vec![];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(yaml_files(&path));
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    out
}

#[test]
fn expression_inputs() {
    assert!(replay("expressions", checks::expressions) > 0);
}

#[test]
fn global_id_inputs() {
    assert!(replay("global_ids", checks::global_ids) > 0);
}
