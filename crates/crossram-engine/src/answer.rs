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

/// Appends `s` as a JSON string, quoted and escaped exactly as `serde_json` does.
fn push_json_string(out: &mut Vec<u8>, s: &str) {
    // Writing into a `Vec` cannot fail.
    let _ = serde_json::to_writer(out, s);
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
