//! crossram-client.
