//! crossram-wire.
