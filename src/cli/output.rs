//! Writing results: files through [`ludica_agents::output`] (whole or not at all; devices,
//! FIFOs and symlinks handled there), text to stdout when no file is named (PNG bytes come from `ludica_agents::plot::png_bytes`).

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::Path;

use anyhow::bail;
use ludica_agents::output::{OutputError, OutputFile};

use super::fault;

pub use ludica_agents::output::write_file;

/// Sends output produced by `write` to the file `out` or, without one, to stdout. A signal
/// (Ctrl-C, SIGTERM) while writing a file stops it and leaves the old file as it was.
pub fn emit(out: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let mut file = OutputFile::create(path)?.stop_on_signals()?;
            let mut writer = BufWriter::new(&mut file);
            let written = write(&mut writer).and_then(|()| writer.flush());
            drop(writer);
            match written {
                Ok(()) => Ok(file.commit()?),
                // A stop by signal is reported as such, not as the I/O error it surfaced as.
                Err(e) if e.get_ref().is_some_and(|inner| inner.is::<OutputError>()) => {
                    let inner = e.into_inner().expect("checked above").downcast::<OutputError>();
                    Err(anyhow::Error::new(*inner.expect("checked above")))
                }
                Err(source) => Err(OutputError::Io { path: path.display().to_string(), source }.into()),
            }
        }
        None => {
            let stdout = io::stdout();
            let mut lock = BufWriter::new(stdout.lock());
            write(&mut lock).and_then(|()| lock.flush()).map_err(fault)
        }
    }
}

/// Refuses to send binary output (`what`) to a terminal: it must go to `--out` or a pipe.
pub fn refuse_binary_on_terminal(out: Option<&Path>, what: &str) -> anyhow::Result<()> {
    if out.is_none() && io::stdout().is_terminal() {
        bail!("will not write {what} bytes to a terminal: pass --out FILE.png, or pipe the output");
    }
    Ok(())
}
