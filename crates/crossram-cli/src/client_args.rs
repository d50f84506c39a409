//! Where and as whom a command calls, the emulator or the real cloud: the options `crossram
//! call` and `crossram access` share, and the client they build.
//!
//! Credentials: with `--world FILE`, the root AccessKey of an account of that world file (the
//! `credentials: PATH` file `crossram serve` prints; `--account` picks the account by id or
//! alias, the first by default); otherwise the client's default chain
//! (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` /
//! `ALIBABA_CLOUD_SECURITY_TOKEN`, then the aliyun CLI profile).

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use crossram_client::{Client, Credentials, Endpoint, SignatureVersion};

use crate::world;

/// The endpoint, credentials, signature version and trust options of a client.
#[derive(Debug, Args)]
pub(crate) struct ClientArgs {
    /// Where to send the calls, e.g. `http://127.0.0.1:8080` for `crossram serve`; without
    /// it, the public endpoint of the product (of `--region`, when given).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// The region whose endpoints to use (ignored with `--endpoint`).
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// A world file (such as the credentials file `crossram serve` prints) to take a root
    /// AccessKey from. Without it the keys come from ALIBABA_CLOUD_ACCESS_KEY_ID and
    /// ALIBABA_CLOUD_ACCESS_KEY_SECRET (a RAM user's, say), with ALIBABA_CLOUD_SECURITY_TOKEN
    /// for an assumed role's temporary keys; then from the aliyun CLI profile.
    #[arg(long, value_name = "FILE")]
    world: Option<PathBuf>,
    /// Which account of `--world`, by id or alias (default: the first).
    #[arg(long, value_name = "ACCOUNT", requires = "world")]
    account: Option<String>,
    /// `v3` (ACS3-HMAC-SHA256, the default) or `v1` (HMAC-SHA1; `v2`, the SDKs' name for
    /// it, is taken as `v1`).
    #[arg(long, value_name = "VERSION", default_value = "v3")]
    signature: String,
    /// A PEM CA certificate to trust besides the system's, such as the `ca certificate: PATH`
    /// that `crossram serve --tls-self-signed` prints (for an `https://` endpoint).
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
}

impl ClientArgs {
    /// The client these options describe; `command` names the caller in messages about the
    /// world file. Nothing is sent.
    pub(crate) fn client(&self, command: &str) -> anyhow::Result<Client> {
        let signature: SignatureVersion = self.signature.parse()?;
        let endpoint = match (&self.endpoint, &self.region) {
            (Some(url), _) => Endpoint::url(url)?,
            (None, Some(region)) => Endpoint::region(region)?,
            (None, None) => Endpoint::public(),
        };
        let mut builder = Client::builder().endpoint(endpoint).signature(signature);
        if let Some(path) = &self.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("--ca-cert: cannot read {}: {e}", path.display()))?;
            let transport = crossram_client::ReqwestTransport::builder()
                .add_root_certificate_pem(pem)
                .build()?;
            builder = builder.transport(transport);
        }
        if let Some(path) = &self.world {
            let world = world::read(path, command)?;
            let Some(account) = world.find(self.account.as_deref()) else {
                match &self.account {
                    Some(wanted) => bail!("{} has no account {wanted:?}", path.display()),
                    None => bail!("{} names no account", path.display()),
                }
            };
            builder = builder.credentials(Credentials::new(
                account.access_key_id.clone(),
                account.access_key_secret.clone(),
            ));
        }
        Ok(builder.build()?)
    }
}

/// A line that tells what to do about a failed call, when the failure has a usual cure: an
/// endpoint whose certificate the system's roots do not know (the emulator's own CA, a private
/// one) is trusted with `--ca-cert`; a server certificate that is itself a CA (what a plain
/// `openssl req -x509` makes) must be remade as an end-entity certificate.
pub(crate) fn hint(error: &crossram_client::Error) -> Option<&'static str> {
    let crossram_client::Error::Transport(e) = error else {
        return None;
    };
    let text = e.to_string().to_ascii_lowercase();
    if text.contains("causedasendentity") {
        return Some(
            "hint: the server's certificate is a CA certificate (basicConstraints CA:TRUE, as \
             `openssl req -x509` makes by default), which TLS clients refuse as a server's own; \
             make it with `-addext basicConstraints=critical,CA:FALSE -addext \
             subjectAltName=IP:127.0.0.1`, or serve with --tls-self-signed",
        );
    }
    text.contains("certificate").then_some(
        "hint: the endpoint's TLS certificate is not signed by a CA this system trusts; pass \
         --ca-cert FILE with the CA that signed it (`crossram serve --tls-self-signed` prints \
         its path as `ca certificate: ...`)",
    )
}
