//! The crash test: a child process (this test binary run again with `CROSSRAM_STORE_CHILD`
//! set) commits numbered batches from several concurrent writers and prints each acknowledged
//! one; the parent kills it with SIGKILL at a random moment, reopens the store and checks that
//! every acknowledged batch is there, whole, and nothing beyond the in-flight ones; 30 times
//! over on the same directory, with compaction running often.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a failing unwrap is a failing assertion in a test"
)]

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crossram_store::file::{FileOptions, SNAPSHOT_FILE};
use crossram_store::{Expect, FileStore, Op, Store};
use serde_json::json;

const CHILD_ENV: &str = "CROSSRAM_STORE_CHILD";
const DIR_ENV: &str = "CROSSRAM_STORE_DIR";
const WRITERS: u64 = 8;
const ROUNDS: u32 = 30;
/// Each writer keeps its last `KEEP` batches' keys; older ones are deleted.
const KEEP: u64 = 5;

fn options() -> FileOptions {
    // Compact often so that kills also land in the middle of snapshot writes.
    FileOptions {
        compact_after_bytes: 16 * 1024,
    }
}

/// The value written for batch `n` of writer `i` (its size varies with `n`). Writer 0 writes
/// values of about 64 KiB, whose log lines span many pages, so that a kill can land in the
/// middle of one write and leave a torn final line.
fn value(i: u64, n: u64) -> serde_json::Value {
    let len = (n * 7919 + i * 104_729) % 300 + if i == 0 { 64 * 1024 } else { 0 };
    json!({"i": i, "n": n, "pad": "p".repeat(len as usize)})
}

/// The child: commits batches until killed.
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var(CHILD_ENV) else {
        return;
    };
    assert_eq!(role, "crash-writer");
    let dir = std::env::var(DIR_ENV).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = std::sync::Arc::new(FileStore::open_with(&dir, options()).unwrap());
        println!("READY");
        // Read where each writer stands before any of them starts.
        let mut starts = Vec::new();
        for i in 0..WRITERS {
            let last = store.get(&format!("w/{i}/last")).await.unwrap();
            starts.push(last.map_or(0, |r| r.value.as_u64().unwrap() + 1));
        }
        for (i, start) in (0..WRITERS).zip(starts) {
            let store = store.clone();
            tokio::spawn(async move {
                let mut n = start;
                loop {
                    // One batch: the new record, the writer's counter, and the deletion of an
                    // old record; every precondition strict, so a lost or invented batch
                    // would make the next one fail.
                    let mut ops = vec![
                        Op::Put {
                            key: format!("w/{i}/{n}"),
                            value: value(i, n).into(),
                            expect: Expect::Absent,
                        },
                        Op::Put {
                            key: format!("w/{i}/last"),
                            value: json!(n).into(),
                            expect: if n == 0 {
                                Expect::Absent
                            } else {
                                Expect::Version(n)
                            },
                        },
                    ];
                    if n >= KEEP {
                        ops.push(Op::Delete {
                            key: format!("w/{i}/{}", n - KEEP),
                            expect: Expect::Version(1),
                        });
                    }
                    if let Err(e) = store.commit(ops).await {
                        // End the process, so the parent sees the failure.
                        eprintln!("writer {i} batch {n}: {e}");
                        std::process::exit(3);
                    }
                    println!("ACK {i} {n}");
                    n += 1;
                }
            });
        }
        std::future::pending::<()>().await;
    });
}

/// A small xorshift generator; the seed is printed so a failing run can be replayed with
/// `CROSSRAM_CRASH_SEED`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn every_acknowledged_write_survives_sigkill() {
    let seed = std::env::var("CROSSRAM_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        })
        | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The highest batch of each writer that the store holds (None: none yet).
    let mut held: Vec<Option<u64>> = vec![None; WRITERS as usize];
    let (mut total_acks, mut torn_rounds, mut snapshot_rounds) = (0usize, 0, 0);
    let started = Instant::now();
    for round in 0..ROUNDS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_process_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, "crash-writer")
            .env(DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            let mut out = BufReader::new(stdout);
            let mut line = String::new();
            while out.read_line(&mut line).unwrap_or(0) > 0 {
                // A line cut short by the kill was not acknowledged.
                if let Some(l) = line.strip_suffix('\n') {
                    if l.ends_with("READY") {
                        let _ = ready_tx.send(());
                    } else if let Some(rest) = l.strip_prefix("ACK ") {
                        let (i, n) = rest.split_once(' ').unwrap();
                        acks.push((i.parse::<u64>().unwrap(), n.parse::<u64>().unwrap()));
                    }
                }
                line.clear();
            }
            acks
        });
        if rng.below(6) == 0 {
            // Now and then kill it while it opens (replay, cutting a torn tail, compaction).
            std::thread::sleep(Duration::from_millis(rng.below(40)));
        } else {
            ready_rx
                .recv_timeout(Duration::from_secs(10))
                .expect("child opened the store");
            std::thread::sleep(Duration::from_millis(rng.below(400)));
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the child died by itself"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acks = reader.join().unwrap();
        total_acks += acks.len();

        // Each writer's acknowledged batches continue where the store was, without gaps.
        let mut acked: Vec<Option<u64>> = held.clone();
        for (i, n) in &acks {
            let slot = &mut acked[*i as usize];
            assert_eq!(
                n.checked_sub(1),
                *slot,
                "round {round}: writer {i} acked {n} out of order"
            );
            *slot = Some(*n);
        }

        let store = FileStore::open_with(dir.path(), options())
            .unwrap_or_else(|e| panic!("round {round}: the store does not open: {e}"));
        if store.open_report().torn_tail_bytes > 0 {
            torn_rounds += 1;
        }
        if dir.path().join(SNAPSHOT_FILE).exists() {
            snapshot_rounds += 1;
        }
        rt.block_on(async {
            for i in 0..WRITERS {
                let last = store.get(&format!("w/{i}/last")).await.unwrap();
                let m = last.as_ref().map(|r| r.value.as_u64().unwrap());
                let a = acked[i as usize];
                // Nothing acknowledged is lost ...
                assert!(
                    m >= a,
                    "round {round}: writer {i} acked {a:?}, the store holds {m:?}"
                );
                // ... and nothing is there beyond the one batch that may have been in flight.
                let limit = a.map_or(0, |a| a + 1);
                assert!(
                    m.is_none_or(|m| m <= limit),
                    "round {round}: writer {i}: {m:?} > {limit}"
                );
                let Some(m) = m else { continue };
                assert_eq!(last.unwrap().version, m + 1, "round {round}: writer {i}");
                // Every batch is whole: exactly the last KEEP records, each as written.
                let records = store.list(&format!("w/{i}/")).await.unwrap();
                let keys: BTreeSet<String> = records.iter().map(|r| r.key.clone()).collect();
                let mut want: BTreeSet<String> = (m.saturating_sub(KEEP - 1)..=m)
                    .map(|k| format!("w/{i}/{k}"))
                    .collect();
                want.insert(format!("w/{i}/last"));
                assert_eq!(keys, want, "round {round}: writer {i}");
                for r in records.iter().filter(|r| !r.key.ends_with("/last")) {
                    let k: u64 = r.key.rsplit('/').next().unwrap().parse().unwrap();
                    assert_eq!((&r.value, r.version), (&value(i, k), 1), "{}", r.key);
                }
                held[i as usize] = Some(m);
            }
        });
    }
    eprintln!(
        "crash test: {ROUNDS} kills, {total_acks} acknowledged batches checked, {torn_rounds} \
         torn tails cut, snapshot present after {snapshot_rounds} rounds, {:?}",
        started.elapsed()
    );
    assert!(
        total_acks >= 100,
        "too few writes to mean anything: {total_acks}"
    );
    assert!(snapshot_rounds > 0, "compaction never ran");
}
