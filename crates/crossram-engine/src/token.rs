//! STS credentials without server-side state.
//!
//! A security token is `CAIS` + base64url(JSON claims) + `.` + base64url(HMAC-SHA256(key, claims)).
//! The key is the engine's own (generated once, kept in the store), so tokens survive restarts of a
//! file-backed emulator and cannot be forged or edited by clients. The STS AccessKeySecret is not
//! stored either: it is derived from the AccessKeyId with the same key. Checks that depend on the
//! world (the role still exists with the same id, its sessions were not revoked) are made by the
//! engine on every use. The only memory kept is a bounded one of tokens already opened, which
//! saves decoding them again and holds nothing the tokens do not say.

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hashbrown::HashMap;
use hmac::{Hmac, Mac};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crossram_core::ApiError;

use crate::answer::{FieldSink as _, JsonWriter};
use crate::api::RoleSession;
use crate::env::ALNUM;
use crate::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "CAIS";

/// What a token says about its session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The STS AccessKeyId the token belongs to.
    pub(crate) k: String,
    /// Whose session: `role` or `user` (a console logon).
    pub(crate) t: SessionKind,
    /// The account of the role (or of the console user).
    pub(crate) a: String,
    /// Role id (or user id).
    pub(crate) r: String,
    /// Role name (or user name).
    pub(crate) n: String,
    /// Session name (empty for console users).
    pub(crate) s: String,
    /// Issued at, unix milliseconds.
    pub(crate) i: i64,
    /// Expires at, unix seconds.
    pub(crate) e: i64,
    /// Session policy text, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) p: Option<String>,
    /// Who took the session (for audit), e.g. `alice@company-b.onaliyun.com`.
    pub(crate) c: String,
}

impl Claims {
    /// The claims as JSON, byte for byte what serde_json writes for them (fields in declaration
    /// order, `p` only when present), without going through serde: a token is minted per
    /// AssumeRole.
    fn to_json(&self) -> String {
        let mut w = JsonWriter::object(256);
        w.string("k", &self.k)
            .string(
                "t",
                match self.t {
                    SessionKind::Role => "role",
                    SessionKind::User => "user",
                },
            )
            .string("a", &self.a)
            .string("r", &self.r)
            .string("n", &self.n)
            .string("s", &self.s);
        w.put_int("i", self.i);
        w.put_int("e", self.e);
        if let Some(p) = &self.p {
            w.string("p", p);
        }
        w.string("c", &self.c);
        w.finish()
    }
}

/// The kind of session a token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SessionKind {
    /// A role session (AssumeRole, console Switch Role).
    Role,
    /// A RAM user's console session.
    User,
}

/// The most tokens [`TokenKey::open`] remembers; when full, it starts over.
const OPENED_MAX: usize = 4096;

/// Mints and opens tokens with the engine's key.
pub(crate) struct TokenKey {
    /// HMAC-SHA256 already keyed (its inner and outer pads hashed once, not per use).
    keyed: HmacSha256,
    /// Tokens that opened before, by their exact text. SDKs send the same token with every call
    /// of a session; a repeat skips the base64, the MAC, the JSON and the secret's derivation.
    /// A token's claims never change (neither does the key), so an entry cannot go stale; the
    /// checks that depend on the time and the key id are made on every use.
    opened: Mutex<HashMap<Box<str>, Opened>>,
}

/// A token that opened: its claims and the secret of its AccessKeyId.
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    pub(crate) claims: Arc<Claims>,
    pub(crate) secret: Secret,
    /// The role session the claims stand for, once built (by `sts::session_caller`, which
    /// still checks the role on every use): a pure function of the claims.
    pub(crate) session: Arc<OnceLock<Arc<RoleSession>>>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

impl TokenKey {
    pub(crate) fn new(key: &[u8]) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let keyed = HmacSha256::new_from_slice(key)
            .unwrap_or_else(|_| <HmacSha256 as hmac::digest::KeyInit>::new(&Default::default()));
        Self {
            keyed,
            opened: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, label: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(label);
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The secret of an STS AccessKeyId.
    pub(crate) fn secret_for(&self, access_key_id: &str) -> Secret {
        let mac = self.mac(b"sts-secret", access_key_id.as_bytes());
        let s: String = mac
            .iter()
            .take(30)
            .map(|b| {
                char::from(
                    ALNUM
                        .get(usize::from(*b) % ALNUM.len())
                        .copied()
                        .unwrap_or(b'0'),
                )
            })
            .collect();
        Secret::new(s)
    }

    /// The token for `claims`.
    pub(crate) fn mint(&self, claims: &Claims) -> Secret {
        let body = claims.to_json();
        let body = body.as_bytes();
        let mac = self.mac(b"sts-token", body);
        let mut token = String::with_capacity(PREFIX.len() + body.len() * 4 / 3 + 48);
        token.push_str(PREFIX);
        URL_SAFE_NO_PAD.encode_string(body, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(mac, &mut token);
        Secret::new(token)
    }

    /// Opens a token and checks it belongs to `access_key_id` and has not expired at `now_s`.
    pub(crate) fn open(
        &self,
        token: &str,
        access_key_id: &str,
        now_s: i64,
    ) -> Result<Opened, ApiError> {
        let known = self.opened.lock().get(token).cloned();
        let opened = match known {
            Some(opened) => opened,
            None => {
                let claims = self.verify(token).ok_or_else(malformed)?;
                let opened = Opened {
                    secret: self.secret_for(&claims.k),
                    claims: Arc::new(claims),
                    session: Arc::new(OnceLock::new()),
                };
                let mut known = self.opened.lock();
                if known.len() >= OPENED_MAX {
                    known.clear();
                }
                known.insert(token.into(), opened.clone());
                opened
            }
        };
        let claims = &opened.claims;
        if claims.k != access_key_id {
            return Err(ApiError::new(
                "InvalidSecurityToken.MismatchWithAccessKey",
                400,
                "Specified SecurityToken mismatch with the AccessKey.",
            ));
        }
        if now_s >= claims.e {
            return Err(expired("Specified SecurityToken is expired."));
        }
        Ok(opened)
    }

    fn verify(&self, token: &str) -> Option<Claims> {
        let rest = token.strip_prefix(PREFIX)?;
        let (body_b64, mac_b64) = rest.split_once('.')?;
        let body = URL_SAFE_NO_PAD.decode(body_b64).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac_b64).ok()?;
        let expected = self.mac(b"sts-token", &body);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_slice(),
            mac.as_slice(),
        )) {
            return None;
        }
        serde_json::from_slice(&body).ok()
    }
}

fn malformed() -> ApiError {
    ApiError::new(
        "InvalidSecurityToken.Malformed",
        400,
        "Specified SecurityToken is malformed.",
    )
}

/// `InvalidSecurityToken.Expired` with a message.
pub(crate) fn expired(message: &str) -> ApiError {
    ApiError::new("InvalidSecurityToken.Expired", 400, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            k: "STS.AAA".into(),
            t: SessionKind::Role,
            a: "11223344".into(),
            r: "300".into(),
            n: "ecs-admin".into(),
            s: "alice".into(),
            i: 1_000,
            e: 100,
            p: None,
            c: "alice@company-b.onaliyun.com".into(),
        }
    }

    #[test]
    fn a_minted_token_opens_with_its_key_only() {
        let key = TokenKey::new(&[7; 32]);
        let token = key.mint(&claims());
        assert_eq!(
            *key.open(token.expose(), "STS.AAA", 50).unwrap().claims,
            claims()
        );
        let other = TokenKey::new(&[8; 32]);
        assert_eq!(
            other
                .open(token.expose(), "STS.AAA", 50)
                .unwrap_err()
                .code(),
            "InvalidSecurityToken.Malformed"
        );
    }

    #[test]
    fn tokens_are_bound_to_their_key_and_expire() {
        let key = TokenKey::new(&[7; 32]);
        let token = key.mint(&claims());
        // Once before the checks, so that they are also made on a token opened before.
        let opened = key.open(token.expose(), "STS.AAA", 99).unwrap();
        assert_eq!(opened.secret, key.secret_for("STS.AAA"));
        assert_eq!(
            key.open(token.expose(), "STS.BBB", 50).unwrap_err().code(),
            "InvalidSecurityToken.MismatchWithAccessKey"
        );
        assert_eq!(
            key.open(token.expose(), "STS.AAA", 100).unwrap_err().code(),
            "InvalidSecurityToken.Expired"
        );
    }

    #[test]
    fn an_edited_token_is_malformed() {
        let key = TokenKey::new(&[7; 32]);
        let token_text = key.mint(&claims()).expose().to_owned();
        // Flip one character of the claims (after the original opened once).
        let mut bytes = token_text.clone().into_bytes();
        bytes[10] = if bytes[10] == b'A' { b'B' } else { b'A' };
        let edited = String::from_utf8(bytes).unwrap();
        key.open(&token_text, "STS.AAA", 50).unwrap();
        assert_eq!(
            key.open(&edited, "STS.AAA", 50).unwrap_err().code(),
            "InvalidSecurityToken.Malformed"
        );
        assert_eq!(
            key.open("garbage", "STS.AAA", 50).unwrap_err().code(),
            "InvalidSecurityToken.Malformed"
        );
    }

    #[test]
    fn claims_are_written_as_serde_json_writes_them() {
        let mut c = claims();
        assert_eq!(c.to_json(), serde_json::to_string(&c).unwrap());
        c.t = SessionKind::User;
        c.p = Some(r#"{"Statement":[{"Effect":"Allow","Action":"ecs:*"}]}"#.into());
        c.c = "quote \" backslash \\ tab \t".into();
        c.i = -5;
        assert_eq!(c.to_json(), serde_json::to_string(&c).unwrap());
    }

    #[test]
    fn remembered_tokens_are_bounded() {
        let key = TokenKey::new(&[7; 32]);
        for i in 0..=OPENED_MAX {
            let mut c = claims();
            c.s = format!("session-{i}");
            let token = key.mint(&c);
            assert_eq!(
                key.open(token.expose(), "STS.AAA", 50).unwrap().claims.s,
                c.s
            );
            assert!(key.opened.lock().len() <= OPENED_MAX);
        }
        assert_eq!(key.opened.lock().len(), 1, "started over when full");
    }

    #[test]
    fn sts_secrets_are_derived_per_key_id() {
        let key = TokenKey::new(&[7; 32]);
        assert_eq!(key.secret_for("STS.A"), key.secret_for("STS.A"));
        assert_ne!(
            key.secret_for("STS.A").expose(),
            key.secret_for("STS.B").expose()
        );
        assert_eq!(key.secret_for("STS.A").expose().len(), 30);
    }
}
