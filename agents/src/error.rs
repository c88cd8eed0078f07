//! `AgentError`: everything that can go wrong in training, checkpoints and evaluation, each
//! message one line naming the bad value or file and what is allowed.

use std::path::Path;

/// An error of ludica-agents.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A bad option or config value.
    #[error("{0}")]
    Config(String),
    /// A device that cannot be used.
    #[error("{0}")]
    Device(String),
    /// The envs refused their config or an action.
    #[error(transparent)]
    Env(#[from] ludica_envs::VecEnvError),
    /// A game name the registry does not hold.
    #[error(transparent)]
    UnknownGame(#[from] ludica_envs::games::UnknownGame),
    /// A missing, corrupt or mismatched checkpoint.
    #[error("{0}")]
    Checkpoint(String),
    /// A run directory that cannot be used.
    #[error("{0}")]
    RunDir(String),
    /// A file that could not be read or written.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file the user asked for (or a checkpoint file) could not be written.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// libtorch failed (only the first line of its message: the rest is a C++ backtrace).
    #[error("libtorch: {}", .0.to_string().lines().next().unwrap_or_default())]
    Torch(#[from] tch::TchError),
}

impl AgentError {
    /// An I/O error while doing `what` to `path`.
    pub fn io(what: &'static str, path: &Path, source: std::io::Error) -> AgentError {
        AgentError::Io { what, path: path.display().to_string(), source }
    }
}
