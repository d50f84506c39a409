//! Rendering answers: a success as JSON (`{"RequestId": ..., fields}`) or XML
//! (`<ActionResponse>...</ActionResponse>`), and the common error body in either format.
//!
//! XML follows the documented shape: object fields become child elements, and a JSON array under
//! a key becomes that element repeated (so the double-wrapped `"Roles": {"Role": [a, b]}` renders
//! as `<Roles><Role>a</Role><Role>b</Role></Roles>`). Text is escaped; names that are not valid
//! XML names have the offending characters replaced by `_`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use crossram_wire::body::xml_escape_into;
use crossram_wire::{ErrorBody, ResponseFormat};
use serde_json::{Map, Value};

/// `Content-Type` of JSON answers.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";
/// `Content-Type` of XML answers.
pub const XML_CONTENT_TYPE: &str = "text/xml;charset=utf-8";

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

/// The JSON body of a success: `RequestId` first, then the action's fields, serialized straight
/// into one buffer (no copy of the fields, no `Display` round trip).
pub(crate) fn success_json(request_id: &str, fields: &Map<String, Value>) -> String {
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(b"{\"RequestId\":");
    json_into(&mut out, request_id);
    for (k, v) in fields {
        if k != "RequestId" {
            out.push(b',');
            json_into(&mut out, k);
            out.push(b':');
            json_into(&mut out, v);
        }
    }
    out.push(b'}');
    // serde_json writes UTF-8 only.
    String::from_utf8(out).unwrap_or_default()
}

/// The JSON body of a success whose fields the engine wrote as a JSON object already:
/// `RequestId` first, then the object's members, spliced in without parsing them.
pub(crate) fn success_json_spliced(request_id: &str, fields: &str) -> String {
    let mut out = Vec::with_capacity(fields.len() + request_id.len() + 16);
    out.extend_from_slice(b"{\"RequestId\":");
    json_into(&mut out, request_id);
    let members = fields
        .strip_prefix('{')
        .and_then(|f| f.strip_suffix('}'))
        .unwrap_or_default()
        .trim_ascii();
    if !members.is_empty() {
        out.push(b',');
        out.extend_from_slice(members.as_bytes());
    }
    out.push(b'}');
    // Both parts are UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the JSON of `value`; a `Value` or a `str` cannot fail to serialize into a `Vec`.
fn json_into<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    let _ = serde_json::to_writer(&mut *out, value);
}

/// The XML body of a success: `<?xml ...?><{action}Response><RequestId>..</RequestId>...`.
pub(crate) fn success_xml(action: &str, request_id: &str, fields: &Map<String, Value>) -> String {
    let root = format!("{}Response", xml_name(action));
    let mut out = String::with_capacity(256);
    out.push_str(XML_DECLARATION);
    open(&root, &mut out);
    element("RequestId", &Value::String(request_id.to_owned()), &mut out);
    for (k, v) in fields {
        if k != "RequestId" {
            element(k, v, &mut out);
        }
    }
    close(&root, &mut out);
    out
}

/// A valid XML element name made from `name` (invalid characters become `_`).
pub(crate) fn xml_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        let ok = c.is_ascii_alphabetic()
            || c == '_'
            || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '.'));
        out.push(if ok { c } else { '_' });
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

fn open(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn element(name: &str, value: &Value, out: &mut String) {
    let name = xml_name(name);
    match value {
        Value::Array(items) => {
            for item in items {
                element(&name, item, out);
            }
        }
        Value::Object(map) => {
            open(&name, out);
            for (k, v) in map {
                element(k, v, out);
            }
            close(&name, out);
        }
        Value::Null => {
            open(&name, out);
            close(&name, out);
        }
        Value::String(s) => {
            open(&name, out);
            xml_escape_into(s, out);
            close(&name, out);
        }
        Value::Bool(b) => {
            open(&name, out);
            out.push_str(if *b { "true" } else { "false" });
            close(&name, out);
        }
        Value::Number(n) => {
            open(&name, out);
            out.push_str(&n.to_string());
            close(&name, out);
        }
    }
}

/// An HTTP response with a body, content type and the `x-acs-request-id` header.
pub(crate) fn respond(
    status: StatusCode,
    format: ResponseFormat,
    request_id: &str,
    body: String,
) -> Response {
    let content_type = match format {
        ResponseFormat::Json => JSON_CONTENT_TYPE,
        ResponseFormat::Xml => XML_CONTENT_TYPE,
    };
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", v);
    }
    res
}

/// An error response: the status of the error (never 2xx: anything below 400 becomes 500) and
/// the common error body in the requested format.
pub(crate) fn error_response(status: u16, format: ResponseFormat, body: &ErrorBody) -> Response {
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(|s| s.is_client_error() || s.is_server_error())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = match format {
        ResponseFormat::Json => body.to_json(),
        ResponseFormat::Xml => body.to_xml(),
    };
    respond(status, format, &body.request_id, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn spliced_json_is_the_json_of_the_same_fields() {
        let fields = json!({"AssumedRoleUser": {"Arn": "acs:ram::1:role/r/s"}, "Note": "a\"b"});
        let text = fields.to_string();
        assert_eq!(
            success_json_spliced("R-1", &text),
            success_json("R-1", &map(fields))
        );
        assert_eq!(success_json_spliced("R-1", "{}"), "{\"RequestId\":\"R-1\"}");
    }

    #[test]
    fn json_puts_request_id_first() {
        let fields = map(json!({"Arn": "acs:ram::1:root", "IsTruncated": false}));
        assert_eq!(
            success_json("RID", &fields),
            r#"{"RequestId":"RID","Arn":"acs:ram::1:root","IsTruncated":false}"#
        );
    }

    #[test]
    fn xml_repeats_list_items_and_escapes() {
        let fields = map(json!({
            "IsTruncated": false,
            "Roles": {"Role": [
                {"RoleName": "a<b", "MaxSessionDuration": 3600},
                {"RoleName": "c&d", "Description": null}
            ]},
            "Empty": {"Item": []}
        }));
        assert_eq!(
            success_xml("ListRoles", "RID", &fields),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListRolesResponse><RequestId>RID</RequestId>\
             <IsTruncated>false</IsTruncated><Roles><Role><RoleName>a&lt;b</RoleName>\
             <MaxSessionDuration>3600</MaxSessionDuration></Role><Role><RoleName>c&amp;d</RoleName>\
             <Description></Description></Role></Roles><Empty></Empty></ListRolesResponse>"
        );
    }

    #[test]
    fn xml_names_are_sanitised() {
        assert_eq!(xml_name("Get<x>"), "Get_x_");
        assert_eq!(xml_name("1abc"), "_abc");
        assert_eq!(xml_name(""), "_");
        assert_eq!(xml_name("a.b-c9"), "a.b-c9");
    }

    #[test]
    fn errors_are_never_2xx() {
        let body = ErrorBody::new("R", "h", "C", "m", "Ram");
        assert_eq!(
            error_response(200, ResponseFormat::Json, &body).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            error_response(404, ResponseFormat::Json, &body).status(),
            StatusCode::NOT_FOUND
        );
        let res = error_response(403, ResponseFormat::Xml, &body);
        assert_eq!(
            res.headers().get(header::CONTENT_TYPE).unwrap(),
            XML_CONTENT_TYPE
        );
    }
}
