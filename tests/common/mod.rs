//! What the binary's integration tests share: the flags of a tiny training run.

/// Flags of a run that takes a second or two.
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
