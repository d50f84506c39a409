//! The one error type of the crate: an [`ErrorKind`] the engine can match on, a message a person
//! can act on, and the key or file it is about.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What went wrong, as a kind the caller can decide on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A precondition ([`crate::Expect`]) failed; the error names the key.
    Conflict,
    /// The store directory is owned by another store (another process, or another open in this
    /// one); the error names the directory and the owning process.
    Locked,
    /// A store file is damaged; the error names the file and the line and byte offset.
    Corrupt,
    /// The operating system refused a read, write or sync (disk full, IO error, not a
    /// directory, ...).
    Io,
    /// Something this build does not support: an unknown store spec, or a file written in a
    /// newer format version.
    Unsupported,
    /// A key or prefix that breaks the key rules (see [`crate::validate_key`]).
    InvalidKey,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Conflict => "conflict",
            Self::Locked => "locked",
            Self::Corrupt => "corrupt",
            Self::Io => "io",
            Self::Unsupported => "unsupported",
            Self::InvalidKey => "invalid key",
        })
    }
}

/// An error of a [`crate::Store`] operation.
///
/// `Display` prints the message only (never the source, which [`std::error::Error::source`]
/// gives); the message names the key, file and position when there is one.
#[derive(Clone)]
pub struct StoreError(Box<Inner>);

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    key: Option<String>,
    path: Option<PathBuf>,
    line: Option<u64>,
    offset: Option<u64>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner {
            kind,
            message: message.into(),
            key: None,
            path: None,
            line: None,
            offset: None,
            source: None,
        }))
    }

    /// A failed precondition on `key`.
    pub(crate) fn conflict(key: &str, detail: impl fmt::Display) -> Self {
        Self::new(
            ErrorKind::Conflict,
            format!("precondition failed for key `{key}`: {detail}"),
        )
        .with_key(key)
    }

    /// An IO error while doing `what` on `path`.
    pub(crate) fn io(what: &str, path: &Path, err: std::io::Error) -> Self {
        Self::new(
            ErrorKind::Io,
            format!("cannot {what} {}: {err}", path.display()),
        )
        .with_path(path)
        .with_source(err)
    }

    /// A damaged file: `path` at 1-based `line` starting at byte `offset`.
    pub(crate) fn corrupt(path: &Path, line: u64, offset: u64, detail: impl fmt::Display) -> Self {
        let mut e = Self::new(
            ErrorKind::Corrupt,
            format!(
                "corrupt store file {} at line {line} (byte offset {offset}): {detail}",
                path.display()
            ),
        )
        .with_path(path);
        e.0.line = Some(line);
        e.0.offset = Some(offset);
        e
    }

    /// Attaches the key the error is about.
    pub fn with_key(mut self, key: &str) -> Self {
        self.0.key = Some(key.to_owned());
        self
    }

    /// Attaches the file or directory the error is about.
    pub fn with_path(mut self, path: &Path) -> Self {
        self.0.path = Some(path.to_owned());
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// The kind of the error.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message, as `Display` prints it.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The key the error is about, for [`ErrorKind::Conflict`] and [`ErrorKind::InvalidKey`].
    pub fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }

    /// The file or directory the error is about, for file-store errors.
    pub fn path(&self) -> Option<&Path> {
        self.0.path.as_deref()
    }

    /// The 1-based line of the damaged file, for [`ErrorKind::Corrupt`].
    pub fn line(&self) -> Option<u64> {
        self.0.line
    }

    /// The byte offset of the start of the damaged line, for [`ErrorKind::Corrupt`].
    pub fn offset(&self) -> Option<u64> {
        self.0.offset
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("StoreError");
        d.field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(k) = &self.0.key {
            d.field("key", k);
        }
        if let Some(p) = &self.0.path {
            d.field("path", p);
        }
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}
