//! Request size limits the server enforces before parsing (spec §1.1).
//!
//! The documented GET URL limit is 4 KB, but the V3 SDKs put every action parameter in the query
//! even for POST, and a percent-encoded policy document (up to 6 144 characters, each up to
//! 9 bytes once encoded) is far larger, so the query bound is generous yet finite.

/// Maximum bytes of the raw query string (64 KiB): room for a percent-encoded policy document.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Maximum bytes of a request body (10 MiB, the documented POST limit).
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Maximum total bytes of all request headers (32 KiB), generous for a long STS token.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
