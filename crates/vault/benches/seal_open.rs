//! Cost of sealing and opening one ~64-byte secret (one connection input value).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use plumb_vault::{new_data_key, open, seal, unwrap_data_key, MasterKey, SealContext};

fn seal_open(c: &mut Criterion) {
    let master = MasterKey::from_bytes(&[42u8; 32]);
    let org = "5f0c7f3e-8a4b-4f7e-9a51-0c2d7a1b9e10";
    let Ok((key, wrapped)) = new_data_key(&master, org, 1) else {
        return;
    };
    let ctx = SealContext::new(org, "9d1e4c7a-2b3f-4a5e-8c6d-7e8f9a0b1c2d", "clientSecret");
    let secret = [b'x'; 64];

    c.bench_function("seal+open 64 B", |b| {
        b.iter(|| {
            let Ok(sealed) = seal(&key, &ctx, black_box(&secret)) else {
                return false;
            };
            let opened = open(&key, &ctx, black_box(&sealed));
            black_box(opened.is_ok())
        })
    });

    c.bench_function("unwrap data key", |b| {
        b.iter(|| black_box(unwrap_data_key(&master, org, black_box(&wrapped)).is_ok()))
    });
}

criterion_group!(benches, seal_open);
criterion_main!(benches);
