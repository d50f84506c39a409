//! Credentials from environment variables, read through an injectable [`Env`].

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use super::{Credentials, CredentialsProvider};
use crate::error::Error;

/// The AccessKeyId variable.
pub const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// The AccessKeySecret variable.
pub const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// The STS security token variable (optional).
pub const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// A view of environment variables; tests substitute a [`MapEnv`].
pub trait Env: Send + Sync + fmt::Debug + 'static {
    /// The value of a variable, `None` when unset or not valid UTF-8.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

/// A fixed set of variables. `Debug` lists only the names.
#[derive(Clone, Default)]
pub struct MapEnv(HashMap<String, String>);

impl MapEnv {
    /// Variables from name/value pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl fmt::Debug for MapEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.0.keys().collect();
        names.sort();
        f.debug_tuple("MapEnv").field(&names).finish()
    }
}

impl Env for MapEnv {
    fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// Reads `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and, if set,
/// `ALIBABA_CLOUD_SECURITY_TOKEN` at every call.
#[derive(Debug, Clone)]
pub struct EnvProvider {
    env: Arc<dyn Env>,
}

impl EnvProvider {
    /// Reads the process environment.
    pub fn new() -> Self {
        Self::with_env(ProcessEnv)
    }

    /// Reads the given environment.
    pub fn with_env(env: impl Env) -> Self {
        Self { env: Arc::new(env) }
    }

    /// Reads a shared environment.
    pub fn with_shared_env(env: Arc<dyn Env>) -> Self {
        Self { env }
    }
}

impl Default for EnvProvider {
    fn default() -> Self {
        Self::new()
    }
}

fn non_empty(env: &dyn Env, name: &str) -> Option<String> {
    env.var(name).filter(|v| !v.trim().is_empty())
}

#[async_trait::async_trait]
impl CredentialsProvider for EnvProvider {
    async fn credentials(&self) -> Result<Credentials, Error> {
        let id = non_empty(&*self.env, ENV_ACCESS_KEY_ID);
        let secret = non_empty(&*self.env, ENV_ACCESS_KEY_SECRET);
        let token = non_empty(&*self.env, ENV_SECURITY_TOKEN);
        match (id, secret) {
            (Some(id), Some(secret)) => {
                let creds = Credentials::new(id, secret);
                Ok(match token {
                    Some(token) => creds.with_security_token(token),
                    None => creds,
                })
            }
            (None, None) if token.is_none() => Err(Error::Credentials(format!(
                "environment: {ENV_ACCESS_KEY_ID} is not set"
            ))),
            // Half a key is a mistake to be told, not a reason to run as whoever comes next.
            (Some(_), None) => Err(Error::Config(format!(
                "environment: {ENV_ACCESS_KEY_ID} is set but {ENV_ACCESS_KEY_SECRET} is not"
            ))),
            (None, _) => Err(Error::Config(format!(
                "environment: {} is set but {ENV_ACCESS_KEY_ID} is not",
                if token.is_some() {
                    ENV_SECURITY_TOKEN
                } else {
                    ENV_ACCESS_KEY_SECRET
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_keys_and_optional_token() {
        let p = EnvProvider::with_env(MapEnv::from_pairs([
            (ENV_ACCESS_KEY_ID, "LTAI1"),
            (ENV_ACCESS_KEY_SECRET, "sec"),
        ]));
        let c = p.credentials().await.unwrap();
        assert_eq!(c.access_key_id, "LTAI1");
        assert_eq!(c.access_key_secret.expose(), "sec");
        assert!(c.security_token.is_none());

        let p = EnvProvider::with_env(MapEnv::from_pairs([
            (ENV_ACCESS_KEY_ID, "STS.1"),
            (ENV_ACCESS_KEY_SECRET, "sec"),
            (ENV_SECURITY_TOKEN, "tok"),
        ]));
        let c = p.credentials().await.unwrap();
        assert_eq!(c.security_token.unwrap().expose(), "tok");
    }

    #[tokio::test]
    async fn no_keys_are_nothing_to_offer_and_half_a_key_is_a_config_error() {
        let p = EnvProvider::with_env(MapEnv::default());
        assert!(matches!(p.credentials().await, Err(Error::Credentials(_))));
        let p = EnvProvider::with_env(MapEnv::from_pairs([(ENV_ACCESS_KEY_ID, "LTAI1")]));
        let err = p.credentials().await.unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(err.to_string().contains(ENV_ACCESS_KEY_SECRET), "{err}");
        for lone in [ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN] {
            let p = EnvProvider::with_env(MapEnv::from_pairs([(lone, "x")]));
            let err = p.credentials().await.unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{lone}: {err:?}");
            assert!(err.to_string().contains(lone), "{err}");
        }
        let p = EnvProvider::with_env(MapEnv::from_pairs([
            (ENV_ACCESS_KEY_ID, "LTAI1"),
            (ENV_ACCESS_KEY_SECRET, "very-secret-value"),
        ]));
        assert!(!format!("{p:?}").contains("very-secret-value"));
    }
}
