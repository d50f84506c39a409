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

impl From<Response> for Answer {
    fn from(fields: Response) -> Self {
        Answer::Fields(fields)
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
/// map: keys in the order written, strings escaped the same way.
#[derive(Debug, Default)]
pub(crate) struct JsonWriter {
    out: String,
    /// Whether the next key needs a comma before it.
    comma: bool,
}

impl JsonWriter {
    /// A writer with room for `capacity` bytes, its outermost object opened.
    pub(crate) fn object(capacity: usize) -> Self {
        let mut out = String::with_capacity(capacity);
        out.push('{');
        Self { out, comma: false }
    }

    fn key(&mut self, key: &str) {
        if self.comma {
            self.out.push(',');
        }
        push_json_string(&mut self.out, key);
        self.out.push(':');
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
        self.out.push('{');
        self.comma = false;
        self
    }

    /// `}`: closes the object opened last.
    pub(crate) fn close(&mut self) -> &mut Self {
        self.out.push('}');
        self.comma = true;
        self
    }

    /// Closes the outermost object and hands the text over.
    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it: `"` and `\` with a
/// backslash, the usual short forms for control characters and `\u00XX` for the others,
/// everything else (including non-ASCII) as it is.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let needs_escape = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
    if !s.bytes().any(needs_escape) {
        // Ids, ARNs, tokens and timestamps: nothing to escape, one copy.
        out.push_str(s);
    } else {
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if u32::from(c) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let b = u32::from(c);
                    out.push_str("\\u00");
                    for nibble in [b >> 4, b & 15] {
                        let digit = HEX.get(nibble as usize).copied().unwrap_or(b'0');
                        out.push(char::from(digit));
                    }
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
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
    fn every_control_character_is_escaped_as_serde_json_does() {
        for b in 0u8..0x80 {
            let s = format!("a{}b", char::from(b));
            let mut out = String::new();
            push_json_string(&mut out, &s);
            assert_eq!(out, serde_json::to_string(&s).unwrap(), "byte {b:#x}");
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
