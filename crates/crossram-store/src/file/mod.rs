//! The `file` adapter: a durable store on a directory (`--store file:DIR`).
//!
//! # Guarantees
//!
//! - A write is acknowledged only once it is durable: its log line is written and the file
//!   synced (`fdatasync`); files are created and replaced by write-to-temp, sync, rename, sync of
//!   the directory.
//! - Concurrent writers share syncs: one writer thread takes every commit waiting at the time,
//!   checks their preconditions in arrival order, writes them as **one** log line and syncs once
//!   (group commit).
//! - A crash at any instant (kill -9, power loss) loses no acknowledged write, and the directory
//!   always opens: on restart the state is exactly the acknowledged commits, in order (plus,
//!   possibly, commits whose sync finished but whose callers had not been answered yet).
//! - Readers only ever see durable state.
//! - One store owns a directory: a second open, from any process, fails at once with
//!   [`ErrorKind::Locked`] naming the directory and the owner's pid.
//! - Damage is never skipped or "repaired" by dropping data: a bad checksum, invalid JSON, a
//!   sequence gap or an inconsistent version anywhere but in the final line is
//!   [`ErrorKind::Corrupt`] naming the file, the line and its byte
//!   offset; a newer format version is [`ErrorKind::Unsupported`].
//!   Only a damaged **final** log line is cut off at open: the crash happened while it was being
//!   written, so it was never acknowledged (see [`OpenReport::torn_tail_bytes`]).
//! - A failed write (disk full, IO error) is answered with
//!   [`ErrorKind::Io`], the log is cut back to its last good length, and
//!   the store goes on; if even that fails, it refuses writes until restarted, and reads keep
//!   working.
//!
//! # On-disk format (version 1)
//!
//! The directory holds (also described in `FORMAT.md` next to the crate's `Cargo.toml`):
//!
//! - `LOCK`: `pid <n>`, the owning process; locked while the store is open.
//! - `log.jsonl`: the append-only log. Every line is one JSON object, in UTF-8, ended by `\n`,
//!   whose last member is `"crc":"xxxxxxxx"`: the CRC-32 (IEEE, as zlib) in lowercase hex of the
//!   bytes of the line before `,"crc":`. Line 1 is the header
//!   `{"format":"crossram-store","version":1,"file":"log","seq":B,"crc":..}`; every other line
//!   is one group, numbered `B+1`, `B+2`, ... without gaps:
//!   `{"seq":N,"commits":[[OP,..],..],"crc":..}` where an OP is
//!   `{"put":KEY,"ver":VERSION,"val":VALUE}` or `{"del":KEY}`.
//! - `snapshot.jsonl` (once the log was compacted): header
//!   `{"format":"crossram-store","version":1,"file":"snapshot","seq":S,"crc":..}`, one line per
//!   record in key order `{"key":KEY,"ver":VERSION,"val":VALUE,"crc":..}`, and the end line
//!   `{"end":true,"records":COUNT,"crc":..}`. It holds the state after group `S`.
//! - `*.tmp`: a file being written; never read, removed at open.
//!
//! Opening reads the snapshot, then replays the log groups numbered after `S` (the log starts at
//! or before `S`). When the log has grown past [`FileOptions::compact_after_bytes`] and half the
//! snapshot, the writer writes a new snapshot and starts a new log after it. An export
//! ([`FileStore::export`]) is a snapshot file; [`FileStore::import`] reads one.

mod format;
mod lock;
mod writer;

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc;
use std::thread::JoinHandle;

use parking_lot::RwLock;
use tokio::sync::oneshot;

use self::format::{FileKind, Lines};
use self::lock::DirLock;
use self::writer::{Msg, Writer};
use crate::state::{self, Change, Map, Outcome};
use crate::{ErrorKind, Expect, Op, Record, Store, StoreError};

/// The name of the log file in the store directory.
pub const LOG_FILE: &str = "log.jsonl";
/// The name of the snapshot file in the store directory.
pub const SNAPSHOT_FILE: &str = "snapshot.jsonl";

/// Tuning of a [`FileStore`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOptions {
    /// Compact (write a snapshot and start a new log) once the log is at least this long and at
    /// least half as long as the snapshot. Default 8 MiB.
    pub compact_after_bytes: u64,
}

impl Default for FileOptions {
    fn default() -> Self {
        Self {
            compact_after_bytes: 8 << 20,
        }
    }
}

/// What [`FileStore::open`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// The directory held no store; an empty one was created.
    pub created: bool,
    /// Records in the store.
    pub records: usize,
    /// The sequence number of the last durable group.
    pub seq: u64,
    /// Groups replayed from the log (after the snapshot).
    pub replayed: u64,
    /// Bytes of an unfinished final log line cut off: a write that a crash interrupted, never
    /// acknowledged. 0 after a clean shutdown.
    pub torn_tail_bytes: u64,
}

/// State shared by the store handle (reads) and the writer thread (writes).
pub(crate) struct Shared {
    pub(crate) dir: PathBuf,
    pub(crate) map: RwLock<Map>,
    /// The sequence number of the last group applied to `map`.
    pub(crate) seq: AtomicU64,
}

/// A durable store on a directory (`--store file:DIR`); see the [module docs](self).
pub struct FileStore {
    shared: Arc<Shared>,
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
    report: OpenReport,
}

impl FileStore {
    /// Opens the store in `dir`, creating the directory and an empty store if there is none, and
    /// reads it whole. Blocks while it reads.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Locked`] if another store has the directory open; [`ErrorKind::Corrupt`] or
    /// [`ErrorKind::Unsupported`] naming the file and line if a file is damaged or newer;
    /// [`ErrorKind::Io`] naming the path if the directory cannot be created, read or written.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(dir, FileOptions::default())
    }

    /// [`FileStore::open`] with options.
    pub fn open_with(dir: impl AsRef<Path>, opts: FileOptions) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_owned();
        prepare_dir(&dir)?;
        let lock = DirLock::acquire(&dir)?;
        let loaded = load(&dir)?;
        let shared = Arc::new(Shared {
            dir: dir.clone(),
            map: RwLock::new(loaded.map),
            seq: AtomicU64::new(loaded.seq),
        });
        let mut writer = Writer {
            shared: shared.clone(),
            opts,
            log: loaded.log,
            log_len: loaded.log_len,
            log_base: loaded.log_base,
            log_last: loaded.log_last,
            snapshot_len: loaded.snapshot_len,
            must_rotate: false,
            failed: None,
            _lock: lock,
        };
        if let Some(snap_seq) = loaded.snapshot_seq.filter(|&s| s != loaded.log_base) {
            // A crash (or an IO error) came between installing a snapshot and replacing the
            // log: finish it. If that fails now, the log must still be replaced before the next
            // append when it ends before the snapshot (else it would skip group numbers); when
            // it goes past the snapshot, appending to it stays correct.
            if writer.compact().is_err() {
                writer.must_rotate = writer.log_last < snap_seq;
            }
        }
        let mut report = loaded.report;
        report.records = shared.map.read().len();
        report.seq = loaded.seq;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("crossram-store-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| StoreError::io("start the writer thread for", &dir, e))?;
        Ok(Self {
            shared,
            tx: Some(tx),
            thread: Some(thread),
            report,
        })
    }

    /// The store directory.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// What the open found (created, records, replayed groups, torn tail cut off).
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// Writes a snapshot of the whole store to `w`, in the format of `snapshot.jsonl`: one
    /// consistent view, readable by [`FileStore::import`] and by a person.
    pub fn export(&self, w: &mut dyn Write) -> Result<(), StoreError> {
        let mut buf = Vec::new();
        {
            let map = self.shared.map.read();
            let seq = self.shared.seq.load(std::sync::atomic::Ordering::Acquire);
            // Writing into a Vec cannot fail.
            let _ = format::write_snapshot(&mut buf, seq, &map);
        }
        w.write_all(&buf)
            .and_then(|()| w.flush())
            .map_err(|e| StoreError::new(ErrorKind::Io, format!("cannot write the export: {e}")))
    }

    /// Replaces the whole store, atomically and durably, with the snapshot read from `r` (as
    /// [`FileStore::export`] writes it); returns the number of records. Versions are kept.
    ///
    /// The snapshot is checked whole first: a damaged one is [`ErrorKind::Corrupt`] naming the
    /// line, and the store is left as it was. Blocks until the snapshot is durable.
    pub fn import(&self, r: &mut dyn Read) -> Result<usize, StoreError> {
        let mut data = Vec::new();
        r.read_to_end(&mut data)
            .map_err(|e| StoreError::new(ErrorKind::Io, format!("cannot read the import: {e}")))?;
        let (_, map) = format::read_snapshot(Path::new("(import)"), &data)?;
        let (tx, rx) = mpsc::channel();
        self.send(Msg::Import(map, tx))?;
        rx.recv().map_err(|_| self.stopped())?
    }

    fn send(&self, msg: Msg) -> Result<(), StoreError> {
        self.tx
            .as_ref()
            .and_then(|tx| tx.send(msg).ok())
            .ok_or_else(|| self.stopped())
    }

    fn stopped(&self) -> StoreError {
        StoreError::new(
            ErrorKind::Io,
            format!(
                "the writer of store {} has stopped; restart to recover",
                self.shared.dir.display()
            ),
        )
    }

    async fn commit_ops(&self, ops: Vec<Op>) -> Result<Vec<Outcome>, StoreError> {
        let prepared = state::prepare(ops)?;
        if prepared.is_empty() {
            return Ok(Vec::new());
        }
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Commit(prepared, tx))?;
        rx.await.map_err(|_| self.stopped())?
    }
}

impl Drop for FileStore {
    fn drop(&mut self) {
        // Closing the channel stops the writer after the requests already sent; it releases
        // the directory lock when it ends, so wait for it.
        drop(self.tx.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl fmt::Display for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file:{}", self.shared.dir.display())
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("dir", &self.shared.dir)
            .field("records", &self.shared.map.read().len())
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Store for FileStore {
    async fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        state::get(&self.shared.map.read(), key)
    }

    async fn put(
        &self,
        key: &str,
        value: serde_json::Value,
        expect: Expect,
    ) -> Result<u64, StoreError> {
        let out = self
            .commit_ops(vec![Op::Put {
                key: key.to_owned(),
                value: value.into(),
                expect,
            }])
            .await?;
        Ok(out.first().map_or(0, |o| o.version))
    }

    async fn delete(&self, key: &str, expect: Expect) -> Result<bool, StoreError> {
        let out = self
            .commit_ops(vec![Op::Delete {
                key: key.to_owned(),
                expect,
            }])
            .await?;
        Ok(out.first().is_some_and(|o| o.existed))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Record>, StoreError> {
        state::list(&self.shared.map.read(), prefix)
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .commit_ops(ops)
            .await?
            .into_iter()
            .map(|o| o.version)
            .collect())
    }

    async fn flush(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Msg::Flush(tx))?;
        rx.await.map_err(|_| self.stopped())?
    }
}

/// Creates the directory if needed (syncing its parent so the new name is durable) and checks
/// it is a directory.
fn prepare_dir(dir: &Path) -> Result<(), StoreError> {
    match fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(StoreError::new(
            ErrorKind::Io,
            format!(
                "cannot open store {}: it exists and is not a directory",
                dir.display()
            ),
        )
        .with_path(dir)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            crate::private::create_dir_all(dir)
                .map_err(|e| StoreError::io("create the store directory", dir, e))?;
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            writer::sync_dir(parent)
        }
        Err(e) => Err(StoreError::io("open the store directory", dir, e)),
    }
}

/// What [`load`] read.
struct Loaded {
    map: Map,
    seq: u64,
    snapshot_seq: Option<u64>,
    snapshot_len: u64,
    log: fs::File,
    log_len: u64,
    log_base: u64,
    log_last: u64,
    report: OpenReport,
}

/// Reads a file whole; `None` if it does not exist.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match fs::read(path) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io("read", path, e)),
    }
}

/// Reads the snapshot and replays the log; creates an empty log in a new store; cuts off a
/// torn final log line.
fn load(dir: &Path) -> Result<Loaded, StoreError> {
    for name in [LOG_FILE, SNAPSHOT_FILE] {
        let tmp = dir.join(writer::tmp_name(name));
        match fs::remove_file(&tmp) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io("remove the unfinished file", &tmp, e)),
        }
    }
    let snap_path = dir.join(SNAPSHOT_FILE);
    let log_path = dir.join(LOG_FILE);
    let (snapshot_seq, mut map, snapshot_len) = match read_optional(&snap_path)? {
        Some(data) => {
            let (seq, map) = format::read_snapshot(&snap_path, &data)?;
            (Some(seq), map, data.len() as u64)
        }
        None => (None, Map::new(), 0),
    };
    let mut report = OpenReport::default();
    let Some(data) = read_optional(&log_path)? else {
        if snapshot_seq.is_some() {
            return Err(StoreError::corrupt(
                &log_path,
                1,
                0,
                format!("the log is missing although {SNAPSHOT_FILE} exists"),
            ));
        }
        let (log, log_len) = writer::new_log(dir, 0)?;
        report.created = true;
        return Ok(Loaded {
            map,
            seq: 0,
            snapshot_seq,
            snapshot_len,
            log,
            log_len,
            log_base: 0,
            log_last: 0,
            report,
        });
    };
    let mut lines = Lines::new(&data);
    let Some((_, header)) = lines.next_complete() else {
        return Err(StoreError::corrupt(
            &log_path,
            1,
            0,
            "the log has no complete header line",
        ));
    };
    let log_base = format::parse_header(&log_path, header, FileKind::Log)?;
    let snap_seq = snapshot_seq.unwrap_or(0);
    if log_base > snap_seq {
        return Err(StoreError::corrupt(
            &log_path,
            1,
            0,
            format!(
                "the log starts after group {log_base} but {} holds only up to group {snap_seq}",
                if snapshot_seq.is_some() {
                    SNAPSHOT_FILE
                } else {
                    "no snapshot (missing)"
                }
            ),
        ));
    }
    let mut last = log_base;
    let good_len = loop {
        let (line_no, start) = (lines.line_no + 1, lines.pos);
        let Some((_, line)) = lines.next_complete() else {
            // An unterminated tail (possibly empty): a write cut short.
            break start;
        };
        let text = match format::verify(line) {
            Ok(text) => text,
            Err(_) if lines.at_end() => {
                // The final line is damaged: the crash hit while it was written.
                break start;
            }
            Err(detail) => {
                return Err(StoreError::corrupt(
                    &log_path,
                    line_no,
                    start as u64,
                    format!("{detail}; more lines follow, so this is not an interrupted write"),
                ));
            }
        };
        let bad = |detail: String| StoreError::corrupt(&log_path, line_no, start as u64, detail);
        let (seq, changes) = format::parse_group(text).map_err(bad)?;
        if seq != last + 1 {
            return Err(bad(format!("group {seq} follows group {last}")));
        }
        last = seq;
        if seq > snap_seq {
            replay(&mut map, changes).map_err(bad)?;
            report.replayed += 1;
        }
    };
    let torn = (data.len() - good_len) as u64;
    let log = fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .map_err(|e| StoreError::io("open", &log_path, e))?;
    if torn > 0 {
        log.set_len(good_len as u64)
            .and_then(|()| log.sync_data())
            .map_err(|e| StoreError::io("cut the interrupted final line of", &log_path, e))?;
    }
    report.torn_tail_bytes = torn;
    Ok(Loaded {
        map,
        seq: last.max(snap_seq),
        snapshot_seq,
        snapshot_len,
        log,
        log_len: good_len as u64,
        log_base,
        log_last: last,
        report,
    })
}

/// Applies logged changes, checking that they follow from the state (versions step by one,
/// deleted keys exist).
fn replay(map: &mut Map, changes: Vec<Change>) -> Result<(), String> {
    for change in changes {
        match change {
            Change::Put { key, version, raw } => {
                crate::validate_key(&key).map_err(|e| e.to_string())?;
                let want = map.get(&key).map_or(1, |e| e.version + 1);
                if version != want {
                    return Err(format!(
                        "key {key:?} is put at version {version}, the state says {want}"
                    ));
                }
                map.insert(key, state::Entry { version, raw });
            }
            Change::Delete { key } => {
                if map.remove(&key).is_none() {
                    return Err(format!("key {key:?} is deleted but does not exist"));
                }
            }
        }
    }
    Ok(())
}
