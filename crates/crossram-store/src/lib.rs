//! crossram-store.
