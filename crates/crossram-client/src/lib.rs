//! crossram-client: a signed-request client for Alibaba Cloud RAM, STS and ECS that runs
//! unchanged against the real cloud and against the crossram emulator.
//!
//! The only differences between the two are the [`Endpoint`], the [`Transport`] and the
//! credentials; there is no "mock mode".
//!
//! ```no_run
//! # async fn demo() -> Result<(), crossram_client::Error> {
//! use crossram_client::{Client, Credentials, SignatureVersion};
//!
//! let client = Client::builder()
//!     .endpoint("http://127.0.0.1:8080")            // or leave out for the real cloud
//!     .credentials(Credentials::new("LTAI...", "secret"))
//!     .signature(SignatureVersion::V3)
//!     .build()?;
//! let me = client.sts().get_caller_identity().await?;
//! println!("{} ({})", me.arn, me.identity_type);
//! # Ok(()) }
//! ```
//!
//! - [`Client`], [`ClientBuilder`]: typed calls in namespaces (`client.ram()`, `client.sts()`,
//!   `client.ecs()`, see [`api`]) and the raw [`Client::call`] for any action by name.
//! - [`transport`]: the [`Transport`] trait and [`ReqwestTransport`] (HTTPS with rustls).
//! - [`credentials`]: static keys, environment, aliyun CLI profile, RamRoleArn, chain.
//! - [`Error`]: service, transport, decode, credentials and configuration errors.
//! - [`retry`]: jittered exponential backoff for throttling and server errors.
//! - [`clock`]: injected time and nonces, so tests reproduce signatures exactly.
//! - [`config`]: settings from a file and `CROSSRAM_CLIENT_*` variables.

#![warn(missing_docs)]

pub mod api;
pub mod client;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod params;
pub mod retry;
pub mod secret;
pub mod transport;

pub use client::{Client, ClientBuilder, SignatureVersion};
pub use clock::{
    Clock, FixedNonce, ManualClock, NonceSource, RandomNonce, SequenceNonce, SystemClock,
};
pub use config::ClientConfig;
pub use credentials::{
    ChainProvider, Credentials, CredentialsProvider, EnvProvider, ProfileProvider,
    RamRoleArnProvider,
};
pub use endpoint::{Endpoint, IntoEndpoint, Product, Target};
pub use error::Error;
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use transport::{
    HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError, TransportErrorKind,
};
