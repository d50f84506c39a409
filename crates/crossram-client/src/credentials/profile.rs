//! Credentials from a profile of the aliyun CLI configuration file (`~/.aliyun/config.json`),
//! modes `AK`, `StsToken` and `RamRoleArn`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use tokio::sync::OnceCell;

use super::{Credentials, CredentialsProvider, Env, ProcessEnv, RamRoleArnProvider};
use crate::client::SignatureVersion;
use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::secret::Secret;
use crate::transport::Transport;

/// The variable naming the profile to use, when none is given explicitly.
pub const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";

/// Reads one profile of the aliyun CLI configuration file.
///
/// # Behavior
/// - The file is `~/.aliyun/config.json` unless a path is given; `HOME` (or `USERPROFILE`)
///   comes from the injected environment.
/// - The profile is the one given, else `ALIBABA_CLOUD_PROFILE`, else the file's `current`,
///   else `default`.
/// - The file is read at the first call; the resulting provider is kept (a `RamRoleArn`
///   profile keeps its cached role credentials).
/// - `RamRoleArn` assumes `ram_role_arn` as `ram_session_name` for `expired_seconds`, with the
///   profile's AccessKey, at `sts.<region_id>.aliyuncs.com` unless an STS endpoint is given.
#[derive(Debug)]
pub struct ProfileProvider {
    settings: ProfileProviderBuilder,
    resolved: OnceCell<Arc<dyn CredentialsProvider>>,
}

/// Settings of a [`ProfileProvider`].
#[derive(Debug)]
pub struct ProfileProviderBuilder {
    path: Option<PathBuf>,
    profile: Option<String>,
    env: Arc<dyn Env>,
    sts_endpoint: Option<Endpoint>,
    transport: Option<Arc<dyn Transport>>,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
}

impl ProfileProvider {
    /// A builder with defaults (the process environment, the default file, the public STS).
    pub fn builder() -> ProfileProviderBuilder {
        ProfileProviderBuilder {
            path: None,
            profile: None,
            env: Arc::new(ProcessEnv),
            sts_endpoint: None,
            transport: None,
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
        }
    }

    /// The STS endpoint a RamRoleArn profile assumes its role at, when one was given (else the
    /// profile's region decides).
    #[cfg(test)]
    pub(crate) fn sts_endpoint(&self) -> Option<&Endpoint> {
        self.settings.sts_endpoint.as_ref()
    }

    async fn resolve(&self) -> Result<Arc<dyn CredentialsProvider>, Error> {
        let s = &self.settings;
        let path = match &s.path {
            Some(p) => p.clone(),
            None => default_path(&*s.env)?,
        };
        // No file is nothing to offer; a file that is there but unusable is a mistake.
        let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
            let what = format!("aliyun CLI profile: cannot read {}: {e}", path.display());
            match e.kind() {
                std::io::ErrorKind::NotFound => Error::Credentials(what),
                _ => Error::Config(what),
            }
        })?;
        let file: ConfigFile = serde_json::from_str(&text).map_err(|e| {
            Error::Config(format!(
                "aliyun CLI profile: {} is not a valid configuration: {e}",
                path.display()
            ))
        })?;
        // A profile named by the caller, the environment or the file's `current` must exist;
        // only the implicit `default` may be missing.
        let named = s
            .profile
            .clone()
            .or_else(|| s.env.var(ENV_PROFILE).filter(|v| !v.is_empty()))
            .or_else(|| file.current.clone().filter(|v| !v.is_empty()));
        let name = named.clone().unwrap_or_else(|| "default".to_owned());
        let profile = file
            .profiles
            .into_iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                let what = format!(
                    "aliyun CLI profile: no profile named {name:?} in {}",
                    path.display()
                );
                match named {
                    Some(_) => Error::Config(what),
                    None => Error::Credentials(what),
                }
            })?;
        self.provider_for(profile, &path)
    }

    fn provider_for(&self, p: Profile, path: &Path) -> Result<Arc<dyn CredentialsProvider>, Error> {
        let where_ = || format!("profile {:?} of {}", p.name, path.display());
        let keys = || -> Result<Credentials, Error> {
            if p.access_key_id.is_empty() || p.access_key_secret.is_empty() {
                return Err(Error::Config(format!(
                    "aliyun CLI profile: {} has no access_key_id/access_key_secret",
                    where_()
                )));
            }
            Ok(Credentials::new(
                p.access_key_id.clone(),
                p.access_key_secret.clone(),
            ))
        };
        match p.mode.as_str() {
            "" | "AK" => Ok(Arc::new(keys()?)),
            "StsToken" => {
                if p.sts_token.is_empty() {
                    return Err(Error::Config(format!(
                        "aliyun CLI profile: {} (StsToken) has no sts_token",
                        where_()
                    )));
                }
                Ok(Arc::new(keys()?.with_security_token(p.sts_token.clone())))
            }
            "RamRoleArn" => {
                if p.ram_role_arn.is_empty() {
                    return Err(Error::Config(format!(
                        "aliyun CLI profile: {} (RamRoleArn) has no ram_role_arn",
                        where_()
                    )));
                }
                let s = &self.settings;
                let endpoint = match (&s.sts_endpoint, p.region_id.as_str()) {
                    (Some(e), _) => e.clone(),
                    (None, "") => Endpoint::public(),
                    (None, region) => Endpoint::region(region)?,
                };
                let mut b = RamRoleArnProvider::builder(keys()?)
                    .role_arn(p.ram_role_arn.clone())
                    .sts_endpoint(endpoint)
                    .signature(SignatureVersion::V1)
                    .clock(s.clock.clone())
                    .nonce(s.nonce.clone());
                if !p.ram_session_name.is_empty() {
                    b = b.role_session_name(p.ram_session_name.clone());
                }
                if p.expired_seconds > 0 {
                    b = b.duration_seconds(p.expired_seconds);
                }
                if let Some(t) = &s.transport {
                    b = b.transport(t.clone());
                }
                Ok(Arc::new(b.build()?))
            }
            other => Err(Error::Config(format!(
                "aliyun CLI profile: {} has mode {other:?}; supported are AK, StsToken, RamRoleArn",
                where_()
            ))),
        }
    }
}

fn default_path(env: &dyn Env) -> Result<PathBuf, Error> {
    let home = env
        .var("HOME")
        .or_else(|| env.var("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            Error::Credentials("aliyun CLI profile: no home directory (HOME is not set)".into())
        })?;
    Ok(Path::new(&home).join(".aliyun").join("config.json"))
}

impl ProfileProviderBuilder {
    /// Reads this file instead of `~/.aliyun/config.json`.
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Uses this profile.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Reads `HOME` and `ALIBABA_CLOUD_PROFILE` from this environment.
    pub fn env(mut self, env: Arc<dyn Env>) -> Self {
        self.env = env;
        self
    }

    /// Sends the `AssumeRole` of a `RamRoleArn` profile here (e.g. an emulator's URL).
    pub fn sts_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.sts_endpoint = Some(endpoint);
        self
    }

    /// The transport for the `AssumeRole` of a `RamRoleArn` profile.
    pub fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The clock of a `RamRoleArn` profile's refreshes.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The nonce source of a `RamRoleArn` profile's STS calls.
    pub fn nonce(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// Builds the provider (nothing is read until the first call).
    pub fn build(self) -> ProfileProvider {
        ProfileProvider {
            settings: self,
            resolved: OnceCell::new(),
        }
    }
}

#[async_trait::async_trait]
impl CredentialsProvider for ProfileProvider {
    async fn credentials(&self) -> Result<Credentials, Error> {
        let provider = self.resolved.get_or_try_init(|| self.resolve()).await?;
        provider.credentials().await
    }
}

#[derive(Deserialize)]
struct ConfigFile {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<Profile>,
}

#[derive(Deserialize)]
struct Profile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: Secret,
    #[serde(default)]
    sts_token: Secret,
    #[serde(default)]
    ram_role_arn: String,
    #[serde(default)]
    ram_session_name: String,
    #[serde(default)]
    expired_seconds: u64,
    #[serde(default)]
    region_id: String,
}
