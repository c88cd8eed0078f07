//! The subcommands, one module each: clap arguments and a `run` that calls into the crates.

pub mod eval;
pub mod plot;
pub mod train;
