//! Typed calls, one namespace per product: `client.ram()`, `client.sts()`, `client.ecs()`.
//!
//! Each call is a thin wrapper over [`Client::call_typed`]: a request struct that serializes
//! to the action's parameters, a response struct deserialized from the JSON answer.

pub mod ecs;
pub mod ram;
pub mod sts;

use serde::Deserialize;

use crate::client::Client;

/// Generates typed methods on a product namespace: `method => "Action" (Request) -> Response`.
macro_rules! actions {
    ($ns:ident, $product:expr; $( $(#[$doc:meta])* $method:ident => $action:literal ($req:ty) -> $resp:ty; )*) => {
        impl $ns<'_> {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\nCalls `", $action, "`.")]
                pub async fn $method(&self, request: $req) -> Result<$resp, $crate::error::Error> {
                    self.client.call_typed($product, $action, &request).await
                }
            )*
        }
    };
}
pub(crate) use actions;

/// The parameters of actions that take none.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub(crate) struct NoParams {}

/// The answer of actions that return nothing but a request id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EmptyResponse {
    /// The request id.
    pub request_id: String,
}

/// RAM calls (version 2015-05-01).
#[derive(Debug, Clone, Copy)]
pub struct Ram<'a> {
    client: &'a Client,
}

/// STS calls (version 2015-04-01).
#[derive(Debug, Clone, Copy)]
pub struct Sts<'a> {
    client: &'a Client,
}

/// ECS calls (version 2014-05-26).
#[derive(Debug, Clone, Copy)]
pub struct Ecs<'a> {
    client: &'a Client,
}

impl Client {
    /// RAM calls.
    pub fn ram(&self) -> Ram<'_> {
        Ram { client: self }
    }

    /// STS calls.
    pub fn sts(&self) -> Sts<'_> {
        Sts { client: self }
    }

    /// ECS calls.
    pub fn ecs(&self) -> Ecs<'_> {
        Ecs { client: self }
    }
}
