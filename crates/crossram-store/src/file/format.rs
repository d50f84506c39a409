//! Encoding and checking of the lines of the two store files (see the [module docs](super)):
//! the CRC-32 of a line's body, headers, log groups and snapshot records.

use std::io::{self, Write};
use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::state::{Change, Map};
use crate::{ErrorKind, StoreError};

/// The value of `format` in every header.
pub(crate) const FORMAT: &str = "crossram-store";
/// The on-disk format version this build writes and reads.
pub(crate) const VERSION: u64 = 1;

/// The fixed tail of every line: `,"crc":"` + 8 hex digits + `"}`.
const CRC_OPEN: &[u8] = b",\"crc\":\"";
const CRC_TAIL_LEN: usize = CRC_OPEN.len() + 8 + 2;

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of zlib and PNG.
#[allow(
    clippy::indexing_slicing,
    reason = "every table index is masked to 0..=255"
)]
pub(crate) fn crc32(data: &[u8]) -> u32 {
    const TABLE: [[u32; 256]; 4] = tables();
    let mut crc = !0u32;
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let Ok(word) = <[u8; 4]>::try_from(c) else {
            continue;
        };
        let x = crc ^ u32::from_le_bytes(word);
        crc = TABLE[3][(x & 0xff) as usize]
            ^ TABLE[2][((x >> 8) & 0xff) as usize]
            ^ TABLE[1][((x >> 16) & 0xff) as usize]
            ^ TABLE[0][(x >> 24) as usize];
    }
    for &b in chunks.remainder() {
        crc = TABLE[0][((crc ^ u32::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

#[allow(
    clippy::indexing_slicing,
    reason = "indices are bounded by the loop ranges at compile time"
)]
const fn tables() -> [[u32; 256]; 4] {
    let mut t = [[0u32; 256]; 4];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut s = 1;
        while s < 4 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            s += 1;
        }
        i += 1;
    }
    t
}

/// Appends the checksum tail and the line break to `line`, which holds a JSON object without
/// its closing brace.
pub(crate) fn seal(line: &mut Vec<u8>) {
    let crc = crc32(line);
    line.extend_from_slice(CRC_OPEN);
    line.extend_from_slice(format!("{crc:08x}\"}}\n").as_bytes());
}

/// Checks the checksum of one line (without its line break) and returns it as text.
pub(crate) fn verify(line: &[u8]) -> Result<&str, String> {
    let text = std::str::from_utf8(line).map_err(|e| format!("not UTF-8: {e}"))?;
    let split = text
        .len()
        .checked_sub(CRC_TAIL_LEN)
        .filter(|&at| text.is_char_boundary(at))
        .ok_or("line too short to hold a checksum")?;
    let (body, tail) = text.split_at(split);
    let hex = tail
        .strip_prefix(",\"crc\":\"")
        .and_then(|t| t.strip_suffix("\"}"))
        .ok_or("line does not end with its checksum `,\"crc\":\"xxxxxxxx\"}`")?;
    let stored = u32::from_str_radix(hex, 16).map_err(|_| format!("bad checksum {hex:?}"))?;
    let computed = crc32(body.as_bytes());
    if stored != computed {
        return Err(format!(
            "checksum mismatch: the line says {stored:08x}, its content gives {computed:08x}"
        ));
    }
    Ok(text)
}

/// Writes `s` as a JSON string.
fn push_str(out: &mut Vec<u8>, s: &str) {
    // Writing a str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Which file a header starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    Log,
    Snapshot,
}

impl FileKind {
    fn name(self) -> &'static str {
        match self {
            FileKind::Log => "log",
            FileKind::Snapshot => "snapshot",
        }
    }
}

/// The header line: for a log, `seq` is the sequence number the log starts after (its first
/// group is `seq + 1`); for a snapshot, the last group it contains.
pub(crate) fn header(kind: FileKind, seq: u64) -> Vec<u8> {
    let mut line = format!(
        "{{\"format\":\"{FORMAT}\",\"version\":{VERSION},\"file\":\"{}\",\"seq\":{seq}",
        kind.name()
    )
    .into_bytes();
    seal(&mut line);
    line
}

#[derive(Deserialize)]
struct HeaderProbe {
    format: Option<String>,
    version: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "fields are checked by deserialization")]
struct Header {
    format: String,
    version: u64,
    file: String,
    seq: u64,
    crc: String,
}

/// Checks a header line (line 1 of `path`): format name, version (an unknown one is
/// [`ErrorKind::Unsupported`]), checksum and kind. Returns its `seq`.
pub(crate) fn parse_header(path: &Path, line: &[u8], kind: FileKind) -> Result<u64, StoreError> {
    let bad = |detail: String| StoreError::corrupt(path, 1, 0, detail);
    // Look at the version before anything else: a newer format may change everything else.
    let probe: HeaderProbe = serde_json::from_slice(line)
        .map_err(|e| bad(format!("the header is not a JSON object: {e}")))?;
    if probe.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!(
            "not a crossram store file (the header's `format` is not {FORMAT:?})"
        )));
    }
    match probe.version {
        Some(VERSION) => {}
        Some(v) => {
            return Err(StoreError::new(
                ErrorKind::Unsupported,
                format!(
                    "store file {} (line 1) is in format version {v}; this build reads version \
                     {VERSION} only: use a newer crossram, or export the data with it",
                    path.display()
                ),
            )
            .with_path(path));
        }
        None => return Err(bad("the header has no `version`".into())),
    }
    let text = verify(line).map_err(bad)?;
    let h: Header = serde_json::from_str(text).map_err(|e| bad(format!("bad header: {e}")))?;
    if h.file != kind.name() {
        return Err(bad(format!(
            "the header says this is a {} file, expected a {} file",
            h.file,
            kind.name()
        )));
    }
    Ok(h.seq)
}

/// One line of the log: the changes of several commits made durable by one sync.
pub(crate) fn group_line(seq: u64, commits: &[&[Change]]) -> Vec<u8> {
    let mut line = Vec::with_capacity(64 + commits.len() * 128);
    line.extend_from_slice(format!("{{\"seq\":{seq},\"commits\":[").as_bytes());
    for (i, changes) in commits.iter().enumerate() {
        if i > 0 {
            line.push(b',');
        }
        line.push(b'[');
        for (j, change) in changes.iter().enumerate() {
            if j > 0 {
                line.push(b',');
            }
            match change {
                Change::Put { key, version, raw } => {
                    line.extend_from_slice(b"{\"put\":");
                    push_str(&mut line, key);
                    line.extend_from_slice(format!(",\"ver\":{version},\"val\":").as_bytes());
                    line.extend_from_slice(raw.as_bytes());
                    line.push(b'}');
                }
                Change::Delete { key } => {
                    line.extend_from_slice(b"{\"del\":");
                    push_str(&mut line, key);
                    line.push(b'}');
                }
            }
        }
        line.push(b']');
    }
    line.push(b']');
    seal(&mut line);
    line
}

/// Deserializes a present value, `null` included, as `Some`.
fn some_raw<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Box<RawValue>>, D::Error> {
    Box::<RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LogOp {
    put: Option<String>,
    del: Option<String>,
    ver: Option<u64>,
    #[serde(default, deserialize_with = "some_raw")]
    val: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "the checksum is checked before deserialization")]
struct GroupLine {
    seq: u64,
    commits: Vec<Vec<LogOp>>,
    crc: String,
}

/// Parses a checked log line into its sequence number and changes.
pub(crate) fn parse_group(text: &str) -> Result<(u64, Vec<Change>), String> {
    let g: GroupLine = serde_json::from_str(text).map_err(|e| format!("bad log line: {e}"))?;
    let mut changes = Vec::new();
    for op in g.commits.into_iter().flatten() {
        changes.push(match op {
            LogOp {
                put: Some(key),
                del: None,
                ver: Some(version),
                val: Some(raw),
            } => Change::Put {
                key: key.into_boxed_str(),
                version,
                raw: raw.into(),
            },
            LogOp {
                put: None,
                del: Some(key),
                ver: None,
                val: None,
            } => Change::Delete {
                key: key.into_boxed_str(),
            },
            _ => {
                return Err(
                    "an op must be {\"put\":KEY,\"ver\":N,\"val\":VALUE} or {\"del\":KEY}".into(),
                );
            }
        });
    }
    Ok((g.seq, changes))
}

/// Writes a whole snapshot (header, one line per record, end line) of `map` at `seq`; returns
/// the number of bytes written.
pub(crate) fn write_snapshot(w: &mut dyn Write, seq: u64, map: &Map) -> io::Result<u64> {
    let mut w = io::BufWriter::with_capacity(1 << 16, w);
    let mut bytes = 0u64;
    let h = header(FileKind::Snapshot, seq);
    w.write_all(&h)?;
    bytes += h.len() as u64;
    let mut line = Vec::with_capacity(256);
    for (key, entry) in map {
        line.clear();
        line.extend_from_slice(b"{\"key\":");
        push_str(&mut line, key);
        line.extend_from_slice(format!(",\"ver\":{},\"val\":", entry.version).as_bytes());
        line.extend_from_slice(entry.raw.as_bytes());
        seal(&mut line);
        w.write_all(&line)?;
        bytes += line.len() as u64;
    }
    line.clear();
    line.extend_from_slice(format!("{{\"end\":true,\"records\":{}", map.len()).as_bytes());
    seal(&mut line);
    w.write_all(&line)?;
    bytes += line.len() as u64;
    w.flush()?;
    Ok(bytes)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "the checksum is checked before deserialization")]
struct SnapLine {
    key: Option<String>,
    ver: Option<u64>,
    #[serde(default, deserialize_with = "some_raw")]
    val: Option<Box<RawValue>>,
    end: Option<bool>,
    records: Option<u64>,
    crc: String,
}

/// Reads a whole snapshot from `data` (the content of `path`, or an import): returns its `seq`
/// and records. Any damage, a missing end line included, is [`ErrorKind::Corrupt`].
pub(crate) fn read_snapshot(path: &Path, data: &[u8]) -> Result<(u64, Map), StoreError> {
    let mut lines = Lines::new(data);
    let Some((_, first)) = lines.next_complete() else {
        return Err(StoreError::corrupt(path, 1, 0, "empty or torn snapshot"));
    };
    let seq = parse_header(path, first, FileKind::Snapshot)?;
    let mut map = Map::new();
    let mut prev: Option<Box<str>> = None;
    loop {
        let (line_no, offset) = (lines.line_no + 1, lines.pos as u64);
        let bad = |detail: String| StoreError::corrupt(path, line_no, offset, detail);
        let Some((_, line)) = lines.next_complete() else {
            return Err(bad(
                "the snapshot ends without its end line (truncated)".into()
            ));
        };
        let text = verify(line).map_err(bad)?;
        let l: SnapLine =
            serde_json::from_str(text).map_err(|e| bad(format!("bad snapshot line: {e}")))?;
        match l {
            SnapLine {
                key: Some(key),
                ver: Some(version),
                val: Some(raw),
                end: None,
                records: None,
                ..
            } => {
                crate::validate_key(&key).map_err(|e| bad(e.to_string()))?;
                if version == 0 {
                    return Err(bad("version 0".into()));
                }
                let key = key.into_boxed_str();
                if prev.as_ref().is_some_and(|p| *p >= key) {
                    return Err(bad("keys are not in strictly increasing order".into()));
                }
                prev = Some(key.clone());
                map.insert(
                    key,
                    crate::state::Entry {
                        version,
                        raw: raw.into(),
                    },
                );
            }
            SnapLine {
                key: None,
                ver: None,
                val: None,
                end: Some(true),
                records: Some(n),
                ..
            } => {
                if n != map.len() as u64 {
                    return Err(bad(format!(
                        "the end line counts {n} records, the snapshot holds {}",
                        map.len()
                    )));
                }
                if lines.pos != data.len() {
                    return Err(StoreError::corrupt(
                        path,
                        line_no + 1,
                        lines.pos as u64,
                        "data after the end line",
                    ));
                }
                return Ok((seq, map));
            }
            _ => {
                return Err(bad(
                    "a line must be {\"key\":..,\"ver\":..,\"val\":..} or {\"end\":true,\"records\":..}"
                        .into(),
                ));
            }
        }
    }
}

/// Splits a file into lines, tracking line numbers and byte offsets.
pub(crate) struct Lines<'a> {
    data: &'a [u8],
    /// Byte offset of the next line.
    pub(crate) pos: usize,
    /// Number of lines returned so far.
    pub(crate) line_no: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            line_no: 0,
        }
    }

    /// The next line ended by a line break, with its start offset; `None` at the end or before
    /// an unterminated tail.
    pub(crate) fn next_complete(&mut self) -> Option<(usize, &'a [u8])> {
        let rest = self.data.get(self.pos..)?;
        let nl = rest.iter().position(|&b| b == b'\n')?;
        let start = self.pos;
        self.pos += nl + 1;
        self.line_no += 1;
        Some((start, rest.get(..nl)?))
    }

    /// Whether the line last returned is the last complete one and nothing follows it.
    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.data.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn sealed_lines_verify_and_damage_is_caught() {
        let mut line = b"{\"seq\":1,\"commits\":[]".to_vec();
        seal(&mut line);
        assert_eq!(line.last(), Some(&b'\n'));
        let body = &line[..line.len() - 1];
        let text = verify(body).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(text).is_ok());
        let mut bad = body.to_vec();
        bad[8] = b'2';
        assert!(verify(&bad).unwrap_err().contains("checksum mismatch"));
        assert!(verify(b"{}").is_err());
    }

    #[test]
    fn group_lines_round_trip_null_values() {
        let changes = vec![
            Change::Put {
                key: "a/b".into(),
                version: 3,
                raw: "null".into(),
            },
            Change::Delete { key: "a\"c".into() },
        ];
        let line = group_line(7, &[&changes, &[]]);
        let text = verify(&line[..line.len() - 1]).unwrap();
        let (seq, parsed) = parse_group(text).unwrap();
        assert_eq!(seq, 7);
        assert!(
            matches!(&parsed[0], Change::Put { key, version: 3, raw } if &**key == "a/b" && &**raw == "null")
        );
        assert!(matches!(&parsed[1], Change::Delete { key } if &**key == "a\"c"));
    }
}
