//! Durable writes per second of the file store next to SQLite doing the same writes, and the
//! time to open a store of 100,000 records (with the memory each record takes).
//!
//! Run: `cargo bench -p crossram-store --bench durable -- --warm-up-time 1 --measurement-time 3`
//!
//! - `durable_commits/{file,sqlite}/{1,16}`: one commit = one new record (a key under
//!   `bench/`, a ~150-byte JSON value) that is durable when the call returns. The file store is
//!   `FileStore` on a temporary directory; SQLite is rusqlite with `journal_mode=WAL`,
//!   `synchronous=FULL`, one autocommit `INSERT` per commit, on the same file system. With 16
//!   writers, 16 tokio tasks share the file store and 16 threads share one SQLite connection
//!   behind a mutex (SQLite allows one writer at a time; the mutex avoids its busy-wait sleeps).
//!   Throughput is in commits per second ("elem/s").
//! - `open_100k/{snapshot,log}`: `FileStore::open` of 100,000 records held in a snapshot (the
//!   state after a compaction or a clean shutdown) or in log lines only (after a crash before
//!   any compaction). The heap the open store holds per record (counted by a wrapper around
//!   the system allocator: requested bytes, without the allocator's own overhead of about 8 to
//!   16 bytes per allocation, 2 allocations per record) is printed.

#![allow(
    clippy::expect_used,
    reason = "a benchmark that cannot set up has nothing to measure"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use crossram_store::file::FileOptions;
use crossram_store::{Expect, FileStore, Op, Store};
use serde_json::json;

fn value(n: u64) -> serde_json::Value {
    json!({
        "RoleName": format!("role-{n}"),
        "Arn": format!("acs:ram::11223344:role/role-{n}"),
        "MaxSessionDuration": 3600,
        "Description": "bench record of a typical size",
    })
}

fn durable_commits(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("durable_commits");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.throughput(Throughput::Elements(1));
    for writers in [1u64, 16] {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(FileStore::open(dir.path()).expect("open"));
        let mut next = 0u64;
        group.bench_function(BenchmarkId::new("file", writers), |b| {
            b.iter_custom(|iters| {
                let per = iters.div_ceil(writers);
                let base = next;
                next += per * writers;
                let started = Instant::now();
                rt.block_on(async {
                    let tasks: Vec<_> = (0..writers)
                        .map(|w| {
                            let store = store.clone();
                            tokio::spawn(async move {
                                for i in 0..per {
                                    let n = base + w * per + i;
                                    store
                                        .put(&format!("bench/{n}"), value(n), Expect::Absent)
                                        .await
                                        .expect("put");
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        t.await.expect("task");
                    }
                });
                started.elapsed()
            });
        });
        drop(store);

        let dir = tempfile::tempdir().expect("tempdir");
        let conn = rusqlite::Connection::open(dir.path().join("bench.sqlite")).expect("sqlite");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("wal");
        conn.pragma_update(None, "synchronous", "FULL")
            .expect("sync");
        conn.execute_batch(
            "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, version INTEGER NOT NULL)",
        )
        .expect("table");
        let conn = Arc::new(parking_lot::Mutex::new(conn));
        let mut next = 0u64;
        group.bench_function(BenchmarkId::new("sqlite", writers), |b| {
            b.iter_custom(|iters| {
                let per = iters.div_ceil(writers);
                let base = next;
                next += per * writers;
                let started = Instant::now();
                std::thread::scope(|s| {
                    for w in 0..writers {
                        let conn = conn.clone();
                        s.spawn(move || {
                            for i in 0..per {
                                let n = base + w * per + i;
                                let conn = conn.lock();
                                let mut stmt = conn
                                    .prepare_cached(
                                        "INSERT INTO kv (key, value, version) VALUES (?1, ?2, 1)",
                                    )
                                    .expect("prepare");
                                stmt.execute((format!("bench/{n}"), value(n).to_string()))
                                    .expect("insert");
                            }
                        });
                    }
                });
                started.elapsed()
            });
        });
    }
    group.finish();
}

/// The system allocator, counting the bytes currently allocated.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

#[allow(
    unsafe_code,
    reason = "a global allocator is an unsafe trait; this one only counts"
)]
// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const RECORDS: u64 = 100_000;

/// Fills a store with RECORDS records in commits of 1,000.
fn fill(dir: &std::path::Path, compact: bool) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let opts = FileOptions {
        compact_after_bytes: if compact { 8 << 20 } else { u64::MAX },
    };
    let store = FileStore::open_with(dir, opts).expect("open");
    rt.block_on(async {
        for chunk in 0..RECORDS / 1000 {
            let ops = (chunk * 1000..(chunk + 1) * 1000)
                .map(|n| Op::Put {
                    key: format!("acct/{}/role/role-{n}", 10_000_000 + n % 1000),
                    value: value(n).into(),
                    expect: Expect::Absent,
                })
                .collect();
            store.commit(ops).await.expect("commit");
        }
        if compact {
            store.flush().await.expect("flush");
        }
    });
}

fn open_100k(c: &mut Criterion) {
    let mut group = c.benchmark_group("open_100k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(3));
    for (name, compact) in [("snapshot", true), ("log", false)] {
        let dir = tempfile::tempdir().expect("tempdir");
        fill(dir.path(), compact);
        let before = LIVE.load(Ordering::Relaxed);
        let store = FileStore::open(dir.path()).expect("open");
        let after = LIVE.load(Ordering::Relaxed);
        let report = store.open_report().clone();
        assert_eq!(report.records as u64, RECORDS);
        let bytes: u64 = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(|e| e.ok()?.metadata().ok())
            .map(|m| m.len())
            .sum();
        eprintln!(
            "open_100k/{name}: {} records, {} groups replayed, {:.1} MB on disk, heap held by the \
             open store {:.0} bytes/record",
            report.records,
            report.replayed,
            bytes as f64 / 1e6,
            after.saturating_sub(before) as f64 / RECORDS as f64
        );
        drop(store);
        group.bench_function(name, |b| {
            b.iter(|| drop(FileStore::open(dir.path()).expect("open")));
        });
    }
    group.finish();
}

criterion_group!(benches, durable_commits, open_100k);
criterion_main!(benches);
