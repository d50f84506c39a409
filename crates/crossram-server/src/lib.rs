//! crossram-server.
