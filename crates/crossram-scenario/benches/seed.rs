//! The whole seed playbook on the in-process target: start an emulator, play every step
//! (including two console logons with argon2 password checks), judge, clean up.
//! Target: under 200 ms per run.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark set-up")]

use criterion::{Criterion, criterion_group, criterion_main};
use crossram_scenario::inprocess::{InProcess, InProcessConfig};
use crossram_scenario::{Playbook, builtin, runner};

fn seed(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let playbook = Playbook::parse("seed", builtin::SEED).unwrap();
    c.bench_function("seed playbook in-process", |b| {
        b.iter(|| {
            rt.block_on(async {
                let target = InProcess::start().await.unwrap();
                let report = runner::run(&playbook, &target, &mut runner::Quiet)
                    .await
                    .unwrap();
                assert!(report.passed);
            });
        });
    });
    // The same with the password hashing cost of `crossram serve` (argon2id, 19 MiB): the two
    // console logons then dominate.
    let config = InProcessConfig {
        password_hash_memory_kib: 19 * 1024,
    };
    c.bench_function("seed playbook in-process, server argon2 cost", |b| {
        b.iter(|| {
            rt.block_on(async {
                let target = InProcess::start_with(config.clone()).await.unwrap();
                let report = runner::run(&playbook, &target, &mut runner::Quiet)
                    .await
                    .unwrap();
                assert!(report.passed);
            });
        });
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = seed
}
criterion_main!(benches);
