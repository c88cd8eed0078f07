//! Writing results: files are written whole or not at all (a temp file in the same folder,
//! renamed over the target), text goes to stdout when no file is named, pictures are PNG.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use ludica_envs::Picture;

use super::fault;

/// A file that appears at its path only when [`commit`](AtomicFile::commit) succeeds.
/// Until then the bytes go to a temp file beside it, removed if the write fails or is
/// abandoned, so an existing file is never left half written.
pub struct AtomicFile {
    path: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `path`; fails (naming the path) if its folder is missing or read-only.
    pub fn create(path: &Path) -> anyhow::Result<AtomicFile> {
        let Some(name) = path.file_name() else {
            bail!("cannot write '{}': it names a folder, not a file; give a file path", path.display());
        };
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let temp = folder.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let file = File::create(&temp).map_err(|e| unwritable(path, e))?;
        Ok(AtomicFile { path: path.to_path_buf(), temp, writer: Some(BufWriter::new(file)) })
    }

    /// Where to write the content.
    pub fn writer(&mut self) -> &mut impl Write {
        self.writer.as_mut().expect("the writer is only taken by commit, which consumes self")
    }

    /// Flushes the content to disk and moves it into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let writer = self.writer.take().expect("commit runs once: it consumes self");
        let file = writer.into_inner().map_err(|e| unwritable(&self.path, e.into_error()))?;
        file.sync_all().map_err(|e| unwritable(&self.path, e))?;
        drop(file);
        std::fs::rename(&self.temp, &self.path).map_err(|e| unwritable(&self.path, e))?;
        self.temp.clear();
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            self.writer.take();
            // Best effort: the temp file may never have been flushed; its removal can fail
            // only if someone else removed it already.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Why `path` could not be written, and what a writable path looks like.
fn unwritable(path: &Path, err: io::Error) -> anyhow::Error {
    anyhow!("cannot write '{}': {err}; give a file path in an existing folder you can write to", path.display())
}

/// Writes `bytes` to `path` whole, or leaves it untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(bytes).map_err(|e| unwritable(path, e))?;
    file.commit()
}

/// Sends output produced by `write` to the file `out` (atomically) or, without one, to stdout.
pub fn emit(out: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            write(file.writer()).map_err(|e| unwritable(path, e))?;
            file.commit()
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

/// `picture` encoded as an 8-bit RGB PNG.
pub fn png_bytes(picture: &Picture) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let size = |v: usize| u32::try_from(v).context("picture side does not fit a PNG");
    let mut encoder = png::Encoder::new(&mut bytes, size(picture.width)?, size(picture.height)?);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(fault)?;
    writer.write_image_data(&picture.pixels).map_err(fault)?;
    writer.finish().map_err(fault)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ludica-output-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir is writable");
        dir
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_and_a_committed_one_replaces_the_old() {
        let dir = scratch("atomic");
        let path = dir.join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.writer().write_all(b"half").unwrap();
        drop(file);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out.txt"], "no temp file is left behind");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn png_has_signature_and_size() {
        let picture = Picture { width: 3, height: 2, pixels: vec![200; 18] };
        let bytes = png_bytes(&picture).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 3);
        assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 2);
    }
}
