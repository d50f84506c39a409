//! When a failed call is tried again, and how long to wait in between.
//!
//! # Behavior
//! - Throttling (`Throttling`, `Throttling.*`) is retried for every call: the service refused
//!   the request before acting on it.
//! - Server errors (HTTP 5xx), timeouts and broken connections are retried only for idempotent
//!   calls (reads, `GetCallerIdentity`, `AssumeRole`, and ECS creations that carry a
//!   `ClientToken`), because a mutating call may have taken effect before the failure.
//! - A connection that could not be opened is retried for every call: nothing was sent.
//! - Waits grow exponentially from `base_delay`, capped at `max_delay`, with full jitter.

use std::time::Duration;

use crate::error::Error;
use crate::transport::TransportErrorKind;

/// How often and how patiently failed calls are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; 1 disables retries.
    pub max_attempts: u32,
    /// Upper bound of the first wait.
    pub base_delay: Duration,
    /// Upper bound of any wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The wait before attempt `attempt + 1`, after `attempt` failed attempts (1-based): a
    /// uniformly random duration in `[0, min(max_delay, base_delay * 2^(attempt-1))]`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let cap = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        if cap_ms == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::random_range(0..=cap_ms))
    }

    /// Whether `error`, after `attempt` attempts of a call that is or is not idempotent,
    /// deserves another attempt.
    pub fn should_retry(&self, error: &Error, attempt: u32, idempotent: bool) -> bool {
        attempt < self.max_attempts && is_retryable(error, idempotent)
    }
}

/// Whether an error is worth another attempt (ignoring the attempt budget).
pub fn is_retryable(error: &Error, idempotent: bool) -> bool {
    match error {
        Error::Service { .. } if error.is_throttling() => true,
        Error::Service { .. } => idempotent && error.is_server_error(),
        Error::Transport(t) => match t.kind() {
            TransportErrorKind::Connect => true,
            TransportErrorKind::InvalidRequest => false,
            _ => idempotent,
        },
        _ => false,
    }
}

/// Whether repeating `action` with `params` is harmless.
pub fn is_idempotent(action: &str, params: &[(String, String)]) -> bool {
    let read_only = ["Get", "List", "Describe"]
        .iter()
        .any(|p| action.starts_with(p));
    // AssumeRole changes no state: a repeated call only issues another credential.
    let harmless = matches!(action, "AssumeRole");
    let with_token = matches!(action, "RunInstances" | "CreateInstance")
        && params
            .iter()
            .any(|(k, v)| k == "ClientToken" && !v.is_empty());
    read_only || harmless || with_token
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::TransportError;

    fn service(code: &str, status: u16) -> Error {
        Error::Service {
            code: code.into(),
            message: String::new(),
            request_id: String::new(),
            status,
            access_denied_detail: None,
        }
    }

    #[test]
    fn idempotency_by_action() {
        assert!(is_idempotent("GetRole", &[]));
        assert!(is_idempotent("ListUsers", &[]));
        assert!(is_idempotent("DescribeInstances", &[]));
        assert!(is_idempotent("AssumeRole", &[]));
        assert!(!is_idempotent("CreateRole", &[]));
        assert!(!is_idempotent("DeleteRole", &[]));
        assert!(!is_idempotent("RunInstances", &[]));
        assert!(is_idempotent(
            "RunInstances",
            &[("ClientToken".into(), "t-1".into())]
        ));
    }

    #[test]
    fn what_is_retried() {
        assert!(is_retryable(&service("ServiceUnavailable", 503), true));
        assert!(!is_retryable(&service("ServiceUnavailable", 503), false));
        assert!(is_retryable(&service("Throttling.User", 400), false));
        assert!(!is_retryable(&service("EntityNotExist.Role", 404), true));
        let timeout = Error::Transport(TransportError::new(TransportErrorKind::Timeout, "t"));
        assert!(is_retryable(&timeout, true));
        assert!(!is_retryable(&timeout, false));
        let refused = Error::Transport(TransportError::new(TransportErrorKind::Connect, "c"));
        assert!(is_retryable(&refused, false));
        assert!(!is_retryable(&Error::Credentials("x".into()), true));
    }

    #[test]
    fn delays_stay_within_the_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
        };
        for attempt in 1..10 {
            let cap = Duration::from_millis(100u64 << (attempt - 1)).min(p.max_delay);
            for _ in 0..20 {
                assert!(p.delay(attempt) <= cap);
            }
        }
        assert!(p.should_retry(&service("Throttling", 400), 9, false));
        assert!(!p.should_retry(&service("Throttling", 400), 10, false));
    }
}
