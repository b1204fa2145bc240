//! The cost of redacting connection secrets on the hot path: building an execution's
//! [`Redactor`] (one bearer and one basic connection), redacting a typical 2 KB JSON step
//! result with and without a secret in it (each figure includes cloning the value, measured
//! alone as `clone_only`), a log line, and a 64 KiB binary result. CPU time of the benchmark
//! thread (the machine is shared; wall time is noisy).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use plumb_core::action::{Connection, Data};
use plumb_core::expr::ConfigValue;
use plumb_engine::Redactor;
use serde_json::{json, Value};

const TOKEN: &str = "bearer-token-5b1f0c9e7d2a";
const PASSWORD: &str = "basic-password-8e3d";

fn config() -> BTreeMap<String, ConfigValue> {
    let conn = |key: &str, fields: &[(&str, &str)]| {
        ConfigValue::Connection(Connection::new(
            key.into(),
            "http".into(),
            key.into(),
            fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ))
    };
    BTreeMap::from([
        ("api".to_string(), conn("bearer", &[("token", TOKEN)])),
        (
            "login".to_string(),
            conn("basic", &[("username", "alice"), ("password", PASSWORD)]),
        ),
        ("region".to_string(), ConfigValue::Value(json!("eu-west-1"))),
    ])
}

/// A 2 KB API answer: a page of 10 records of a dozen fields each.
fn result(secret: bool) -> Value {
    let records: Vec<Value> = (0..10)
        .map(|i| {
            json!({
                "id": format!("rec-{i:04}"),
                "name": format!("Customer number {i}"),
                "email": format!("customer{i}@example.com"),
                "active": i % 2 == 0,
                "balance": i * 1000 + 17,
                "tags": ["gold", "eu"],
                "address": {"city": "Lyon", "zip": "69001"},
                "updatedAt": "2026-11-26T10:00:00Z",
            })
        })
        .collect();
    let mut v = json!({"data": records, "page": {"next": "cursor-abcdef", "total": 10}});
    if secret {
        v["data"][5]["note"] = json!(format!("echo: Bearer {TOKEN}"));
    }
    v
}

fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_THREAD_CPUTIME_ID is always supported
    // on Linux.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts);
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn cpu(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    mut f: impl FnMut(),
) {
    c.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let start = thread_cpu();
            for _ in 0..iters {
                f();
            }
            thread_cpu() - start
        })
    });
}

fn bench(c: &mut Criterion) {
    let config = config();
    let redactor = Redactor::new(&config, &[]);
    let clean = result(false);
    let dirty = result(true);
    assert!(
        (1900..2300).contains(&clean.to_string().len()),
        "{}",
        clean.to_string().len()
    );
    let mut g = c.benchmark_group("redact_cpu");
    cpu(&mut g, "build_bearer_and_basic", || {
        black_box(Redactor::new(black_box(&config), &[]));
    });
    cpu(&mut g, "json_2kb_clone_only", || {
        black_box(clean.clone());
    });
    cpu(&mut g, "json_2kb_clean", || {
        let mut v = clean.clone();
        let _ = redactor.json(&mut v);
        black_box(v);
    });
    cpu(&mut g, "json_2kb_with_secret", || {
        let mut v = dirty.clone();
        let _ = redactor.json(&mut v);
        black_box(v);
    });
    let line = format!(
        "GET https://api.example.com/v1/customers?page=2 answered 200 in 35 ms ({} bytes)",
        2048
    );
    cpu(&mut g, "log_line", || {
        black_box(redactor.text(black_box(&line)));
    });
    let binary = Data::Binary {
        bytes: (0..64 * 1024).map(|i| (i * 7 % 251) as u8).collect(),
        content_type: "image/png".into(),
    };
    cpu(&mut g, "binary_64k_clean", || {
        let mut d = binary.clone();
        let _ = redactor.data(&mut d);
        black_box(d);
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
