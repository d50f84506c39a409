//! `crossram call PRODUCT ACTION [NAME=VALUE ...]`: one signed call, to the emulator or to the
//! real cloud, with the answer's JSON on stdout (its XML as sent, with `Format=XML`). The
//! signed-request client from the shell.
//!
//! Where it goes and as whom: the options of `client_args`.
//!
//! Exit status: 0 when the service answered the call; 1 when it refused it (the error code,
//! message and request id on stderr, and the `AccessDeniedDetail` when the service gave one) or
//! could not be reached; 2 for unusable input.

use std::process::ExitCode;

use anyhow::bail;
use clap::Args;
use crossram_client::{Client, Error, Product};

use crate::client_args::ClientArgs;

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
    #[command(flatten)]
    client: ClientArgs,
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
    let runtime = match crate::client_runtime("call") {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    // `Format=XML` asks for XML: it is printed as the service sent it.
    let xml = plan
        .params
        .iter()
        .any(|(k, v)| k == "Format" && v.eq_ignore_ascii_case("xml"));
    let answer = runtime.block_on(async {
        if xml {
            let body = plan
                .client
                .call_raw(plan.product, &plan.action, &plan.params)
                .await?;
            Ok(String::from_utf8_lossy(&body).into_owned())
        } else {
            let body = plan
                .client
                .call(plan.product, &plan.action, &plan.params)
                .await?;
            Ok(serde_json::to_string_pretty(&body).unwrap_or_else(|_| body.to_string()))
        }
    });
    match answer {
        Ok(text) => {
            crate::print_line(text.trim_end());
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
            if let Some(hint) = crate::client_args::hint(&e) {
                eprintln!("{hint}");
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
    Ok(Plan {
        client: args.client.client("call")?,
        product,
        action: args.action,
        params,
    })
}
