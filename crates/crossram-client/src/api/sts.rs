//! STS requests and responses (spec §4).

use serde::{Deserialize, Serialize};

use super::{NoParams, Sts, actions};
use crate::clock::parse_timestamp;
use crate::credentials::Credentials;
use crate::endpoint::Product;
use crate::error::Error;
use crate::secret::Secret;

/// `AssumeRole` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssumeRoleRequest {
    /// `acs:ram::<account>:role/<name>`.
    pub role_arn: String,
    /// 2-64 of `[A-Za-z0-9.@_-]`.
    pub role_session_name: String,
    /// 900 up to the role's MaxSessionDuration; service default 3600.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u64>,
    /// A session policy (JSON text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The external id the trust policy may require (`sts:ExternalId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The source identity (newest API revision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
}

/// The temporary credentials of an assumed role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct StsCredentials {
    /// `STS.…`.
    pub access_key_id: String,
    /// The secret.
    pub access_key_secret: Secret,
    /// The security token.
    pub security_token: Secret,
    /// `yyyy-MM-ddTHH:mm:ssZ`.
    pub expiration: String,
}

impl StsCredentials {
    /// As [`Credentials`] for further calls; fails if `Expiration` is not a timestamp.
    pub fn to_credentials(&self) -> Result<Credentials, Error> {
        let expiration = parse_timestamp(&self.expiration).ok_or_else(|| {
            Error::Credentials(format!(
                "AssumeRole returned an unreadable Expiration {:?}",
                self.expiration
            ))
        })?;
        if self.access_key_id.is_empty() || self.access_key_secret.is_empty() {
            return Err(Error::Credentials(
                "AssumeRole returned no AccessKeyId or AccessKeySecret".into(),
            ));
        }
        Ok(
            Credentials::new(self.access_key_id.clone(), self.access_key_secret.clone())
                .with_security_token(self.security_token.clone())
                .with_expiration(expiration),
        )
    }
}

/// Who the session is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AssumedRoleUser {
    /// `acs:ram::<uid>:role/<role>/<session>`.
    pub arn: String,
    /// `<RoleId>:<RoleSessionName>`.
    pub assumed_role_id: String,
}

/// `AssumeRole` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AssumeRoleResponse {
    /// The request id.
    pub request_id: String,
    /// The temporary credentials.
    pub credentials: StsCredentials,
    /// The session's identity.
    pub assumed_role_user: AssumedRoleUser,
    /// The source identity, when one was set.
    pub source_identity: Option<String>,
}

/// `GetCallerIdentity` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetCallerIdentityResponse {
    /// The request id.
    pub request_id: String,
    /// The account the identity belongs to.
    pub account_id: String,
    /// `acs:ram::<uid>:root`, `…:user/<name>` or `…:assumed-role/<role>/<session>`.
    pub arn: String,
    /// `Account`, `RAMUser` or `AssumedRoleUser`.
    pub identity_type: String,
    /// Account id, user id, or `<RoleId>:<RoleSessionName>`.
    pub principal_id: String,
    /// The user id (RAM users; root in some answers).
    pub user_id: Option<String>,
    /// The role id (role sessions).
    pub role_id: Option<String>,
}

actions! { Sts, Product::Sts;
    /// Assumes a role and returns temporary credentials.
    assume_role => "AssumeRole" (AssumeRoleRequest) -> AssumeRoleResponse;
}

impl Sts<'_> {
    /// Who the credentials belong to; needs no permission.
    ///
    /// Calls `GetCallerIdentity`.
    pub async fn get_caller_identity(&self) -> Result<GetCallerIdentityResponse, Error> {
        self.client
            .call_typed(Product::Sts, "GetCallerIdentity", &NoParams {})
            .await
    }
}
