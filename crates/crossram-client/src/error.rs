//! The one error type of the client: service errors, transport errors, decode errors,
//! credential and configuration problems, kept apart so that callers can react to each.

use crate::transport::TransportError;

/// Everything that can go wrong with a call. No variant ever contains a secret: security
/// tokens are masked in server messages and secret-looking fields in body snippets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error body (`Code`, `Message`, `RequestId`).
    #[error("{code} (HTTP {status}): {message} (request id {request_id})")]
    Service {
        /// The error code, e.g. `EntityNotExist.Role`.
        code: String,
        /// The service's message.
        message: String,
        /// The request id the service assigned (empty if it gave none).
        request_id: String,
        /// The HTTP status.
        status: u16,
        /// The `AccessDeniedDetail` object of authorization failures, when present: see
        /// [`Error::access_denied_detail`].
        access_denied_detail: Option<Box<serde_json::Value>>,
    },
    /// No response: the connection failed, broke or timed out.
    #[error("transport error: {0}")]
    Transport(#[from] TransportError),
    /// A response arrived but its body is not what the call expects.
    #[error("cannot decode response (HTTP {status}): {reason}; body: {snippet}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The start of the body, with secret-looking fields masked.
        snippet: String,
    },
    /// No usable credentials: none configured, a malformed profile, or a failed role
    /// assumption.
    #[error("credentials: {0}")]
    Credentials(String),
    /// Invalid client configuration (endpoint, settings file, parameters).
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// The service error code, for [`Error::Service`].
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The request id, for [`Error::Service`].
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service { request_id, .. } => Some(request_id),
            _ => None,
        }
    }

    /// Whether this is the answer to a `DryRun=true` call that would have gone through: the
    /// service answers it as an error, 400 `DryRunOperation`.
    pub fn is_dry_run_success(&self) -> bool {
        self.code() == Some("DryRunOperation")
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service { status, .. } | Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `AccessDeniedDetail` of an authorization failure, as the service sent it. Its
    /// fields (strings): `AuthAction` (e.g. `sts:AssumeRole`), `NoPermissionType`
    /// (`ImplicitDeny` or `ExplicitDeny`), `PolicyType` (which kind of policy refused:
    /// `AccountLevelIdentityBasedPolicy`, `SessionPolicy`, `AssumeRolePolicy`, ...),
    /// `AuthPrincipalType` (`SubUser`, `AssumedRoleUser`, `RootUser`),
    /// `AuthPrincipalDisplayName`, `AuthPrincipalOwnerId`, `EncodedDiagnosticMessage`; the
    /// crossram emulator adds `CrossramExplanation`, why it refused in words.
    ///
    /// ```
    /// # fn check(err: &crossram_client::Error) -> Option<()> {
    /// let detail = err.access_denied_detail()?;
    /// assert_eq!(detail["PolicyType"], "AssumeRolePolicy");
    /// # Some(()) }
    /// ```
    pub fn access_denied_detail(&self) -> Option<&serde_json::Value> {
        match self {
            Error::Service {
                access_denied_detail,
                ..
            } => access_denied_detail.as_deref(),
            _ => None,
        }
    }

    /// The service message, for [`Error::Service`].
    pub fn service_message(&self) -> Option<&str> {
        match self {
            Error::Service { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Whether the service refused the call for throttling (`Throttling`, `Throttling.*`).
    pub fn is_throttling(&self) -> bool {
        self.code()
            .is_some_and(|c| c == "Throttling" || c.starts_with("Throttling."))
    }

    /// Whether the service failed on its side (HTTP 5xx).
    pub fn is_server_error(&self) -> bool {
        matches!(self, Error::Service { status, .. } if *status >= 500)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_and_display() {
        let e = Error::Service {
            code: "EntityNotExist.Role".into(),
            message: "The role does not exist.".into(),
            request_id: "RID".into(),
            status: 404,
            access_denied_detail: None,
        };
        assert_eq!(e.code(), Some("EntityNotExist.Role"));
        assert_eq!(e.status(), Some(404));
        assert_eq!(e.request_id(), Some("RID"));
        assert!(!e.is_throttling());
        assert_eq!(
            e.to_string(),
            "EntityNotExist.Role (HTTP 404): The role does not exist. (request id RID)"
        );
        assert_eq!(Error::Credentials("x".into()).code(), None);
    }

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 128);
    }
}
