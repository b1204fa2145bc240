//! Nothing in the build or the tests reads outside the repository: every relative path
//! literal under `crates/` and `scripts/` that climbs (`../`) names a file or directory inside
//! the repository that exists (resolved from the file's directory or its crate's directory, as
//! `include_str!` and `env!("CARGO_MANIFEST_DIR")` do), and nothing names a machine's own
//! folders (`/work/`, `shared/testdata`, a home directory). The test data the suites need is
//! in the repository, with its licence beside it (the AWS SigV4 vectors, Apache-2.0).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::{Component, Path, PathBuf};

fn repo() -> PathBuf {
    std::fs::canonicalize(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")).unwrap()
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name == "target" || name == "node_modules" || name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            files(&path, out);
        } else if ["rs", "sh", "toml", "yaml", "yml", "json"]
            .iter()
            .any(|e| name.ends_with(&format!(".{e}")))
            || path.parent().is_some_and(|p| p.ends_with("scripts"))
        {
            out.push(path);
        }
    }
}

/// `base` joined with `rel`, `..` resolved lexically.
fn normalize(base: &Path, rel: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel.trim_start_matches('/')).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The nearest directory at or above `dir` holding a Cargo.toml (inside the repository).
fn crate_dir(dir: &Path, repo: &Path) -> PathBuf {
    let mut d = dir.to_path_buf();
    while d.starts_with(repo) {
        if d.join("Cargo.toml").exists() {
            return d;
        }
        if !d.pop() {
            break;
        }
    }
    repo.to_path_buf()
}

/// The string literals of a line that start by climbing (`../` or `/../`), except values in
/// `json!(...)` (path-traversal inputs of tests, not files).
fn climbing_literals(line: &str) -> Vec<String> {
    if line.contains("json!(\"") {
        return Vec::new();
    }
    line.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            let t = s.trim_start_matches('/');
            t.starts_with("../") && t.trim_start_matches("../").chars().any(char::is_alphabetic)
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn nothing_reads_outside_the_repository() {
    let repo = repo();
    let mut all = Vec::new();
    files(&repo.join("crates"), &mut all);
    files(&repo.join("scripts"), &mut all);
    assert!(all.len() > 50, "{} files", all.len());
    let me = Path::new(file!()).file_name().unwrap().to_owned();
    let mut problems = Vec::new();
    for file in &all {
        if file.file_name() == Some(&me) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        let dir = file.parent().unwrap();
        let krate = crate_dir(dir, &repo);
        for (n, line) in text.lines().enumerate() {
            let at = || format!("{}:{}", file.strip_prefix(&repo).unwrap().display(), n + 1);
            for needle in ["shared/testdata", "/work/", "/root/", "/home/"] {
                if line.contains(needle) {
                    problems.push(format!("{}: names {needle:?}: {}", at(), line.trim()));
                }
            }
            for lit in climbing_literals(line) {
                let candidates = [normalize(dir, &lit), normalize(&krate, &lit)];
                let inside = candidates
                    .iter()
                    .find(|p| p.starts_with(&repo) && p.exists());
                if inside.is_none() {
                    problems.push(format!(
                        "{}: {lit:?} is not a path inside the repository",
                        at()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_sigv4_vectors_are_in_the_repository_with_their_notice() {
    let data = repo().join("crates/auth/tests/data/aws-sigv4");
    let notice = std::fs::read_to_string(data.join("NOTICE.md")).unwrap();
    assert!(notice.contains("Apache"), "{notice}");
    let cases = std::fs::read_dir(&data)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().is_dir())
        .count();
    assert!(cases > 20, "{cases} SigV4 cases");
}
