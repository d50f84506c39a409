//! Credentials and where they come from: static keys, the environment, an aliyun CLI profile,
//! a role assumed through STS, and a chain of those in the order the official SDKs use.

mod env;
mod profile;
mod ram_role_arn;

use std::fmt;
use std::sync::Arc;

use time::OffsetDateTime;

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::secret::Secret;
use crate::transport::Transport;

pub use env::{
    ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN, Env, EnvProvider, MapEnv,
    ProcessEnv,
};
pub use profile::{ENV_PROFILE, ProfileProvider, ProfileProviderBuilder};
pub use ram_role_arn::{RamRoleArnProvider, RamRoleArnProviderBuilder};

/// An AccessKey pair, with a security token for STS credentials.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credentials {
    /// The AccessKeyId (`LTAI…`, or `STS.…` for STS credentials). Not a secret.
    pub access_key_id: String,
    /// The AccessKeySecret.
    pub access_key_secret: Secret,
    /// The STS security token, for STS credentials.
    pub security_token: Option<Secret>,
    /// When STS credentials stop working; `None` for long-term keys.
    pub expiration: Option<OffsetDateTime>,
}

impl Credentials {
    /// Long-term AccessKey credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<Secret>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
            expiration: None,
        }
    }

    /// Adds an STS security token.
    pub fn with_security_token(mut self, token: impl Into<Secret>) -> Self {
        self.security_token = Some(token.into());
        self
    }

    /// Sets the expiration instant.
    pub fn with_expiration(mut self, expiration: OffsetDateTime) -> Self {
        self.expiration = Some(expiration);
        self
    }
}

/// Supplies credentials for each call. Called once per attempt, so a provider that caches and
/// refreshes (like [`RamRoleArnProvider`]) decides when new credentials are needed.
#[async_trait::async_trait]
pub trait CredentialsProvider: Send + Sync + fmt::Debug + 'static {
    /// Credentials valid now.
    ///
    /// # Behavior
    /// - `Err(Error::Credentials(..))` means this provider has nothing to offer (nothing
    ///   configured for it: no variables, no profile file); a [`ChainProvider`] moves on to the
    ///   next one.
    /// - `Err(Error::Config(..))` means its configuration is there but broken (half an
    ///   AccessKey pair, a profile named but missing, a profile of an unsupported mode); a
    ///   chain stops there, so a mistake never runs the caller as the next provider's identity.
    /// - Any other error (e.g. a refused `AssumeRole`) means the provider is configured but
    ///   failed; a chain stops there too.
    async fn credentials(&self) -> Result<Credentials, Error>;
}

/// Static credentials are their own provider.
#[async_trait::async_trait]
impl CredentialsProvider for Credentials {
    async fn credentials(&self) -> Result<Credentials, Error> {
        if self.access_key_id.is_empty() || self.access_key_secret.is_empty() {
            return Err(Error::Credentials(
                "static credentials have an empty AccessKeyId or AccessKeySecret".into(),
            ));
        }
        Ok(self.clone())
    }
}

#[async_trait::async_trait]
impl<T: CredentialsProvider + ?Sized> CredentialsProvider for Arc<T> {
    async fn credentials(&self) -> Result<Credentials, Error> {
        (**self).credentials().await
    }
}

/// Tries providers in order and returns the first credentials found.
#[derive(Debug, Clone)]
pub struct ChainProvider {
    providers: Vec<Arc<dyn CredentialsProvider>>,
}

impl ChainProvider {
    /// A chain of the given providers, tried in order.
    pub fn new(providers: Vec<Arc<dyn CredentialsProvider>>) -> Self {
        Self { providers }
    }

    /// The default chain of the official SDKs, as far as it applies here: the environment
    /// ([`EnvProvider`]), then the aliyun CLI profile ([`ProfileProvider`]).
    pub fn default_chain() -> Self {
        Self::new(vec![
            Arc::new(EnvProvider::new()),
            Arc::new(ProfileProvider::builder().build()),
        ])
    }

    /// The default chain of a client of `endpoint`: a RamRoleArn profile assumes its role
    /// through `transport`, and at `endpoint` when that is one URL for every product (an
    /// emulator), so that a client pointed at an emulator never asks the public STS.
    pub fn default_chain_for(endpoint: &Endpoint, transport: Arc<dyn Transport>) -> Self {
        Self::new(vec![
            Arc::new(EnvProvider::new()),
            Arc::new(profile_for(None, endpoint, transport)),
        ])
    }
}

/// The aliyun CLI profile `name` (or the one the environment or file chooses) of a client of
/// `endpoint`, as [`ChainProvider::default_chain_for`] reads it.
pub(crate) fn profile_for(
    name: Option<&str>,
    endpoint: &Endpoint,
    transport: Arc<dyn Transport>,
) -> ProfileProvider {
    let mut b = ProfileProvider::builder().transport(transport);
    if let Some(name) = name {
        b = b.profile(name);
    }
    if endpoint.is_custom() {
        b = b.sts_endpoint(endpoint.clone());
    }
    b.build()
}

#[async_trait::async_trait]
impl CredentialsProvider for ChainProvider {
    async fn credentials(&self) -> Result<Credentials, Error> {
        let mut reasons = Vec::with_capacity(self.providers.len());
        for provider in &self.providers {
            match provider.credentials().await {
                Ok(c) => return Ok(c),
                Err(Error::Credentials(reason)) => reasons.push(reason),
                Err(other) => return Err(other),
            }
        }
        Err(Error::Credentials(format!(
            "no credentials found in the chain: {}",
            if reasons.is_empty() {
                "the chain is empty".to_owned()
            } else {
                reasons.join("; ")
            }
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::new("LTAIabc", "topsecret").with_security_token("tokentoken");
        let text = format!("{c:?}");
        assert!(text.contains("LTAIabc"));
        assert!(!text.contains("topsecret"), "{text}");
        assert!(!text.contains("tokentoken"), "{text}");
    }

    #[tokio::test]
    async fn chain_takes_the_first_configured_provider() {
        let empty = Arc::new(EnvProvider::with_env(MapEnv::default()));
        let env = Arc::new(EnvProvider::with_env(MapEnv::from_pairs([
            (ENV_ACCESS_KEY_ID, "LTAIenv"),
            (ENV_ACCESS_KEY_SECRET, "s"),
        ])));
        let fixed = Arc::new(Credentials::new("LTAIfixed", "s"));
        let chain = ChainProvider::new(vec![empty.clone(), env, fixed]);
        assert_eq!(chain.credentials().await.unwrap().access_key_id, "LTAIenv");

        let chain = ChainProvider::new(vec![empty]);
        let err = chain.credentials().await.unwrap_err();
        assert!(
            matches!(err, Error::Credentials(ref m) if m.contains(ENV_ACCESS_KEY_ID)),
            "{err}"
        );
    }

    #[test]
    fn a_profile_of_a_client_of_an_emulator_assumes_its_role_there() {
        let transport: Arc<dyn Transport> =
            Arc::new(crate::transport::ReqwestTransport::new().unwrap());
        let emulator = Endpoint::url("http://127.0.0.1:8080").unwrap();
        let p = profile_for(Some("r"), &emulator, transport.clone());
        assert_eq!(p.sts_endpoint(), Some(&emulator));
        // The public cloud: the profile's own region decides, as the aliyun CLI does.
        let p = profile_for(None, &Endpoint::public(), transport);
        assert_eq!(p.sts_endpoint(), None);
    }

    #[tokio::test]
    async fn empty_static_credentials_are_refused() {
        assert!(Credentials::new("", "x").credentials().await.is_err());
    }
}
