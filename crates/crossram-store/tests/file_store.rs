//! Behaviour of the file adapter that the conformance suite cannot see: durability across
//! reopen, damage reporting, torn tails, format versions, directory ownership across processes,
//! IO errors (a file-size limit standing in for a full disk), export and import.
//!
//! Child processes are this test binary run again with `CROSSRAM_STORE_CHILD` set: the test
//! [`child_process_entry`] then plays the role it names.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a failing unwrap is a failing assertion in a test"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use crossram_store::file::{FileOptions, LOG_FILE, SNAPSHOT_FILE};
use crossram_store::{ErrorKind, Expect, FileStore, Op, Store};
use serde_json::json;

const CHILD_ENV: &str = "CROSSRAM_STORE_CHILD";
const DIR_ENV: &str = "CROSSRAM_STORE_DIR";

/// Entry point of the child roles; does nothing in a normal test run.
#[test]
fn child_process_entry() {
    let Ok(role) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = std::env::var(DIR_ENV).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    match role.as_str() {
        "hold" => {
            let _store = FileStore::open(&dir).unwrap();
            println!("READY");
            // Hold the store until the parent kills us.
            std::thread::sleep(std::time::Duration::from_secs(60));
        }
        "fill" => rt.block_on(fill_child(&dir)),
        other => panic!("unknown child role {other}"),
    }
}

fn child(role: &str, dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "child_process_entry",
        "--nocapture",
        "--test-threads=1",
    ])
    .env(CHILD_ENV, role)
    .env(DIR_ENV, dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit());
    cmd
}

async fn put(s: &FileStore, key: &str, v: serde_json::Value) -> u64 {
    s.put(key, v, Expect::Any).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_survive_reopen_with_versions() {
    let dir = tempfile::tempdir().unwrap();
    {
        let s = FileStore::open(dir.path()).unwrap();
        put(&s, "a/1", json!({"x": 1})).await;
        put(&s, "a/1", json!({"x": 2})).await;
        put(&s, "a/2", json!(null)).await;
        s.commit(vec![
            Op::Delete {
                key: "a/2".into(),
                expect: Expect::Version(1),
            },
            Op::Put {
                key: "a/3".into(),
                value: json!([1, 2]).into(),
                expect: Expect::Absent,
            },
        ])
        .await
        .unwrap();
        s.flush().await.unwrap();
    }
    let s = FileStore::open(dir.path()).unwrap();
    let report = s.open_report().clone();
    assert!(!report.created);
    assert_eq!(
        (report.records, report.seq, report.torn_tail_bytes),
        (2, 4, 0)
    );
    let r = s.get("a/1").await.unwrap().unwrap();
    assert_eq!((r.value, r.version), (json!({"x": 2}), 2));
    assert_eq!(s.get("a/2").await.unwrap(), None);
    assert_eq!(s.get("a/3").await.unwrap().unwrap().value, json!([1, 2]));
    // The log is readable by a person: JSON lines with a versioned header.
    let log = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
    let first: serde_json::Value = serde_json::from_str(log.lines().next().unwrap()).unwrap();
    assert_eq!(first["format"], "crossram-store");
    assert_eq!(first["version"], 1);
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compaction_writes_a_snapshot_and_reopen_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let opts = FileOptions {
        compact_after_bytes: 4096,
    };
    {
        let s = FileStore::open_with(dir.path(), opts.clone()).unwrap();
        for i in 0..300u64 {
            put(
                &s,
                &format!("k/{}", i % 50),
                json!({"i": i, "pad": "x".repeat(40)}),
            )
            .await;
        }
    }
    let snap = std::fs::read_to_string(dir.path().join(SNAPSHOT_FILE)).unwrap();
    assert!(snap.starts_with("{\"format\":\"crossram-store\",\"version\":1,\"file\":\"snapshot\""));
    assert!(std::fs::metadata(dir.path().join(LOG_FILE)).unwrap().len() < 8192);
    let s = FileStore::open_with(dir.path(), opts).unwrap();
    assert_eq!(s.open_report().records, 50);
    assert_eq!(s.open_report().seq, 300);
    let r = s.get("k/49").await.unwrap().unwrap();
    assert_eq!((r.value["i"].as_u64(), r.version), (Some(299), 6));
}

#[test]
fn second_open_in_the_same_process_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let first = FileStore::open(dir.path()).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Locked);
    let msg = e.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(
        msg.contains(&format!("process {}", std::process::id())),
        "{msg}"
    );
    drop(first);
    FileStore::open(dir.path()).unwrap();
}

#[test]
fn a_directory_owned_by_another_process_is_locked_until_it_dies() {
    let dir = tempfile::tempdir().unwrap();
    let mut holder = child("hold", dir.path()).spawn().unwrap();
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("READY") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "child ended early");
    }
    let started = std::time::Instant::now();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "fails at once"
    );
    assert_eq!(e.kind(), ErrorKind::Locked);
    let msg = e.to_string();
    assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
    assert!(msg.contains(&format!("process {}", holder.id())), "{msg}");
    // SIGKILL: the kernel releases the lock with the process.
    holder.kill().unwrap();
    holder.wait().unwrap();
    FileStore::open(dir.path()).unwrap();
}

/// Writes a store with a few groups and returns the log text.
fn small_store(dir: &Path) -> String {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = FileStore::open(dir).unwrap();
        for i in 0..5 {
            put(&s, &format!("k/{i}"), json!({"i": i})).await;
        }
    });
    std::fs::read_to_string(dir.join(LOG_FILE)).unwrap()
}

#[test]
fn a_damaged_line_followed_by_more_is_corrupt_with_file_line_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = small_store(dir.path());
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 6);
    // Flip one digit in line 3 (the second group).
    let damaged = log.replacen("{\"i\":1}", "{\"i\":7}", 1);
    std::fs::write(dir.path().join(LOG_FILE), &damaged).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.line(), Some(3));
    let offset = (lines[0].len() + lines[1].len() + 2) as u64;
    assert_eq!(e.offset(), Some(offset));
    let msg = e.to_string();
    assert!(
        msg.contains(&dir.path().join(LOG_FILE).display().to_string()),
        "{msg}"
    );
    assert!(
        msg.contains("line 3") && msg.contains(&format!("byte offset {offset}")),
        "{msg}"
    );
    assert!(msg.contains("checksum mismatch"), "{msg}");
    // Nothing was "repaired": the file is as it was.
    assert_eq!(
        std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap(),
        damaged
    );
}

#[test]
fn invalid_json_with_a_valid_checksum_is_corrupt_even_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = small_store(dir.path());
    let mut line = b"{\"seq\":6,\"commits\":[[{\"put\":\"k/9\"}]]".to_vec();
    // Seal by hand: same rule as the store (CRC-32 of the body, 8 lowercase hex digits).
    let crc = crc32(&line);
    line.extend_from_slice(format!(",\"crc\":\"{crc:08x}\"}}\n").as_bytes());
    log.push_str(std::str::from_utf8(&line).unwrap());
    std::fs::write(dir.path().join(LOG_FILE), &log).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.line(), Some(7));
}

#[test]
fn a_sequence_gap_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let log = small_store(dir.path());
    let mut lines: Vec<&str> = log.lines().collect();
    lines.remove(2);
    std::fs::write(dir.path().join(LOG_FILE), lines.join("\n") + "\n").unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert_eq!(e.line(), Some(3));
    assert!(e.to_string().contains("group 3 follows group 1"), "{e}");
}

#[test]
fn a_torn_final_line_is_cut_off_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let log = small_store(dir.path());
    let full_len = log.len();
    let last_len = log.lines().last().unwrap().len() + 1;
    // Unterminated tail: the last group half written.
    std::fs::write(dir.path().join(LOG_FILE), &log[..full_len - last_len / 2]).unwrap();
    {
        let s = FileStore::open(dir.path()).unwrap();
        assert_eq!(
            s.open_report().torn_tail_bytes,
            (last_len - last_len / 2) as u64
        );
        assert_eq!(s.open_report().records, 4);
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap(),
        log[..full_len - last_len]
    );
    // A complete final line with garbage in it (a power cut zero-filled it) is torn too.
    let mut zeroed = log[..full_len - last_len].to_string();
    zeroed.push_str(&"\0".repeat(40));
    zeroed.push('\n');
    std::fs::write(dir.path().join(LOG_FILE), &zeroed).unwrap();
    let s = FileStore::open(dir.path()).unwrap();
    assert_eq!(s.open_report().torn_tail_bytes, 41);
    assert_eq!(s.open_report().records, 4);
}

#[test]
fn an_unknown_format_version_is_unsupported_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = small_store(dir.path());
    let newer = log.replacen("\"version\":1", "\"version\":2", 1);
    std::fs::write(dir.path().join(LOG_FILE), &newer).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    let msg = e.to_string();
    assert!(
        msg.contains(&dir.path().join(LOG_FILE).display().to_string()),
        "{msg}"
    );
    assert!(msg.contains("version 2") && msg.contains("line 1"), "{msg}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap(),
        newer
    );
}

#[test]
fn a_damaged_snapshot_is_corrupt_and_a_missing_log_too() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = FileStore::open_with(
            dir.path(),
            FileOptions {
                compact_after_bytes: 1,
            },
        )
        .unwrap();
        for i in 0..3 {
            put(&s, &format!("k/{i}"), json!(i)).await;
        }
    });
    let snap_path = dir.path().join(SNAPSHOT_FILE);
    let snap = std::fs::read_to_string(&snap_path).unwrap();
    assert_eq!(snap.lines().count(), 5);
    // Truncated: the end line is missing.
    let cut: String = snap.lines().take(4).map(|l| format!("{l}\n")).collect();
    std::fs::write(&snap_path, &cut).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(
        e.to_string().contains(SNAPSHOT_FILE) && e.line() == Some(5),
        "{e}"
    );
    // A changed record.
    std::fs::write(&snap_path, snap.replacen("\"val\":1", "\"val\":5", 1)).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!((e.kind(), e.line()), (ErrorKind::Corrupt, Some(3)));
    // Intact snapshot, log gone.
    std::fs::write(&snap_path, &snap).unwrap();
    std::fs::remove_file(dir.path().join(LOG_FILE)).unwrap();
    let e = FileStore::open(dir.path()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(e.to_string().contains("missing"), "{e}");
}

#[test]
fn leftover_temporary_files_are_ignored_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    small_store(dir.path());
    std::fs::write(dir.path().join("snapshot.jsonl.tmp"), "half a snapsh").unwrap();
    let s = FileStore::open(dir.path()).unwrap();
    assert_eq!(s.open_report().records, 5);
    assert!(!dir.path().join("snapshot.jsonl.tmp").exists());
}

#[test]
fn a_file_where_the_directory_should_be_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let e = FileStore::open(&file).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("not-a-dir") && e.to_string().contains("not a directory"));
    let e = FileStore::open(file.join("below")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("below"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_import_round_trip_and_a_bad_import_changes_nothing() {
    let src_dir = tempfile::tempdir().unwrap();
    let dst_dir = tempfile::tempdir().unwrap();
    let src = FileStore::open(src_dir.path()).unwrap();
    for i in 0..20 {
        put(
            &src,
            &format!("acct/{i}/role/r"),
            json!({"n": i, "s": "é\n"}),
        )
        .await;
    }
    put(&src, "acct/3/role/r", json!("changed")).await;
    let mut exported = Vec::new();
    src.export(&mut exported).unwrap();
    let text = String::from_utf8(exported.clone()).unwrap();
    assert_eq!(text.lines().count(), 22, "header, 20 records, end");

    let dst = FileStore::open(dst_dir.path()).unwrap();
    put(&dst, "old/key", json!(1)).await;
    assert_eq!(dst.import(&mut exported.as_slice()).unwrap(), 20);
    assert_eq!(dst.get("old/key").await.unwrap(), None, "import replaces");
    assert_eq!(dst.list("").await.unwrap(), src.list("").await.unwrap());
    assert_eq!(dst.get("acct/3/role/r").await.unwrap().unwrap().version, 2);
    // Writes go on after an import, and all of it survives a reopen.
    put(&dst, "after/import", json!(true)).await;
    let bad = text.replacen("\"n\":5", "\"n\":6", 1);
    let e = dst.import(&mut bad.as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(e.line().is_some());
    drop(dst);
    let dst = FileStore::open(dst_dir.path()).unwrap();
    assert_eq!(
        dst.list("acct/").await.unwrap(),
        src.list("acct/").await.unwrap()
    );
    assert!(dst.get("after/import").await.unwrap().is_some());
}

/// The child of [`a_failed_write_is_an_error_and_the_store_stays_consistent`]: runs under a
/// file-size limit, so a large write fails like on a full disk.
async fn fill_child(dir: &str) {
    let s = FileStore::open(dir).unwrap();
    for i in 0..10 {
        put(&s, &format!("small/{i}"), json!(i)).await;
        println!("ACK small/{i}");
    }
    let big = "x".repeat(256 * 1024);
    let e = s
        .put("big/0", json!(big), Expect::Absent)
        .await
        .unwrap_err();
    println!("ERR {:?} {}", e.kind(), e);
    // The failed commit left nothing behind, and the store goes on.
    assert_eq!(s.get("big/0").await.unwrap(), None);
    assert_eq!(s.list("small/").await.unwrap().len(), 10);
    put(&s, "small/after", json!("ok")).await;
    println!("ACK small/after");
}

#[test]
fn a_failed_write_is_an_error_and_the_store_stays_consistent() {
    // Tests run as root, where a read-only directory does not stop writes. A file-size limit
    // (RLIMIT_FSIZE, set by the shell) makes the kernel refuse a write past it with EFBIG, the
    // way a full disk refuses it with ENOSPC; SIGXFSZ is ignored so the write returns an error.
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 128; exec \"$0\" --exact child_process_entry --nocapture --test-threads=1")
        .arg(&exe)
        .env(CHILD_ENV, "fill")
        .env(DIR_ENV, dir.path())
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "child failed: {stdout}");
    let err = stdout
        .lines()
        .find(|l| l.starts_with("ERR "))
        .expect(&stdout);
    assert!(err.starts_with("ERR Io "), "{err}");
    assert!(
        err.contains(LOG_FILE) && err.contains("not applied"),
        "{err}"
    );
    assert!(stdout.contains("ACK small/after"), "{stdout}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = FileStore::open(dir.path()).unwrap();
        assert_eq!(s.open_report().torn_tail_bytes, 0);
        assert_eq!(s.list("small/").await.unwrap().len(), 11);
        assert_eq!(s.get("big/0").await.unwrap(), None);
    });
}

/// CRC-32 (IEEE), bit by bit: an independent check of the store's table-driven one.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_installing_a_snapshot_and_replacing_the_log_is_finished_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let exported = {
        let s = FileStore::open(src.path()).unwrap();
        put(&s, "imported/a", json!(1)).await;
        let mut out = Vec::new();
        s.export(&mut out).unwrap();
        out
    };
    {
        let s = FileStore::open(dir.path()).unwrap();
        for i in 0..5 {
            put(&s, &format!("old/{i}"), json!(i)).await;
        }
        // Keep the log as it was before the import, and put it back afterwards: the state a
        // crash leaves when it comes right after the new snapshot was renamed into place.
        let old_log = std::fs::read(dir.path().join(LOG_FILE)).unwrap();
        s.import(&mut exported.as_slice()).unwrap();
        drop(s);
        std::fs::write(dir.path().join(LOG_FILE), old_log).unwrap();
    }
    {
        let s = FileStore::open(dir.path()).unwrap();
        assert_eq!(s.open_report().seq, 6);
        assert_eq!(
            s.list("").await.unwrap().len(),
            1,
            "the imported state, not the old log"
        );
        put(&s, "after/1", json!(true)).await;
    }
    let s = FileStore::open(dir.path()).unwrap();
    assert_eq!(s.open_report().seq, 7);
    let keys: Vec<String> = s
        .list("")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(keys, ["after/1", "imported/a"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_share_log_lines() {
    let dir = tempfile::tempdir().unwrap();
    let s = std::sync::Arc::new(FileStore::open(dir.path()).unwrap());
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let s = s.clone();
            tokio::spawn(async move {
                for i in 0..20 {
                    s.put(&format!("c/{t}/{i}"), json!(i), Expect::Absent)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.list("c/").await.unwrap().len(), 320);
    let log = std::fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
    let groups = log.lines().count() - 1;
    assert!(
        groups < 320,
        "320 commits took {groups} syncs: no group commit"
    );
}

/// Sets the ext4 immutable attribute on a path (refused even to root, unlike permissions) and
/// clears it again when dropped.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(path: &Path) -> Self {
        let status = Command::new("chattr").arg("+i").arg(path).status().unwrap();
        assert!(status.success(), "chattr +i {} failed", path.display());
        Self(path.to_owned())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_log_or_directory_is_an_error_and_the_store_stays_consistent() {
    // Tests run as root, which ignores permission bits: the immutable attribute stands in for
    // a read-only file system.
    let dir = tempfile::tempdir().unwrap();
    let opts = FileOptions {
        compact_after_bytes: 2048,
    };

    // A read-only directory cannot be opened: the error names the path.
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    {
        let _guard = Immutable::set(&ro);
        let e = FileStore::open(&ro).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.to_string().contains("ro/LOCK"), "{e}");
    }

    let path = dir.path().join("store");
    let s = FileStore::open_with(&path, opts.clone()).unwrap();
    put(&s, "k/a", json!(1)).await;
    {
        // The log refuses writes: the commit fails, nothing changes, reads go on.
        let _guard = Immutable::set(&path.join(LOG_FILE));
        let e = s
            .put("k/a", json!(2), Expect::Version(1))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        assert!(e.to_string().contains(LOG_FILE), "{e}");
        let e = s.put("k/b", json!(2), Expect::Absent).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io);
        let r = s.get("k/a").await.unwrap().unwrap();
        assert_eq!((r.value, r.version), (json!(1), 1));
        assert_eq!(s.get("k/b").await.unwrap(), None);
    }
    // Writable again: the store goes on where it was.
    assert_eq!(s.put("k/a", json!(3), Expect::Version(1)).await.unwrap(), 2);
    {
        // A read-only directory with a writable log: commits go on, compaction (which needs
        // new files) fails quietly and is retried later.
        let _guard = Immutable::set(&path);
        for i in 0..100 {
            put(
                &s,
                &format!("k/many/{i}"),
                json!({"i": i, "pad": "x".repeat(50)}),
            )
            .await;
        }
        assert!(!path.join(SNAPSHOT_FILE).exists());
    }
    put(&s, "k/c", json!("last")).await;
    drop(s);
    assert!(
        path.join(SNAPSHOT_FILE).exists(),
        "compaction ran once it could"
    );
    let s = FileStore::open_with(&path, opts).unwrap();
    assert_eq!(s.open_report().records, 102);
    let r = s.get("k/a").await.unwrap().unwrap();
    assert_eq!((r.value, r.version), (json!(3), 2));
    assert_eq!(s.get("k/b").await.unwrap(), None);
}
