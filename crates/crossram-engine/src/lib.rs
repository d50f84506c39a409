//! crossram-engine.
