//! `crossram call PRODUCT ACTION [NAME=VALUE ...]`: one signed call, to the emulator or to the
//! real cloud, with the answer's JSON on stdout. The signed-request client from the shell.
//!
//! Credentials: with `--world FILE`, the root AccessKey of an account of that world file (the
//! `credentials: PATH` file `crossram serve` prints; `--account` picks the account by id or
//! alias, the first by default); otherwise the client's default chain
//! (`ALIBABA_CLOUD_ACCESS_KEY_ID` / `ALIBABA_CLOUD_ACCESS_KEY_SECRET` /
//! `ALIBABA_CLOUD_SECURITY_TOKEN`, then the aliyun CLI profile).
//!
//! Exit status: 0 when the service answered the call; 1 when it refused it (the error code,
//! message and request id on stderr, and the `AccessDeniedDetail` when the service gave one) or
//! could not be reached; 2 for unusable input.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use crossram_client::{Client, Credentials, Endpoint, Error, Product, SignatureVersion};

use crate::world;

/// `crossram call`.
#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    /// `ram`, `sts` or `ecs`.
    #[arg(value_name = "PRODUCT")]
    product: String,
    /// The action, e.g. `GetCallerIdentity` or `CreateRole`.
    #[arg(value_name = "ACTION")]
    action: String,
    /// The action's parameters, each `Name=Value` (the value may contain `=`).
    #[arg(value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Where to send it, e.g. `http://127.0.0.1:8080` for `crossram serve`; without it, the
    /// public endpoint of the product (of `--region`, when given).
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

/// What the call needs, checked before anything is sent.
struct Plan {
    client: Client,
    product: Product,
    action: String,
    params: Vec<(String, String)>,
}

pub(crate) fn run(args: CallArgs) -> ExitCode {
    let plan = match plan(args) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("crossram call: {}", crate::error_chain(&e));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crossram call: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let answer = runtime.block_on(plan.client.call(plan.product, &plan.action, &plan.params));
    match answer {
        Ok(body) => {
            match serde_json::to_string_pretty(&body) {
                Ok(text) => println!("{text}"),
                Err(_) => println!("{body}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crossram call: {e}");
            if let Error::Service {
                access_denied_detail: Some(detail),
                ..
            } = &e
            {
                eprintln!("AccessDeniedDetail: {detail}");
            }
            ExitCode::FAILURE
        }
    }
}

fn plan(args: CallArgs) -> anyhow::Result<Plan> {
    let product: Product = args.product.parse()?;
    if args.action.is_empty() || !args.action.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!(
            "the action must be a name such as GetCallerIdentity, not {:?}",
            args.action
        );
    }
    let params = args
        .params
        .iter()
        .map(|p| match p.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
            _ => bail!("a parameter must be written Name=Value, not {p:?}"),
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let signature: SignatureVersion = args.signature.parse()?;
    let endpoint = match (&args.endpoint, &args.region) {
        (Some(url), _) => Endpoint::url(url)?,
        (None, Some(region)) => Endpoint::region(region)?,
        (None, None) => Endpoint::public(),
    };
    let mut builder = Client::builder().endpoint(endpoint).signature(signature);
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("--ca-cert: cannot read {}: {e}", path.display()))?;
        let transport = crossram_client::ReqwestTransport::builder()
            .add_root_certificate_pem(pem)
            .build()?;
        builder = builder.transport(transport);
    }
    if let Some(path) = &args.world {
        let world = world::read(path, "call")?;
        let Some(account) = world.find(args.account.as_deref()) else {
            match &args.account {
                Some(wanted) => bail!("{} has no account {wanted:?}", path.display()),
                None => bail!("{} names no account", path.display()),
            }
        };
        builder = builder.credentials(Credentials::new(
            account.access_key_id.clone(),
            account.access_key_secret.clone(),
        ));
    }
    Ok(Plan {
        client: builder.build()?,
        product,
        action: args.action,
        params,
    })
}
