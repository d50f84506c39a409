//! What a successful call answers, as the HTTP front renders it: the action's fields as a map, or,
//! for the calls made most often (AssumeRole, GetCallerIdentity), already written as one compact
//! JSON object by a small writer (`JsonWriter`). Building a `serde_json::Map` only to serialize it
//! at once cost those calls 4,000-5,000 instructions each (an insert with SipHash per key, an
//! allocation per key and per map); the JSON form writes the same bytes straight into one buffer.

use std::fmt;

use crate::api::Response;

/// A successful answer, without `RequestId` (the front adds it).
#[derive(Clone, PartialEq)]
pub enum Answer {
    /// The action's fields.
    Fields(Response),
    /// The action's fields as one compact JSON object (`{...}`), in the order the real service
    /// documents them.
    Json(String),
}

impl Answer {
    /// The fields as a map (the JSON form parsed), for XML rendering and for callers that read
    /// single fields.
    pub fn into_fields(self) -> Response {
        match self {
            Answer::Fields(fields) => fields,
            // The engine writes the JSON form itself, so it always parses as an object.
            Answer::Json(text) => serde_json::from_str(&text).unwrap_or_default(),
        }
    }
}

impl fmt::Debug for Answer {
    // Answers carry secrets (AccessKeySecret, SecurityToken): only their shape is printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Answer::Fields(fields) => f
                .debug_tuple("Fields")
                .field(&fields.keys().collect::<Vec<_>>())
                .finish(),
            Answer::Json(text) => write!(f, "Json({} bytes)", text.len()),
        }
    }
}

/// Writes a JSON object as compact text, byte for byte what `serde_json` writes for the same
/// map: keys in the order written, strings escaped by serde_json's own escaper.
#[derive(Debug)]
pub(crate) struct JsonWriter {
    out: Vec<u8>,
    /// Whether the next key needs a comma before it.
    comma: bool,
}

impl JsonWriter {
    /// A writer with room for `capacity` bytes, its outermost object opened.
    pub(crate) fn object(capacity: usize) -> Self {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        Self { out, comma: false }
    }

    fn key(&mut self, key: &str) {
        if self.comma {
            self.out.push(b',');
        }
        push_json_string(&mut self.out, key);
        self.out.push(b':');
    }

    /// `"key":"value"`.
    pub(crate) fn string(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key);
        push_json_string(&mut self.out, value);
        self.comma = true;
        self
    }

    /// `"key":{`; fields written next go into it until [`JsonWriter::close`].
    pub(crate) fn open(&mut self, key: &str) -> &mut Self {
        self.key(key);
        self.out.push(b'{');
        self.comma = false;
        self
    }

    /// `}`: closes the object opened last.
    pub(crate) fn close(&mut self) -> &mut Self {
        self.out.push(b'}');
        self.comma = true;
        self
    }

    /// Closes the outermost object and hands the text over.
    pub(crate) fn finish(mut self) -> String {
        self.out.push(b'}');
        // Only `str`s and ASCII punctuation were written.
        String::from_utf8(self.out).unwrap_or_default()
    }
}

/// Where an entity's fields are written: a map (an item of a list answer) or a [`JsonWriter`]
/// (a single entity answered straight as JSON). One function per entity writes to either, so
/// the two forms cannot drift apart.
pub(crate) trait FieldSink {
    /// `"key":"value"`.
    fn put_str(&mut self, key: &str, value: &str);
    /// `"key":123`.
    fn put_int(&mut self, key: &str, value: i64);
    /// `"key":true`.
    fn put_bool(&mut self, key: &str, value: bool);
}

impl FieldSink for Response {
    fn put_str(&mut self, key: &str, value: &str) {
        self.insert(key.to_owned(), value.into());
    }
    fn put_int(&mut self, key: &str, value: i64) {
        self.insert(key.to_owned(), value.into());
    }
    fn put_bool(&mut self, key: &str, value: bool) {
        self.insert(key.to_owned(), value.into());
    }
}

impl FieldSink for JsonWriter {
    fn put_str(&mut self, key: &str, value: &str) {
        self.string(key, value);
    }
    fn put_int(&mut self, key: &str, value: i64) {
        self.key(key);
        // Writing into a `Vec` cannot fail; serde_json writes integers with itoa.
        let _ = serde_json::to_writer(&mut self.out, &value);
        self.comma = true;
    }
    fn put_bool(&mut self, key: &str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        self.comma = true;
    }
}

/// Appends `s` as a JSON string, quoted and escaped exactly as `serde_json` does. Nearly every
/// value (ids, ARNs, tokens, dates) needs no escape: those are copied whole, after a check of
/// eight bytes per step; the others go through serde_json's escaper.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        // Writing into a `Vec` cannot fail.
        let _ = serde_json::to_writer(out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Whether `bytes` holds a byte JSON escapes: a control character (below 0x20), `"` or `\`.
fn needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A high bit of the result is set if some byte of `word` is below `n` (n <= 0x80) (the
    // "has less" and "has zero" tests of bit twiddling; a set bit is never missed).
    let has_less = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let has_byte = |word: u64, b: u8| has_less(word ^ (ONES * u64::from(b)), 1);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let mut eight = [0; 8];
        eight.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(eight);
        if has_less(word, 0x20) | has_byte(word, b'"') | has_byte(word, b'\\') != 0 {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_objects_match_serde_json() {
        let mut w = JsonWriter::object(64);
        w.open("User")
            .string("Arn", "acs:ram::1:role/a")
            .string("Id", "x")
            .close()
            .string("Note", "quote \" back \\ tab \t bell \u{7} é")
            .open("Empty")
            .close();
        let text = w.finish();
        let want = serde_json::json!({
            "User": {"Arn": "acs:ram::1:role/a", "Id": "x"},
            "Note": "quote \" back \\ tab \t bell \u{7} é",
            "Empty": {},
        });
        assert_eq!(text, want.to_string());
        assert_eq!(JsonWriter::object(0).finish(), "{}");
    }

    #[test]
    fn field_sinks_write_the_same_object() {
        let write = |sink: &mut dyn FieldSink| {
            sink.put_str("Name", "a\"b");
            sink.put_int("Max", -3600);
            sink.put_int("Big", i64::MAX);
            sink.put_bool("Yes", true);
            sink.put_bool("No", false);
        };
        let mut map = Response::new();
        write(&mut map);
        let mut w = JsonWriter::object(8);
        write(&mut w);
        assert_eq!(w.finish(), serde_json::Value::Object(map).to_string());
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_json_does() {
        for b in 0u8..0x80 {
            let s = format!("a{}b", char::from(b));
            let mut w = JsonWriter::object(8);
            w.string("k", &s);
            let want = serde_json::json!({ "k": s }).to_string();
            assert_eq!(w.finish(), want, "byte {b:#x}");
        }
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        // Every byte that may stand alone in UTF-8, and a few multi-byte characters, at every
        // place of strings shorter and longer than the eight bytes checked per step.
        let specials: Vec<String> = (0u8..0x80)
            .map(|b| char::from(b).to_string())
            .chain(["é", "中", "\u{7f}", "\u{2028}", "😀"].map(str::to_owned))
            .collect();
        for len in [0, 1, 7, 8, 9, 15, 16, 17, 24] {
            for at in 0..len {
                for special in &specials {
                    let mut s = "x".repeat(at);
                    s.push_str(special);
                    s.push_str(&"y".repeat(len - at - 1));
                    let mut out = Vec::new();
                    push_json_string(&mut out, &s);
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        serde_json::to_string(&s).unwrap(),
                        "{s:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn debug_shows_no_values() {
        let mut w = JsonWriter::object(64);
        w.string("AccessKeySecret", "very-secret");
        let answer = Answer::Json(w.finish());
        assert!(!format!("{answer:?}").contains("very-secret"));
        let fields = answer.clone().into_fields();
        assert_eq!(fields["AccessKeySecret"], "very-secret");
        let debug = format!("{:?}", Answer::Fields(fields));
        assert!(!debug.contains("very-secret"), "{debug}");
        assert!(debug.contains("AccessKeySecret"), "{debug}");
    }
}
