//! One writer per run directory: `train` holds an exclusive advisory lock on the run's
//! `train.lock` for its whole life, with its pid written inside, so a second `train` or
//! `--resume` of the same directory is refused with a line naming the holder. Readers
//! (`eval`, `plot`) take no lock: checkpoints are committed by renames, so they always see a
//! whole one. The lock is the kernel's (flock, through `std::fs::File::try_lock`): it goes
//! away with the process, even after `kill -9`, so a stale pid in the file is harmless.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::Path;

use crate::error::AgentError;

/// The lock file's name inside a run directory.
pub const LOCK_FILE: &str = "train.lock";

/// The held lock of a run directory; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

impl RunLock {
    /// Takes the run directory's lock, or names the process holding it.
    pub fn acquire(dir: &Path) -> Result<RunLock, AgentError> {
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| AgentError::io("open", &path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                // The holder writes its pid right after locking; an empty file means it is
                // just starting.
                let _ = file.read_to_string(&mut holder);
                let pid = holder.trim();
                let pid = if pid.is_empty() { "unknown, just starting".to_string() } else { pid.to_string() };
                return Err(AgentError::RunDir(format!(
                    "run directory {} is in use by another `ludica train` (pid {pid}); wait for it to end or stop it first",
                    dir.display()
                )));
            }
            Err(TryLockError::Error(e)) => return Err(AgentError::io("lock", &path, e)),
        }
        file.set_len(0).map_err(|e| AgentError::io("write", &path, e))?;
        file.write_all(format!("{}\n", std::process::id()).as_bytes())
            .map_err(|e| AgentError::io("write", &path, e))?;
        Ok(RunLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_until_the_first_is_dropped() {
        let dir = std::env::temp_dir().join(format!("ludica-run-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let first = RunLock::acquire(&dir).unwrap();
        let err = RunLock::acquire(&dir).unwrap_err().to_string();
        assert!(err.contains(&format!("pid {}", std::process::id())) && err.contains("in use"), "{err}");
        drop(first);
        RunLock::acquire(&dir).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
