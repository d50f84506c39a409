//! crossram-scenario.
