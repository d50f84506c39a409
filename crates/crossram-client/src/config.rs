//! Client settings from a file and the environment, layered with the `config` crate.
//!
//! A TOML or JSON file (by extension) is read first, then `CROSSRAM_CLIENT_*` variables
//! override it, e.g. `CROSSRAM_CLIENT_ENDPOINT=http://127.0.0.1:8080`:
//!
//! ```toml
//! endpoint = "http://127.0.0.1:8080"   # or leave out for the public endpoints
//! region = "cn-hangzhou"               # regional STS and ECS endpoints
//! signature_version = "v3"             # or "v1"
//! timeout_seconds = 30
//! max_attempts = 3
//! access_key_id = "LTAI..."            # static keys; otherwise the default chain
//! access_key_secret = "..."
//! role_arn = "acs:ram::1234:role/x"    # assume this role on top of the keys
//! role_session_name = "automation"
//! profile = "default"                  # an aliyun CLI profile instead of keys
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::client::{ClientBuilder, SignatureVersion};
use crate::credentials::{
    ChainProvider, Credentials, CredentialsProvider, RamRoleArnProvider, profile_for,
};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::ReqwestTransport;

/// The prefix of the environment variables read by [`ClientConfig::load`].
pub const ENV_PREFIX: &str = "CROSSRAM_CLIENT";

/// Settings of a client. Every field is optional; absent ones keep the builder's defaults.
/// An unknown key in the file is an error (a misspelt `endpoint` would otherwise send calls to
/// the public cloud); unknown `CROSSRAM_CLIENT_*` variables are ignored, so other switches of
/// that prefix (such as the test switches) do not break loading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ClientConfig {
    /// One URL for every product (an emulator); absent for the public endpoints.
    pub endpoint: Option<String>,
    /// The region of the public STS and ECS endpoints.
    pub region: Option<String>,
    /// `v1` or `v3`.
    pub signature_version: Option<String>,
    /// Seconds allowed per attempt.
    pub timeout_seconds: Option<u64>,
    /// Total attempts per call.
    pub max_attempts: Option<u32>,
    /// Static AccessKeyId.
    pub access_key_id: Option<String>,
    /// Static AccessKeySecret.
    pub access_key_secret: Option<Secret>,
    /// Static STS token.
    pub security_token: Option<Secret>,
    /// An aliyun CLI profile to use when no static keys are given.
    pub profile: Option<String>,
    /// A role to assume with the credentials above.
    pub role_arn: Option<String>,
    /// The session name for `role_arn`.
    pub role_session_name: Option<String>,
    /// A PEM file of an extra root certificate (an emulator's self-signed HTTPS).
    pub ca_certificate: Option<PathBuf>,
}

/// The keys a settings file may hold: the fields of [`ClientConfig`].
const KEYS: [&str; 12] = [
    "endpoint",
    "region",
    "signature_version",
    "timeout_seconds",
    "max_attempts",
    "access_key_id",
    "access_key_secret",
    "security_token",
    "profile",
    "role_arn",
    "role_session_name",
    "ca_certificate",
];

impl ClientConfig {
    /// Reads `file` (if given; TOML or JSON by extension) and then the process environment
    /// (`CROSSRAM_CLIENT_*`).
    pub fn load(file: Option<&Path>) -> Result<Self, Error> {
        Self::load_with_env(file, None)
    }

    /// Like [`ClientConfig::load`] with the given variables instead of the process
    /// environment.
    pub fn load_with_env(
        file: Option<&Path>,
        env: Option<HashMap<String, String>>,
    ) -> Result<Self, Error> {
        let mut builder = config::Config::builder();
        if let Some(path) = file {
            // The file is read once: its keys are checked, then it is a source of the settings.
            let read =
                |e: config::ConfigError| Error::Config(format!("cannot read client settings: {e}"));
            let from_file = config::Config::builder()
                .add_source(config::File::from(path).required(true))
                .build()
                .map_err(read)?;
            let keys = config::Source::collect(&from_file).map_err(read)?;
            let mut unknown: Vec<&String> = keys
                .keys()
                .filter(|k| !KEYS.contains(&k.as_str()))
                .collect();
            unknown.sort();
            if let Some(first) = unknown.first() {
                return Err(Error::Config(format!(
                    "{}: unknown setting {first:?}; the settings are {}",
                    path.display(),
                    KEYS.join(", ")
                )));
            }
            builder = builder.add_source(from_file);
        }
        let environment = config::Environment::with_prefix(ENV_PREFIX)
            .try_parsing(false)
            .source(env.map(|m| m.into_iter().collect()));
        builder = builder.add_source(environment);
        let settings = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot read client settings: {e}")))?;
        settings
            .try_deserialize()
            .map_err(|e| Error::Config(format!("invalid client settings: {e}")))
    }

    /// A client builder with these settings applied.
    pub fn builder(&self) -> Result<ClientBuilder, Error> {
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::url(url)?,
            (None, Some(region)) => Endpoint::region(region)?,
            (None, None) => Endpoint::public(),
        };
        let transport = match &self.ca_certificate {
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
                ReqwestTransport::builder()
                    .add_root_certificate_pem(pem)
                    .build()?
            }
            None => ReqwestTransport::new()?,
        };
        let transport = Arc::new(transport);
        let mut builder = ClientBuilder::default()
            .endpoint(endpoint.clone())
            .shared_transport(transport.clone());
        if let Some(v) = &self.signature_version {
            builder = builder.signature(v.parse::<SignatureVersion>()?);
        }
        if let Some(t) = self.timeout_seconds {
            builder = builder.timeout(Duration::from_secs(t));
        }
        if let Some(n) = self.max_attempts {
            builder = builder.retry(RetryPolicy {
                max_attempts: n,
                ..RetryPolicy::default()
            });
        }
        let base: Arc<dyn CredentialsProvider> =
            match (&self.access_key_id, &self.access_key_secret) {
                (Some(id), Some(secret)) => {
                    let mut c = Credentials::new(id.clone(), secret.clone());
                    if let Some(t) = &self.security_token {
                        c = c.with_security_token(t.clone());
                    }
                    Arc::new(c)
                }
                (Some(_), None) | (None, Some(_)) => {
                    return Err(Error::Config(
                        "access_key_id and access_key_secret must be given together".into(),
                    ));
                }
                (None, None) => match &self.profile {
                    Some(name) => Arc::new(profile_for(Some(name), &endpoint, transport.clone())),
                    None => Arc::new(ChainProvider::default_chain_for(
                        &endpoint,
                        transport.clone(),
                    )),
                },
            };
        let provider = match &self.role_arn {
            Some(arn) => {
                let mut b = RamRoleArnProvider::builder_shared(base)
                    .role_arn(arn.clone())
                    .sts_endpoint(endpoint)
                    .transport(transport);
                if let Some(name) = &self.role_session_name {
                    b = b.role_session_name(name.clone());
                }
                Arc::new(b.build()?) as Arc<dyn CredentialsProvider>
            }
            None => base,
        };
        Ok(builder.credentials_provider(provider))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.toml");
        std::fs::write(
            &path,
            "endpoint = \"http://127.0.0.1:1\"\nsignature_version = \"v1\"\nmax_attempts = 5\naccess_key_id = \"LTAIfile\"\naccess_key_secret = \"file-secret\"\n",
        )
        .unwrap();
        let env = HashMap::from([
            (
                "CROSSRAM_CLIENT_ENDPOINT".to_owned(),
                "http://127.0.0.1:2".to_owned(),
            ),
            (
                "CROSSRAM_CLIENT_ACCESS_KEY_ID".to_owned(),
                "LTAIenv".to_owned(),
            ),
            ("UNRELATED".to_owned(), "x".to_owned()),
            ("CROSSRAM_CLIENT_LIVE".to_owned(), "1".to_owned()),
        ]);
        let cfg = ClientConfig::load_with_env(Some(&path), Some(env)).unwrap();
        assert_eq!(cfg.endpoint.as_deref(), Some("http://127.0.0.1:2"));
        assert_eq!(cfg.access_key_id.as_deref(), Some("LTAIenv"));
        assert_eq!(
            cfg.access_key_secret.as_ref().map(Secret::expose),
            Some("file-secret")
        );
        assert_eq!(cfg.max_attempts, Some(5));
        assert!(!format!("{cfg:?}").contains("file-secret"));
        let client = cfg.builder().unwrap().build().unwrap();
        assert!(client.endpoint().is_custom());
        assert_eq!(client.signature_version(), SignatureVersion::V1);
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.toml");
        std::fs::write(&path, "endpiont = \"http://127.0.0.1:1\"\n").unwrap();
        let err = ClientConfig::load_with_env(Some(&path), Some(HashMap::new())).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        assert!(
            err.to_string().contains("unknown setting \"endpiont\""),
            "{err}"
        );
    }

    #[test]
    fn bad_settings_are_config_errors() {
        let env = HashMap::from([(
            "CROSSRAM_CLIENT_SIGNATURE_VERSION".to_owned(),
            "v9".to_owned(),
        )]);
        let cfg = ClientConfig::load_with_env(None, Some(env)).unwrap();
        assert!(matches!(cfg.builder(), Err(Error::Config(_))));
        let only_id = ClientConfig {
            access_key_id: Some("LTAI".into()),
            ..ClientConfig::default()
        };
        assert!(matches!(only_id.builder(), Err(Error::Config(_))));
    }
}
