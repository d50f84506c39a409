//! The single writer thread of a [`super::FileStore`]: it checks preconditions, appends one
//! log line per group of concurrent commits, syncs once for the whole group (group commit),
//! applies the group to the in-memory state and only then answers the callers. It also writes
//! snapshots (compaction, import) and owns the directory lock, so the lock is released only
//! after the last write.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::format::{self, FileKind};
use super::lock::DirLock;
use super::{FileOptions, LOG_FILE, SNAPSHOT_FILE, Shared};
use crate::state::{self, Change, Map, Outcome, Overlay, Prepared};
use crate::{ErrorKind, StoreError};

/// Commits taken into one group at most.
const MAX_GROUP: usize = 512;

/// A request to the writer.
pub(crate) enum Msg {
    Commit(
        Vec<Prepared>,
        oneshot::Sender<Result<Vec<Outcome>, StoreError>>,
    ),
    Flush(oneshot::Sender<Result<(), StoreError>>),
    Import(Map, mpsc::Sender<Result<usize, StoreError>>),
}

/// The writer's state.
pub(crate) struct Writer {
    pub(crate) shared: Arc<Shared>,
    pub(crate) opts: FileOptions,
    pub(crate) log: File,
    pub(crate) log_len: u64,
    /// The sequence number the current log file starts after.
    pub(crate) log_base: u64,
    /// The last sequence number in the current log file.
    pub(crate) log_last: u64,
    pub(crate) snapshot_len: u64,
    /// A snapshot newer than the log was installed: the log must be replaced before the next
    /// append (else the log would skip a sequence number).
    pub(crate) must_rotate: bool,
    /// Set after an IO error that could not be undone: no more writes until a restart.
    pub(crate) failed: Option<StoreError>,
    pub(crate) _lock: DirLock,
}

impl Writer {
    /// Serves requests until every sender is gone.
    pub(crate) fn run(mut self, rx: mpsc::Receiver<Msg>) {
        let mut pending: Option<Msg> = None;
        loop {
            let msg = match pending.take() {
                Some(m) => m,
                None => match rx.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                },
            };
            match msg {
                Msg::Commit(ops, reply) => {
                    let mut group = vec![(ops, reply)];
                    while group.len() < MAX_GROUP {
                        match rx.try_recv() {
                            Ok(Msg::Commit(ops, reply)) => group.push((ops, reply)),
                            Ok(other) => {
                                pending = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.commit_group(group);
                }
                Msg::Flush(reply) => {
                    let _ = reply.send(self.flush());
                }
                Msg::Import(map, reply) => {
                    let _ = reply.send(self.import(map));
                }
            }
        }
    }

    fn seq(&self) -> u64 {
        self.shared.seq.load(Ordering::Acquire)
    }

    fn commit_group(&mut self, group: Vec<(Vec<Prepared>, CommitReply)>) {
        if let Err(e) = self.writable() {
            for (_, reply) in group {
                let _ = reply.send(Err(e.clone()));
            }
            return;
        }
        let mut accepted = Vec::with_capacity(group.len());
        {
            let map = self.shared.map.read();
            let mut overlay = Overlay::new();
            for (ops, reply) in group {
                match state::plan(&map, Some(&mut overlay), ops) {
                    Ok((changes, outcomes)) => accepted.push((changes, outcomes, reply)),
                    Err(e) => {
                        let _ = reply.send(Err(e));
                    }
                }
            }
        }
        let commits: Vec<&[Change]> = accepted
            .iter()
            .filter(|(c, _, _)| !c.is_empty())
            .map(|(c, _, _)| c.as_slice())
            .collect();
        let seq = self.seq() + 1;
        if !commits.is_empty() {
            let line = format::group_line(seq, &commits);
            if let Err(e) = self.append(&line) {
                for (_, _, reply) in accepted {
                    let _ = reply.send(Err(e.clone()));
                }
                return;
            }
            self.log_last = seq;
        }
        {
            let mut map = self.shared.map.write();
            if !commits.is_empty() {
                self.shared.seq.store(seq, Ordering::Release);
            }
            let mut replies = Vec::with_capacity(accepted.len());
            for (changes, outcomes, reply) in accepted {
                state::apply(&mut map, changes);
                replies.push((outcomes, reply));
            }
            drop(map);
            for (outcomes, reply) in replies {
                let _ = reply.send(Ok(outcomes));
            }
        }
        if self.log_len >= self.opts.compact_after_bytes && self.log_len >= self.snapshot_len / 2 {
            // A failed compaction loses nothing: the log still holds everything.
            let _ = self.compact();
        }
    }

    /// Whether writes are accepted; replaces the log first if a newer snapshot requires it.
    fn writable(&mut self) -> Result<(), StoreError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.must_rotate {
            self.rotate()?;
        }
        Ok(())
    }

    /// Appends one line and syncs it. On failure, cuts the log back to its previous length so
    /// the file and the in-memory state stay equal; if even that fails, stops accepting writes.
    fn append(&mut self, line: &[u8]) -> Result<(), StoreError> {
        let path = self.shared.dir.join(LOG_FILE);
        let mut written = 0;
        let result = loop {
            let Some(rest) = line.get(written..).filter(|r| !r.is_empty()) else {
                break self.log.sync_data();
            };
            match self.log.write(rest) {
                Ok(0) => break Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        let e = match result {
            Ok(()) => {
                self.log_len += line.len() as u64;
                return Ok(());
            }
            Err(e) => e,
        };
        let err = StoreError::new(
            ErrorKind::Io,
            format!(
                "cannot write to {}: {e}; the commit was not applied",
                path.display()
            ),
        )
        .with_path(&path)
        .with_source(e);
        if written == 0 {
            // The file did not change.
            return Err(err);
        }
        let undo = self
            .log
            .set_len(self.log_len)
            .and_then(|()| self.log.sync_data());
        if let Err(undo) = undo {
            self.failed = Some(
                StoreError::new(
                    ErrorKind::Io,
                    format!(
                        "store {} stopped accepting writes: {err}, and cutting back the partial \
                         write failed too ({undo}); fix the disk and restart: the acknowledged \
                         state will be read back",
                        self.shared.dir.display()
                    ),
                )
                .with_path(&path),
            );
        }
        Err(err)
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.must_rotate {
            self.rotate()?;
        }
        if self.log_last > self.log_base && self.log_len >= (1 << 20) {
            // Best effort: the next open is faster, and nothing is lost if it fails.
            let _ = self.compact();
        }
        Ok(())
    }

    /// Writes a snapshot of the current state and starts a new log after it.
    pub(crate) fn compact(&mut self) -> Result<(), StoreError> {
        let seq = self.seq();
        let len = {
            let map = self.shared.map.read();
            write_atomically(&self.shared.dir, SNAPSHOT_FILE, |w| {
                format::write_snapshot(w, seq, &map)
            })?
        };
        self.snapshot_len = len;
        self.must_rotate = self.log_last < seq;
        self.rotate()
    }

    /// Replaces the log by an empty one starting after the current sequence number.
    fn rotate(&mut self) -> Result<(), StoreError> {
        let seq = self.seq();
        let (log, len) = new_log(&self.shared.dir, seq)?;
        self.log = log;
        self.log_len = len;
        self.log_base = seq;
        self.log_last = seq;
        self.must_rotate = false;
        Ok(())
    }

    fn import(&mut self, map: Map) -> Result<usize, StoreError> {
        self.writable()?;
        let seq = self.seq() + 1;
        let len = write_atomically(&self.shared.dir, SNAPSHOT_FILE, |w| {
            format::write_snapshot(w, seq, &map)
        })?;
        // The snapshot is installed: it is the state now, on disk and in memory.
        self.snapshot_len = len;
        self.must_rotate = true;
        let n = map.len();
        {
            let mut current = self.shared.map.write();
            *current = map;
            self.shared.seq.store(seq, Ordering::Release);
        }
        // If this fails, the next write retries it first.
        let _ = self.rotate();
        Ok(n)
    }
}

type CommitReply = oneshot::Sender<Result<Vec<Outcome>, StoreError>>;

/// The temporary name a file is written under before it is renamed into place.
pub(crate) fn tmp_name(name: &str) -> String {
    format!("{name}.tmp")
}

/// Syncs a directory, so that the names created or renamed in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("sync the directory", dir, e))
}

/// Writes `dir/name` whole or not at all: into a temporary file, synced, renamed over the old
/// one, and the directory synced. Returns the bytes written.
pub(crate) fn write_atomically(
    dir: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<u64>,
) -> Result<u64, StoreError> {
    let tmp: PathBuf = dir.join(tmp_name(name));
    let result = (|| {
        // Snapshots and logs hold root secrets and the token key: owner only.
        let mut f = crate::private::options()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        let n = fill(&mut f)?;
        f.sync_all()?;
        fs::rename(&tmp, dir.join(name))?;
        Ok(n)
    })();
    match result {
        Ok(n) => {
            sync_dir(dir)?;
            Ok(n)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(StoreError::io("write", &dir.join(name), e))
        }
    }
}

/// Creates an empty log starting after `base` and opens it for appending.
pub(crate) fn new_log(dir: &Path, base: u64) -> Result<(File, u64), StoreError> {
    let header = format::header(FileKind::Log, base);
    let len = write_atomically(dir, LOG_FILE, |w| {
        w.write_all(&header)?;
        Ok(header.len() as u64)
    })?;
    let path = dir.join(LOG_FILE);
    let log = OpenOptions::new()
        .append(true)
        .open(&path)
        .map_err(|e| StoreError::io("open", &path, e))?;
    Ok((log, len))
}
