//! The common error body (spec §2.3): `{RequestId, HostId, Code, Message, Recommend,
//! AccessDeniedDetail}` with capitalised keys, and the `Recommend` diagnosis URL.

use serde::{Deserialize, Serialize};

use crate::encode::percent_encode;

/// The body of every error answer. Absent optional fields are not serialised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorBody {
    /// The request id, e.g. `04F0F334-1335-436C-A1D7-6C044FE73368`.
    pub request_id: String,
    /// The endpoint host the request reached, e.g. `sts.aliyuncs.com`.
    pub host_id: String,
    /// The error code, e.g. `SignatureDoesNotMatch`.
    pub code: String,
    /// The message for a person.
    pub message: String,
    /// A diagnosis URL, see [`recommend_url`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommend: Option<String>,
    /// Details of an authorization failure (an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_denied_detail: Option<serde_json::Value>,
}

impl ErrorBody {
    /// A body with `Recommend` filled in from the code, the product and the request id.
    pub fn new(
        request_id: impl Into<String>,
        host_id: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
        product: &str,
    ) -> Self {
        let request_id = request_id.into();
        let code = code.into();
        let recommend = Some(recommend_url(&code, product, &request_id));
        Self {
            request_id,
            host_id: host_id.into(),
            code,
            message: message.into(),
            recommend,
            access_denied_detail: None,
        }
    }

    /// The body serialised as JSON (the default response format).
    pub fn to_json(&self) -> String {
        // Serialising plain strings and a `Value` cannot fail; fall back to a minimal body.
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                "{{\"RequestId\":{:?},\"Code\":{:?}}}",
                self.request_id, self.code
            )
        })
    }

    /// The body as XML (`<Error>...</Error>` with a declaration), for `Format=XML`.
    /// `AccessDeniedDetail` is written as its JSON text.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error>");
        let mut elem = |name: &str, value: &str| {
            out.push('<');
            out.push_str(name);
            out.push('>');
            xml_escape_into(value, &mut out);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        };
        elem("RequestId", &self.request_id);
        elem("HostId", &self.host_id);
        elem("Code", &self.code);
        elem("Message", &self.message);
        if let Some(r) = &self.recommend {
            elem("Recommend", r);
        }
        if let Some(d) = &self.access_denied_detail {
            elem("AccessDeniedDetail", &d.to_string());
        }
        out.push_str("</Error>");
        out
    }
}

/// Escapes `& < > " '` for XML text.
pub fn xml_escape_into(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
}

/// `https://api.aliyun.com/troubleshoot?q=<Code>&product=<Product>&requestId=<RequestId>`,
/// each part percent-encoded.
///
/// ```
/// assert_eq!(
///     crossram_wire::recommend_url("EntityNotExist.Role", "Ram", "5B3B-2D2B"),
///     "https://api.aliyun.com/troubleshoot?q=EntityNotExist.Role&product=Ram&requestId=5B3B-2D2B"
/// );
/// ```
pub fn recommend_url(code: &str, product: &str, request_id: &str) -> String {
    format!(
        "https://api.aliyun.com/troubleshoot?q={}&product={}&requestId={}",
        percent_encode(code),
        percent_encode(product),
        percent_encode(request_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_capitalised_and_skips_none() {
        let mut body = ErrorBody::new("RID", "ram.aliyuncs.com", "NoPermission", "m", "Ram");
        assert_eq!(
            body.to_json(),
            r#"{"RequestId":"RID","HostId":"ram.aliyuncs.com","Code":"NoPermission","Message":"m","Recommend":"https://api.aliyun.com/troubleshoot?q=NoPermission&product=Ram&requestId=RID"}"#
        );
        body.recommend = None;
        body.access_denied_detail = Some(serde_json::json!({"AuthAction": "ram:CreateRole"}));
        assert_eq!(
            body.to_json(),
            r#"{"RequestId":"RID","HostId":"ram.aliyuncs.com","Code":"NoPermission","Message":"m","AccessDeniedDetail":{"AuthAction":"ram:CreateRole"}}"#
        );
        let back: ErrorBody = serde_json::from_str(&body.to_json()).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn xml_escapes() {
        let body = ErrorBody {
            request_id: "R".into(),
            host_id: "h".into(),
            code: "C".into(),
            message: "a<b & \"c\"".into(),
            recommend: None,
            access_denied_detail: None,
        };
        assert_eq!(
            body.to_xml(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>R</RequestId><HostId>h</HostId><Code>C</Code><Message>a&lt;b &amp; &quot;c&quot;</Message></Error>"
        );
    }
}
