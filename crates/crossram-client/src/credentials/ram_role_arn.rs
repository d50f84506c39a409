//! Credentials of an assumed role: STS `AssumeRole` with source credentials, cached and
//! refreshed ahead of expiry by the injected clock.

use std::sync::Arc;

use tokio::sync::Mutex;

use super::{Credentials, CredentialsProvider};
use crate::api::sts::AssumeRoleRequest;
use crate::client::{Client, SignatureVersion};
use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::endpoint::{Endpoint, IntoEndpoint};
use crate::error::Error;
use crate::transport::Transport;

/// Assumes a RAM role through STS and hands out its temporary credentials.
///
/// # Behavior
/// - The first call assumes the role; later calls return the cached credentials until the
///   clock comes within `refresh_margin` of their `Expiration`, then the role is assumed again.
/// - If a refresh fails while the cached credentials have not yet expired, they are returned
///   (and the failure logged); once expired, the failure is returned.
#[derive(Debug)]
pub struct RamRoleArnProvider {
    client: Client,
    request: AssumeRoleRequest,
    refresh_margin: time::Duration,
    clock: Arc<dyn Clock>,
    cache: Mutex<Option<Credentials>>,
}

/// Settings of a [`RamRoleArnProvider`].
#[derive(Debug)]
pub struct RamRoleArnProviderBuilder {
    source: Arc<dyn CredentialsProvider>,
    role_arn: String,
    session_name: String,
    duration_seconds: Option<u64>,
    policy: Option<String>,
    external_id: Option<String>,
    refresh_margin: time::Duration,
    endpoint: Result<Endpoint, Error>,
    transport: Option<Arc<dyn Transport>>,
    signature: SignatureVersion,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
}

impl RamRoleArnProvider {
    /// A builder assuming roles with the credentials of `source` (a RAM user's keys, or
    /// another role's session for role chaining).
    pub fn builder(source: impl CredentialsProvider) -> RamRoleArnProviderBuilder {
        Self::builder_shared(Arc::new(source))
    }

    /// Like [`RamRoleArnProvider::builder`] with a shared source provider.
    pub fn builder_shared(source: Arc<dyn CredentialsProvider>) -> RamRoleArnProviderBuilder {
        RamRoleArnProviderBuilder {
            source,
            role_arn: String::new(),
            session_name: "crossram-client".to_owned(),
            duration_seconds: None,
            policy: None,
            external_id: None,
            refresh_margin: time::Duration::seconds(180),
            endpoint: Ok(Endpoint::public()),
            transport: None,
            signature: SignatureVersion::V1,
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
        }
    }

    /// The STS client used for `AssumeRole`.
    pub fn sts_client(&self) -> &Client {
        &self.client
    }

    /// Forgets the cached credentials: the next call assumes the role again. For when they
    /// were revoked before their expiry (the role's sessions revoked, its trust changed and
    /// the caller wants to know now, a rotated source key).
    pub async fn invalidate(&self) {
        *self.cache.lock().await = None;
    }

    async fn assume(&self) -> Result<Credentials, Error> {
        let response = self.client.sts().assume_role(self.request.clone()).await?;
        response.credentials.to_credentials()
    }
}

impl RamRoleArnProviderBuilder {
    /// The role to assume, `acs:ram::<account>:role/<name>` (required).
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = arn.into();
        self
    }

    /// The session name (default `crossram-client`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = name.into();
        self
    }

    /// The lifetime to ask for (default: the service's, 3600 s).
    pub fn duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = Some(seconds);
        self
    }

    /// A session policy narrowing the role's permissions.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy may require.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// How long before `Expiration` the credentials are renewed (default 180 s).
    pub fn refresh_margin(mut self, margin: time::Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// The STS endpoint (default `sts.aliyuncs.com`); a URL string or an [`Endpoint`].
    pub fn endpoint(mut self, endpoint: impl IntoEndpoint) -> Self {
        self.endpoint = endpoint.into_endpoint();
        self
    }

    /// The STS endpoint, already parsed.
    pub fn sts_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = Ok(endpoint);
        self
    }

    /// The transport for the STS calls (default: reqwest).
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The signature scheme of the STS calls (default V1, as the official credential
    /// providers sign).
    pub fn signature(mut self, version: SignatureVersion) -> Self {
        self.signature = version;
        self
    }

    /// The clock that stamps requests and decides when to refresh.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The nonce source of the STS calls.
    pub fn nonce(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Builds the provider; fails without a role ARN or with an invalid endpoint.
    pub fn build(self) -> Result<RamRoleArnProvider, Error> {
        if self.role_arn.is_empty() {
            return Err(Error::Config("RamRoleArn provider needs a role ARN".into()));
        }
        let mut builder = Client::builder()
            .endpoint(self.endpoint?)
            .credentials_provider(self.source)
            .signature(self.signature)
            .clock(self.clock.clone())
            .nonce(self.nonce);
        if let Some(t) = self.transport {
            builder = builder.shared_transport(t);
        }
        Ok(RamRoleArnProvider {
            client: builder.build()?,
            request: AssumeRoleRequest {
                role_arn: self.role_arn,
                role_session_name: self.session_name,
                duration_seconds: self.duration_seconds,
                policy: self.policy,
                external_id: self.external_id,
                ..AssumeRoleRequest::default()
            },
            refresh_margin: self.refresh_margin,
            clock: self.clock,
            cache: Mutex::new(None),
        })
    }
}

#[async_trait::async_trait]
impl CredentialsProvider for RamRoleArnProvider {
    async fn credentials(&self) -> Result<Credentials, Error> {
        let mut cache = self.cache.lock().await;
        let now = self.clock.now();
        if let Some(current) = cache.as_ref() {
            let fresh = current
                .expiration
                .is_none_or(|exp| now + self.refresh_margin < exp);
            if fresh {
                return Ok(current.clone());
            }
        }
        match self.assume().await {
            Ok(new) => {
                tracing::debug!(
                    role_arn = %self.request.role_arn,
                    access_key_id = %new.access_key_id,
                    "assumed role"
                );
                *cache = Some(new.clone());
                Ok(new)
            }
            Err(e) => match cache.as_ref() {
                Some(old) if old.expiration.is_some_and(|exp| now < exp) => {
                    tracing::warn!(error = %e, "refreshing role credentials failed; using the current ones until they expire");
                    Ok(old.clone())
                }
                _ => Err(e),
            },
        }
    }
}
