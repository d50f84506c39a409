//! The error every API call can answer: an Alibaba Cloud error code, its HTTP status and a
//! message a person can act on.
//!
//! Codes and statuses follow spec §1.8 (gateway), §3.11 (RAM), §4.3 (STS) and §8 (ECS). The
//! constructors here are the single place where a code is paired with its status, so a code is
//! never answered with two different statuses.

use std::borrow::Cow;
use std::fmt;

/// Details of a denial, returned to SDKs as `AccessDeniedDetail` (the Tea SDKs lift it into
/// `access_denied_detail`). The fields of the real service carry its values; what crossram adds
/// is in [`crossram_explanation`](Self::crossram_explanation).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessDeniedDetail {
    /// The action that was refused, e.g. `sts:AssumeRole`.
    pub auth_action: String,
    /// What kind of identity asked: `SubUser` (a RAM user), `AssumedRoleUser` (a role session)
    /// or `RootUser`.
    pub auth_principal_type: String,
    /// The identity that asked: a user's name, `<role name>:<session name>` for a role session,
    /// the account id for a root identity.
    pub auth_principal_display_name: String,
    /// The account that owns the identity.
    pub auth_principal_owner_id: String,
    /// `ExplicitDeny` or `ImplicitDeny`.
    pub no_permission_type: String,
    /// The kind of policy that refused, as the service names it: `AccountLevelIdentityBasedPolicy`
    /// (the caller's own policies), `SessionPolicy`, `AssumeRolePolicy` (a role's trust policy).
    pub policy_type: String,
    /// On the service an opaque token that `DecodeDiagnosticMessage` reads; here the resource
    /// that was asked for.
    pub encoded_diagnostic_message: String,
    /// An extension, `CrossramExplanation`: whose policies refused and why, in words. For an
    /// explicit deny the denying statements (`<policy>#<index>`); for an implicit deny the Allow
    /// statements that came close and what each was short of, never a policy's values, and only
    /// what the caller may learn (DESIGN.md). Absent from the real service's answers.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub crossram_explanation: String,
}

/// An error answered to a caller: `Code`, HTTP status and `Message`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiError {
    code: Cow<'static, str>,
    status: u16,
    message: String,
    denied: Option<Box<AccessDeniedDetail>>,
}

impl ApiError {
    /// An error with an explicit code, HTTP status and message.
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            status,
            message: message.into(),
            denied: None,
        }
    }

    /// Attaches the denial details (`AccessDeniedDetail`).
    #[must_use]
    pub fn with_denial(mut self, detail: AccessDeniedDetail) -> Self {
        self.denied = Some(Box::new(detail));
        self
    }

    /// The API error code, e.g. `EntityNotExist.Role`.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The HTTP status the error is answered with.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The message for a person.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Denial details, for authorization failures.
    pub fn denial(&self) -> Option<&AccessDeniedDetail> {
        self.denied.as_deref()
    }

    /// 400 `MissingParameter` for a mandatory parameter that was not sent.
    pub fn missing_parameter(name: &str) -> Self {
        Self::new(
            "MissingParameter",
            400,
            format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    /// 400 `InvalidParameter.<Name>.InvalidChars`.
    pub fn invalid_chars(name: &str) -> Self {
        Self::new(
            format!("InvalidParameter.{name}.InvalidChars"),
            400,
            format!("The parameter - \"{name}\" contains invalid chars."),
        )
    }

    /// 400 `InvalidParameter.<Name>.Length`.
    pub fn too_long(name: &str) -> Self {
        Self::new(
            format!("InvalidParameter.{name}.Length"),
            400,
            format!("The parameter - \"{name}\" beyond the length limit."),
        )
    }

    /// 400 `InvalidParameter.<Name>.Length`, the message naming the limit (the service's
    /// sentence leaves it out, which leaves a person guessing).
    pub fn longer_than(name: &str, limit: usize) -> Self {
        Self::new(
            format!("InvalidParameter.{name}.Length"),
            400,
            format!("The parameter - \"{name}\" beyond the length limit of {limit} characters."),
        )
    }

    /// 400 `InvalidParameter.<Name>.Format`.
    pub fn bad_format(name: &str) -> Self {
        Self::new(
            format!("InvalidParameter.{name}.Format"),
            400,
            format!("The format of the parameter - \"{name}\" is incorrect."),
        )
    }

    /// 400 `InvalidParameter` with a free message.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new("InvalidParameter", 400, message)
    }

    /// 400 `MalformedPolicyDocument` with the parser's explanation.
    pub fn malformed_policy(message: impl Into<String>) -> Self {
        Self::new("MalformedPolicyDocument", 400, message)
    }

    /// 404 `EntityNotExist.<Entity>` with the RAM message.
    pub fn not_exist(entity: &'static str, message: &'static str) -> Self {
        Self::new(format!("EntityNotExist.{entity}"), 404, message)
    }

    /// 409 `EntityAlreadyExists.<Entity>` with the RAM message.
    pub fn already_exists(entity: &'static str, message: &'static str) -> Self {
        Self::new(format!("EntityAlreadyExists.{entity}"), 409, message)
    }

    /// 409 `DeleteConflict.<What>`.
    pub fn delete_conflict(what: &'static str, message: &'static str) -> Self {
        Self::new(format!("DeleteConflict.{what}"), 409, message)
    }

    /// 409 `LimitExceeded.<What>`.
    pub fn limit_exceeded(what: &'static str, message: &'static str) -> Self {
        Self::new(format!("LimitExceeded.{what}"), 409, message)
    }

    /// 403 `NoPermission` with RAM's message.
    pub fn no_permission() -> Self {
        Self::new(
            "NoPermission",
            403,
            "You are not authorized to do this action.",
        )
    }

    /// 403 `Forbidden.RAM` (ECS denials).
    pub fn forbidden_ram() -> Self {
        Self::new(
            "Forbidden.RAM",
            403,
            "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
        )
    }

    /// 500 `InternalError`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new("InternalError", 500, message)
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("status", &self.status)
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl std::error::Error for ApiError {}
