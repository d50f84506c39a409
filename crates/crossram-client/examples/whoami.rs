//! Who am I? Calls STS `GetCallerIdentity` and prints the identity.
//!
//! Runs unchanged against the real Alibaba Cloud and against `crossram serve`:
//!
//! - `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and, for STS
//!   credentials, `ALIBABA_CLOUD_SECURITY_TOKEN`: the credentials (without them, the profile of
//!   `~/.aliyun/config.json` is used, as the official SDKs do);
//! - `CROSSRAM_ENDPOINT` (optional): a URL such as `http://127.0.0.1:8080` for the emulator;
//!   unset means the public endpoint `sts.aliyuncs.com`, or `sts.<region>.aliyuncs.com` with
//!   `ALIBABA_CLOUD_REGION_ID`;
//! - `CROSSRAM_SIGNATURE` (optional): `v1` or `v3` (default).
//!
//! ```text
//! ALIBABA_CLOUD_ACCESS_KEY_ID=... ALIBABA_CLOUD_ACCESS_KEY_SECRET=... \
//! CROSSRAM_ENDPOINT=http://127.0.0.1:8080 cargo run -p crossram-client --example whoami
//! ```

use std::process::ExitCode;

use crossram_client::{Client, Endpoint, Error, SignatureVersion};

#[tokio::main]
async fn main() -> ExitCode {
    match whoami().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("whoami: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn whoami() -> Result<(), Error> {
    let endpoint = match (
        std::env::var("CROSSRAM_ENDPOINT")
            .ok()
            .filter(|s| !s.is_empty()),
        std::env::var("ALIBABA_CLOUD_REGION_ID")
            .ok()
            .filter(|s| !s.is_empty()),
    ) {
        (Some(url), _) => Endpoint::url(&url)?,
        (None, Some(region)) => Endpoint::region(&region)?,
        (None, None) => Endpoint::public(),
    };
    let signature = match std::env::var("CROSSRAM_SIGNATURE") {
        Ok(v) if !v.is_empty() => v.parse()?,
        _ => SignatureVersion::V3,
    };
    // No credentials given: the default chain (environment, then aliyun CLI profile).
    let client = Client::builder()
        .endpoint(endpoint)
        .signature(signature)
        .build()?;
    let me = client.sts().get_caller_identity().await?;
    println!("account:   {}", me.account_id);
    println!("arn:       {}", me.arn);
    println!("type:      {}", me.identity_type);
    println!("principal: {}", me.principal_id);
    println!("request:   {}", me.request_id);
    Ok(())
}
