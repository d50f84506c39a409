//! Request parameters from serde types, double-wrapped lists, and masking of secrets in
//! anything that may end up in an error.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;

/// Flattens a request struct into RPC parameters.
///
/// The struct must serialize to a JSON object. `null` fields are dropped; strings go as they
/// are; numbers and booleans in their JSON spelling; arrays and objects as a compact JSON
/// string (the form the current SDKs use for `InstanceIds`, `Tag`, ...).
pub fn to_params<T: Serialize + ?Sized>(request: &T) -> Result<Vec<(String, String)>, Error> {
    let value = serde_json::to_value(request)
        .map_err(|e| Error::Config(format!("cannot serialize request parameters: {e}")))?;
    let Value::Object(map) = value else {
        return Err(Error::Config(
            "request parameters must serialize to an object".into(),
        ));
    };
    let mut out = Vec::with_capacity(map.len());
    for (name, value) in map {
        let text = match value {
            Value::Null => continue,
            Value::String(s) => s,
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            other @ (Value::Array(_) | Value::Object(_)) => other.to_string(),
        };
        out.push((name, text));
    }
    Ok(out)
}

/// Deserializes a double-wrapped list (`"Roles": {"Role": [...]}`) into its items, whatever the
/// inner name. A missing or empty wrapper gives an empty list; a single object instead of an
/// array (seen in XML-to-JSON conversions) gives one item.
pub(crate) fn wrapped<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let value = Option::<Value>::deserialize(deserializer)?;
    let inner = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Object(map)) => match map.into_iter().next() {
            None => return Ok(Vec::new()),
            Some((_, inner)) => inner,
        },
        // Tolerate an unwrapped array too.
        Some(array @ Value::Array(_)) => array,
        Some(other) => {
            return Err(serde::de::Error::custom(format!(
                "expected a wrapped list, found {}",
                kind(&other)
            )));
        }
    };
    match inner {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(serde::de::Error::custom))
            .collect(),
        single => serde_json::from_value(single)
            .map(|v| vec![v])
            .map_err(serde::de::Error::custom),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

const SNIPPET_LEN: usize = 300;

/// Field names whose values are masked in snippets.
fn is_sensitive(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("secret") || n.contains("token") || n.contains("password")
}

fn mask(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_sensitive(k) && !v.is_null() {
                    *v = Value::String("***".into());
                } else {
                    mask(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask),
        _ => {}
    }
}

/// The start of a body for an error message: JSON with secret-looking fields masked, or any
/// other text (XML, a truncated JSON body, a proxy's page) with the values that follow a
/// secret-looking name masked ([`mask_text`]).
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut v) => {
            mask(&mut v);
            v.to_string()
        }
        Err(_) => mask_text(&String::from_utf8_lossy(body)),
    };
    let mut out: String = text.chars().take(SNIPPET_LEN).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// `text` with the value after each secret-looking name masked, as far as the text's shape
/// shows where it ends: `<AccessKeySecret>v</...`, `"SecurityToken": "v"` (also with the
/// closing quote missing), `Password=v&...`. A value whose end is not found is masked to the
/// end of the text: masking too much is the safe mistake.
pub(crate) fn mask_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let Some(&b) = bytes.get(i) else { break };
        if !is_word(b) {
            let next = text
                .get(i..)
                .and_then(|rest| rest.char_indices().nth(1))
                .map_or(bytes.len(), |(at, _)| i + at);
            out.push_str(text.get(i..next).unwrap_or_default());
            i = next;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|&b| is_word(b)) {
            i += 1;
        }
        let word = text.get(start..i).unwrap_or_default();
        out.push_str(word);
        if !is_sensitive(word) {
            continue;
        }
        // Where the value starts and which bytes end it.
        let opening_tag =
            start > 0 && bytes.get(start - 1) == Some(&b'<') && bytes.get(i) == Some(&b'>');
        let (from, ends): (usize, &[u8]) = if opening_tag {
            (i + 1, b"<")
        } else if bytes.get(i) == Some(&b'=') {
            (i + 1, b"&\" \r\n")
        } else {
            // `"Name": "value"` or `"Name":value`.
            let mut j = i;
            if bytes.get(j) == Some(&b'"') {
                j += 1;
            }
            while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            if bytes.get(j) != Some(&b':') {
                continue;
            }
            j += 1;
            while bytes.get(j).is_some_and(u8::is_ascii_whitespace) {
                j += 1;
            }
            if bytes.get(j) == Some(&b'"') {
                (j + 1, b"\"")
            } else {
                (j, b",}] \r\n")
            }
        };
        let end = bytes
            .get(from..)
            .and_then(|rest| rest.iter().position(|b| ends.contains(b)))
            .map_or(bytes.len(), |at| from + at);
        if end > from {
            out.push_str(text.get(i..from).unwrap_or_default());
            out.push_str("***");
            i = end;
        }
    }
    out
}

/// RFC 3986 percent-encoding as the RPC signatures use it (§1.4 of the spec).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Masks a secret in a server message, in its raw, percent-encoded and doubly encoded forms
/// (a `SignatureDoesNotMatch` message quotes the string to sign, which holds the V1
/// `SecurityToken` parameter).
pub(crate) fn mask_in_text(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_owned();
    }
    let once = percent_encode(secret);
    let twice = percent_encode(&once);
    text.replace(&twice, "***")
        .replace(&once, "***")
        .replace(secret, "***")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Req {
        role_name: String,
        max_session_duration: Option<u32>,
        description: Option<String>,
        instance_ids: Vec<String>,
        dry_run: bool,
    }

    #[test]
    fn flattening_follows_the_rpc_conventions() {
        let p = to_params(&Req {
            role_name: "r".into(),
            max_session_duration: Some(3600),
            description: None,
            instance_ids: vec!["i-1".into(), "i-2".into()],
            dry_run: false,
        })
        .unwrap();
        assert_eq!(
            p,
            vec![
                ("RoleName".to_owned(), "r".to_owned()),
                ("MaxSessionDuration".to_owned(), "3600".to_owned()),
                ("InstanceIds".to_owned(), r#"["i-1","i-2"]"#.to_owned()),
                ("DryRun".to_owned(), "false".to_owned()),
            ]
        );
        assert!(to_params(&5).is_err());
    }

    #[derive(Deserialize, Debug)]
    struct Wrapped {
        #[serde(rename = "Roles", default, deserialize_with = "wrapped")]
        roles: Vec<String>,
    }

    #[test]
    fn wrapped_lists_unwrap() {
        let w: Wrapped = serde_json::from_str(r#"{"Roles":{"Role":["a","b"]}}"#).unwrap();
        assert_eq!(w.roles, ["a", "b"]);
        let w: Wrapped = serde_json::from_str(r#"{"Roles":{}}"#).unwrap();
        assert!(w.roles.is_empty());
        let w: Wrapped = serde_json::from_str(r#"{}"#).unwrap();
        assert!(w.roles.is_empty());
        let w: Wrapped = serde_json::from_str(r#"{"Roles":{"Role":"x"}}"#).unwrap();
        assert_eq!(w.roles, ["x"]);
        assert!(serde_json::from_str::<Wrapped>(r#"{"Roles":5}"#).is_err());
    }

    #[test]
    fn secrets_in_bodies_that_are_not_json_are_masked() {
        let xml = "<?xml version=\"1.0\"?><CreateAccessKeyResponse><AccessKey>\
                   <AccessKeySecret>lnXad7y3secret</AccessKeySecret><AccessKeyId>LTAI5t\
                   </AccessKeyId></AccessKey></CreateAccessKeyResponse>";
        let s = snippet(xml.as_bytes());
        assert!(!s.contains("lnXad7y3"), "{s}");
        assert!(s.contains("<AccessKeySecret>***</AccessKeySecret>"), "{s}");
        assert!(s.contains("LTAI5t"), "{s}");
        // JSON cut short does not parse; its secrets are masked all the same.
        let cut = r#"{"Credentials": {"SecurityToken": "CAIStoken", "AccessKeySecret": "abc"#;
        let s = snippet(cut.as_bytes());
        assert!(!s.contains("CAIStoken") && !s.contains("abc"), "{s}");
        assert!(s.contains(r#""SecurityToken": "***""#), "{s}");
        let query = "Action=AssumeRole&SecurityToken=CAIS%2Fx&Password=hunter2 rest";
        assert_eq!(
            mask_text(query),
            "Action=AssumeRole&SecurityToken=***&Password=*** rest"
        );
        // Names alone, and text without secrets, are left as they are.
        assert_eq!(
            mask_text("no secret here: <b>é</b>"),
            "no secret here: <b>é</b>"
        );
    }

    #[test]
    fn snippets_mask_secrets() {
        let s = snippet(br#"{"AccessKey":{"AccessKeySecret":"sekrit","AccessKeyId":"LTAI"}}"#);
        assert!(!s.contains("sekrit"), "{s}");
        assert!(s.contains("LTAI"));
        let long = "x".repeat(1000);
        assert!(snippet(long.as_bytes()).chars().count() <= SNIPPET_LEN + 1);
    }

    #[test]
    fn tokens_are_masked_in_every_encoding() {
        let token = "CAIS+ab/cd=";
        let msg = format!(
            "server string to sign is:POST&%2F&SecurityToken%3D{}%26X raw {token} once {}",
            percent_encode(&percent_encode(token)),
            percent_encode(token)
        );
        let masked = mask_in_text(&msg, token);
        assert!(!masked.contains("CAIS"), "{masked}");
    }
}
