//! The `crossram` command.

fn main() {}
