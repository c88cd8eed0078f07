//! What the binary's integration tests share: running the binary, a scratch directory per
//! test, and the flags of a tiny training run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the `ludica` binary with `args` and waits for it.
pub fn ludica(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ludica")).args(args).output().expect("the ludica binary runs")
}

/// An empty directory for test `name` of this test binary, under cargo's target tmp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", env!("CARGO_CRATE_NAME")));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the target tmp dir is writable");
    dir
}

/// Flags of a run that takes a second or two.
#[allow(dead_code)] // cli.rs and experiment.rs train nothing themselves
pub const TINY: &[&str] = &[
    "--obs",
    "symbolic",
    "--num-envs",
    "4",
    "--num-steps",
    "16",
    "--num-minibatches",
    "2",
    "--update-epochs",
    "1",
    "--hidden",
    "16",
    "--num-levels",
    "10",
    "--quiet",
];
