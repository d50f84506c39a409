//! Decision-time benchmark (filled in below).

fn main() {}
