//! Writing a user's file, the one way every writer in ludica does it (`levels --out`,
//! `eval --json`, plots, pictures, checkpoints, summaries). What is at the target decides:
//!
//! - nothing, or a regular file: the bytes go to a temporary file created exclusively
//!   (`create_new`, so never through a planted link) under an unpredictable short name in the
//!   target's folder, then renamed over the target, keeping an old file's mode. Until the
//!   rename the old file is untouched; a failed or abandoned write removes the temporary file.
//! - a symlink: followed, and the file it points to is replaced as above, in its own folder;
//!   the link stays a link.
//! - a character or block device or a FIFO (`/dev/null`, `/dev/stdout`, a named pipe): written
//!   through, so it stays what it is.
//! - a folder or a socket: refused with one line.

use std::fs::{self, File, OpenOptions, Permissions};
use std::hash::{BuildHasher, RandomState};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// Prefix of every temporary file name (`.ludica-<16 hex digits>.tmp`, 28 bytes, so a target
/// name at the 255-byte limit still has a temporary beside it).
pub const TEMP_PREFIX: &str = ".ludica-";
/// Suffix of every temporary file name.
pub const TEMP_SUFFIX: &str = ".tmp";
/// Most symlinks followed from one target, as the kernel allows.
const MAX_LINKS: usize = 40;
/// Fresh temporary names tried before giving up (each is taken only by a collision).
const TEMP_ATTEMPTS: usize = 16;
/// Signals that stop a write started with [`OutputFile::stop_on_signals`].
const STOP_SIGNALS: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// Why a file could not be written. Each message names the path once.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target is a folder.
    #[error("cannot write '{0}': it is a folder; give a file path")]
    Folder(String),
    /// The target is a socket, which cannot be opened as a file.
    #[error("cannot write '{0}': it is a socket; give a file path")]
    Socket(String),
    /// The target is a chain of symlinks too long to follow.
    #[error("cannot write '{0}': more than 40 symlinks to follow; give the file's own path")]
    Links(String),
    /// The operating system refused (missing folder, no permission, disk full, ...).
    #[error("cannot write '{path}': {source}")]
    Io {
        /// The target as given.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A signal stopped the write; the target was left as it was.
    #[error("writing '{path}' was stopped by signal {signal}; the file was left as it was")]
    Interrupted {
        /// The target as given.
        path: String,
        /// The signal's number.
        signal: i32,
    },
}

impl OutputError {
    fn io(path: &Path, source: io::Error) -> OutputError {
        OutputError::Io { path: path.display().to_string(), source }
    }
}

/// A file being written; see the module docs. It appears (or replaces the old one) only when
/// [`commit`](OutputFile::commit) succeeds.
pub struct OutputFile {
    path: PathBuf,
    writer: Option<BufWriter<File>>,
    /// The temporary file and the file it will replace; `None` when written through.
    replace: Option<(PathBuf, PathBuf)>,
    signals: Option<SignalWatch>,
}

impl OutputFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<OutputFile, OutputError> {
        let shown = || path.display().to_string();
        if path.file_name().is_none() {
            return Err(OutputError::Folder(shown()));
        }
        // `metadata` follows links the way the kernel does, `/proc/self/fd/1` included.
        let (target, mode) = match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => return Err(OutputError::Folder(shown())),
            Ok(meta) if meta.file_type().is_socket() => return Err(OutputError::Socket(shown())),
            Ok(meta) if !meta.is_file() => {
                let file = OpenOptions::new().write(true).open(path).map_err(|e| OutputError::io(path, e))?;
                let writer = Some(BufWriter::new(file));
                return Ok(OutputFile { path: path.to_path_buf(), writer, replace: None, signals: None });
            }
            Ok(meta) => (fs::canonicalize(path).map_err(|e| OutputError::io(path, e))?, Some(meta.permissions())),
            // Nothing there, or a link to nothing: the file is made where the links lead.
            Err(e) if e.kind() == io::ErrorKind::NotFound => (follow_links(path)?, None),
            Err(e) => return Err(OutputError::io(path, e)),
        };
        let (temp, file) = create_temp(&target, mode).map_err(|e| OutputError::io(path, e))?;
        Ok(OutputFile {
            path: path.to_path_buf(),
            writer: Some(BufWriter::new(file)),
            replace: Some((temp, target)),
            signals: None,
        })
    }

    /// Makes SIGINT, SIGTERM and SIGHUP stop the write at its next `write` call with
    /// [`OutputError::Interrupted`] (the temporary file is then removed) instead of killing
    /// the process with the temporary file left behind. For long writes a user may cut short.
    pub fn stop_on_signals(mut self) -> Result<OutputFile, OutputError> {
        if self.replace.is_some() {
            self.signals = Some(SignalWatch::new().map_err(|e| OutputError::io(&self.path, e))?);
        }
        Ok(self)
    }

    /// Flushes the content to disk and moves it into place (a written-through device or FIFO
    /// only gets the flush).
    pub fn commit(mut self) -> Result<(), OutputError> {
        self.check_signals()?;
        let writer = self.writer.take().expect("commit runs once: it consumes self");
        let file = writer.into_inner().map_err(|e| OutputError::io(&self.path, e.into_error()))?;
        let Some((temp, target)) = self.replace.take() else { return Ok(()) };
        let moved = file.sync_all().and_then(|()| fs::rename(&temp, &target));
        if let Err(e) = moved {
            // Best effort: the rename failed, so the temporary file is still there to remove.
            let _ = fs::remove_file(&temp);
            return Err(OutputError::io(&self.path, e));
        }
        // The rename is durable once the folder is synced; a folder that cannot be opened
        // or synced (some file systems) does not undo a rename that happened.
        if let Ok(folder) = File::open(folder_of(&target)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }

    fn check_signals(&self) -> Result<(), OutputError> {
        match self.signals.as_ref().and_then(SignalWatch::caught) {
            Some(signal) => Err(OutputError::Interrupted { path: self.path.display().to_string(), signal }),
            None => Ok(()),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check_signals().map_err(io::Error::other)?;
        self.writer.as_mut().expect("the writer is only taken by commit, which consumes self").write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.as_mut().expect("the writer is only taken by commit, which consumes self").flush()
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Some((temp, _)) = self.replace.take() {
            self.writer.take();
            // Best effort: removal fails only if the file is already gone.
            let _ = fs::remove_file(&temp);
        }
    }
}

/// Writes `bytes` to `path` whole, or leaves it as it was.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut file = OutputFile::create(path)?;
    file.write_all(bytes).map_err(|e| OutputError::io(path, e))?;
    file.commit()
}

/// Whether `name` is the name of one of this module's temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// `path` with every symlink on it (as the last component) followed.
fn follow_links(path: &Path) -> Result<PathBuf, OutputError> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current).map_err(|e| OutputError::io(path, e))?;
                current = folder_of(&current).join(link);
            }
            _ => return Ok(current),
        }
    }
    Err(OutputError::Links(path.display().to_string()))
}

/// The folder holding `path` (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// A new, exclusively created temporary file beside `target`, with `mode` if given.
fn create_temp(target: &Path, mode: Option<Permissions>) -> io::Result<(PathBuf, File)> {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let folder = folder_of(target);
    for _ in 0..TEMP_ATTEMPTS {
        // RandomState's keys come from the OS's random source: the name cannot be guessed, and
        // `create_new` (O_EXCL) refuses anything already there, a planted symlink included.
        let call = CALLS.fetch_add(1, Ordering::Relaxed);
        let tag = RandomState::new().hash_one((std::process::id(), call));
        let temp = folder.join(format!("{TEMP_PREFIX}{tag:016x}{TEMP_SUFFIX}"));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => {
                if let Some(mode) = &mode
                    && let Err(e) = file.set_permissions(mode.clone())
                {
                    drop(file);
                    let _ = fs::remove_file(&temp);
                    return Err(e);
                }
                return Ok((temp, file));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, "no free temporary name beside it"))
}

/// While alive, records the first of [`STOP_SIGNALS`] that arrives instead of letting it kill
/// the process.
struct SignalWatch {
    caught: Arc<AtomicUsize>,
    ids: Vec<signal_hook::SigId>,
}

impl SignalWatch {
    fn new() -> io::Result<SignalWatch> {
        let caught = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        for signal in STOP_SIGNALS {
            let flag = Arc::clone(&caught);
            ids.push(signal_hook::flag::register_usize(signal, flag, signal as usize)?);
        }
        Ok(SignalWatch { caught, ids })
    }

    fn caught(&self) -> Option<i32> {
        match self.caught.load(Ordering::SeqCst) {
            0 => None,
            signal => i32::try_from(signal).ok(),
        }
    }
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{PermissionsExt, symlink};

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ludica-output-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temp dir is writable");
        dir
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_and_a_committed_one_replaces_the_old_keeping_its_mode() {
        let dir = scratch("atomic");
        let path = dir.join("out.txt");
        fs::write(&path, "old").unwrap();
        fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();
        let mut file = OutputFile::create(&path).unwrap();
        file.write_all(b"half").unwrap();
        drop(file);
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
        write_file(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        assert_eq!(names(&dir), ["out.txt"], "no temp file is left behind");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = scratch("link");
        fs::create_dir(dir.join("real")).unwrap();
        fs::write(dir.join("real/target.txt"), "old").unwrap();
        symlink("real/target.txt", dir.join("link.txt")).unwrap();
        write_file(&dir.join("link.txt"), b"new").unwrap();
        assert!(fs::symlink_metadata(dir.join("link.txt")).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(dir.join("real/target.txt")).unwrap(), "new");
        // A dangling link is followed too: the file appears where it points.
        symlink("real/fresh.txt", dir.join("dangling.txt")).unwrap();
        write_file(&dir.join("dangling.txt"), b"made").unwrap();
        assert_eq!(fs::read_to_string(dir.join("real/fresh.txt")).unwrap(), "made");
        assert_eq!(names(&dir.join("real")), ["fresh.txt", "target.txt"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn devices_are_written_through_and_folders_refused() {
        write_file(Path::new("/dev/null"), b"gone").unwrap();
        assert!(fs::metadata("/dev/null").unwrap().file_type().is_char_device());
        let full = write_file(Path::new("/dev/full"), &[0; 100_000]).unwrap_err();
        assert!(full.to_string().contains("No space left"), "{full}");
        let dir = scratch("folder");
        let err = write_file(&dir, b"x").unwrap_err();
        assert_eq!(err.to_string(), format!("cannot write '{}': it is a folder; give a file path", dir.display()));
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_name_at_the_length_limit_works_and_temp_names_are_short_and_fresh() {
        let dir = scratch("long");
        let path = dir.join("n".repeat(255));
        write_file(&path, b"long").unwrap();
        write_file(&path, b"again").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "again");
        let (a, _) = create_temp(&path, None).unwrap();
        let (b, _) = create_temp(&path, None).unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(is_temp_name(name) && name.len() == 28, "{name}");
        fs::remove_dir_all(dir).unwrap();
    }
}
