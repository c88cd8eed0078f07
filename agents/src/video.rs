//! Videos of episodes for people: each frame scaled up, with a caption strip under it naming
//! the level seed, the step and the return so far, written as an animated GIF (the `gif`
//! crate; exact palettes, so the same frames give the same bytes) or, when `ffmpeg` is on
//! PATH, an MP4 (raw frames piped into it). Either way the file goes through
//! [`crate::output`]: it appears whole or not at all. `ludica record` (a trained agent) and
//! `ludica play --record` (a person) share this writer.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::thread::JoinHandle;

use ludica_envs::Picture;
use ludica_envs::core::engine::view::OBS_SIDE;

use crate::error::AgentError;
use crate::output::OutputFile;
use crate::plot::draw_text;

/// Largest upscaling factor of a frame.
pub const MAX_SCALE: usize = 8;
/// Most frames per second (a GIF counts time in hundredths of a second, and viewers slow
/// down anything faster than 50).
pub const MAX_FPS: u32 = 50;
/// Height of the caption strip under each frame: two lines of the 8x8 font.
pub const CAPTION_HEIGHT: usize = 22;
const CAPTION_BACKGROUND: [u8; 3] = [24, 24, 24];
const CAPTION_INK: [u8; 3] = [240, 240, 240];

/// The kinds of video file, told by the file name's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoFormat {
    /// `.gif`: an animated GIF, written by ludica itself.
    Gif,
    /// `.mp4`: H.264 (or ffmpeg's default MP4 codec), written by `ffmpeg`.
    Mp4,
}

impl VideoFormat {
    /// The format `path` names by its extension (`.gif` or `.mp4`, any case).
    pub fn of(path: &Path) -> Result<VideoFormat, AgentError> {
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("gif") => Ok(VideoFormat::Gif),
            Some("mp4") => Ok(VideoFormat::Mp4),
            other => Err(AgentError::Config(format!(
                "cannot write video '{}': {} is not a video format ludica writes; name a .gif or .mp4 file",
                path.display(),
                other.map_or("a name without an extension".to_string(), |e| format!("'.{e}'"))
            ))),
        }
    }
}

/// What the caption under a frame says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Caption {
    /// The level being played.
    pub level_seed: u64,
    /// Steps taken in the episode so far.
    pub step: u32,
    /// Reward summed over those steps.
    pub episode_return: f32,
    /// How the episode ended, once it has (`success`, `failure`, `time up`).
    pub ending: Option<&'static str>,
}

impl Caption {
    /// The caption's two lines.
    pub fn lines(&self) -> [String; 2] {
        let ending = self.ending.map(|e| format!(" {e}")).unwrap_or_default();
        [format!("seed {}", self.level_seed), format!("step {} return {:.2}{ending}", self.step, self.episode_return)]
    }
}

/// Width and height of a video frame made from an observation-sized frame scaled `scale`x.
pub fn frame_size(scale: usize) -> (usize, usize) {
    (OBS_SIDE * scale, OBS_SIDE * scale + CAPTION_HEIGHT)
}

/// `frame` scaled up `scale` times with `caption` drawn in a strip under it (text that does
/// not fit the width is cut off).
pub fn captioned(frame: &Picture, scale: usize, caption: &Caption) -> Picture {
    let big = frame.upscale(scale);
    let mut pixels = big.pixels;
    let strip = big.width * CAPTION_HEIGHT;
    pixels.extend(CAPTION_BACKGROUND.iter().copied().cycle().take(strip * 3));
    let mut picture = Picture { width: big.width, height: big.height + CAPTION_HEIGHT, pixels };
    for (k, line) in caption.lines().iter().enumerate() {
        draw_text(&mut picture, 3, (big.height + 2 + 10 * k) as i64, line, CAPTION_INK);
    }
    picture
}

/// A video being written; frames of one size go in with [`push`](VideoWriter::push), and
/// [`finish`](VideoWriter::finish) puts the file in place.
pub struct VideoWriter {
    path: PathBuf,
    width: usize,
    height: usize,
    frames: usize,
    sink: Sink,
}

enum Sink {
    Gif { encoder: gif::Encoder<OutputFile>, delay: u16 },
    Mp4(Ffmpeg),
}

/// An `ffmpeg` process turning raw RGB frames on its stdin into an MP4 on its stdout, which a
/// thread copies into the output file. Dropped unfinished, it stops ffmpeg and the copy, so
/// that the temporary file is removed.
struct Ffmpeg {
    child: Child,
    stdin: Option<ChildStdin>,
    copier: Option<JoinHandle<io::Result<OutputFile>>>,
    errors: Option<JoinHandle<String>>,
}

impl VideoWriter {
    /// Starts a video of `width` x `height` frames at `fps` frames per second in `path`, in
    /// the format its extension names. Fails at once, before any frame is made, on an
    /// unknown extension, a path that cannot be written, or an MP4 without `ffmpeg`.
    pub fn create(path: &Path, width: usize, height: usize, fps: u32) -> Result<VideoWriter, AgentError> {
        let format = VideoFormat::of(path)?;
        if !(1..=MAX_FPS).contains(&fps) {
            return Err(AgentError::Config(format!("fps = {fps} is out of range: must be from 1 to {MAX_FPS}")));
        }
        let (w, h) = (side(width)?, side(height)?);
        let out = OutputFile::create(path)?.stop_on_signals()?;
        let sink = match format {
            VideoFormat::Gif => {
                let bad = |e: gif::EncodingError| gif_error(path, e);
                let mut encoder = gif::Encoder::new(out, w, h, &[]).map_err(bad)?;
                encoder.set_repeat(gif::Repeat::Infinite).map_err(bad)?;
                Sink::Gif { encoder, delay: (100.0 / fps as f64).round() as u16 }
            }
            VideoFormat::Mp4 => Sink::Mp4(Ffmpeg::start(path, out, width, height, fps)?),
        };
        Ok(VideoWriter { path: path.to_path_buf(), width, height, frames: 0, sink })
    }

    /// Appends a frame, which must have the video's size.
    pub fn push(&mut self, frame: &Picture) -> Result<(), AgentError> {
        assert_eq!((frame.width, frame.height), (self.width, self.height), "every frame of a video has its size");
        match &mut self.sink {
            Sink::Gif { encoder, delay } => {
                let (w, h) = (self.width as u16, self.height as u16);
                let mut gif_frame = gif::Frame::from_rgb_speed(w, h, &frame.pixels, 10);
                gif_frame.delay = *delay;
                encoder.write_frame(&gif_frame).map_err(|e| gif_error(&self.path, e))?;
            }
            Sink::Mp4(ffmpeg) => {
                let stdin = ffmpeg.stdin.as_mut().expect("stdin is only closed by finish, which consumes self");
                stdin.write_all(&frame.pixels).map_err(|e| {
                    AgentError::Config(format!("ffmpeg stopped taking frames for '{}': {e}", self.path.display()))
                })?;
            }
        }
        self.frames += 1;
        Ok(())
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Ends the video and moves the file into place.
    pub fn finish(self) -> Result<(), AgentError> {
        let out = match self.sink {
            Sink::Gif { encoder, .. } => encoder.into_inner().map_err(|e| gif_error(&self.path, e))?,
            Sink::Mp4(ffmpeg) => ffmpeg.finish(&self.path)?,
        };
        Ok(out.commit()?)
    }
}

impl Ffmpeg {
    fn start(path: &Path, out: OutputFile, width: usize, height: usize, fps: u32) -> Result<Ffmpeg, AgentError> {
        let size = format!("{width}x{height}");
        let rate = fps.to_string();
        let spawned = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-nostdin"])
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", &size, "-r", &rate, "-i", "pipe:0"])
            // Fragmented MP4, so that it can be written to a pipe; yuv420p plays everywhere.
            .args(["-pix_fmt", "yuv420p", "-movflags", "frag_keyframe+empty_moov", "-f", "mp4", "pipe:1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(AgentError::Config(format!(
                    "cannot write '{}': MP4 needs ffmpeg, which is not on PATH; install it (apt-get install ffmpeg) or write a .gif",
                    path.display()
                )));
            }
            Err(e) => return Err(AgentError::io("start ffmpeg for", path, e)),
        };
        let stdin = child.stdin.take();
        let mut stdout = child.stdout.take().expect("ffmpeg's stdout is piped");
        let mut stderr = child.stderr.take().expect("ffmpeg's stderr is piped");
        let copier = std::thread::spawn(move || {
            let mut out = out;
            io::copy(&mut stdout, &mut out)?;
            Ok(out)
        });
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            // What ffmpeg printed only explains a failure; a read error leaves it empty.
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Ok(Ffmpeg { child, stdin, copier: Some(copier), errors: Some(errors) })
    }

    /// Closes ffmpeg's input, waits for it, and returns the written (not yet committed) file.
    fn finish(mut self, path: &Path) -> Result<OutputFile, AgentError> {
        drop(self.stdin.take());
        let copier = self.copier.take().expect("the copier is only taken here or on drop");
        let copied = copier.join().expect("the copying thread does not panic");
        let status = self.child.wait().map_err(|e| AgentError::io("wait for ffmpeg writing", path, e))?;
        let errors = self.errors.take().expect("the stderr reader is only taken here or on drop");
        let errors = errors.join().expect("the stderr thread does not panic");
        let out = copied.map_err(|e| write_error(path, e))?;
        if !status.success() {
            let why = errors.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string();
            return Err(AgentError::Config(format!("ffmpeg failed to write '{}' ({status}): {why}", path.display())));
        }
        Ok(out)
    }
}

impl Drop for Ffmpeg {
    fn drop(&mut self) {
        drop(self.stdin.take());
        // Best effort: ffmpeg may have ended already.
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Joining drops the copier's output file, which removes its temporary file.
        if let Some(copier) = self.copier.take() {
            let _ = copier.join();
        }
        if let Some(errors) = self.errors.take() {
            let _ = errors.join();
        }
    }
}

/// An I/O error writing `path` as an error of ours: a write stopped by a signal keeps its
/// [`crate::output::OutputError::Interrupted`], so the CLI exits with the signal's status.
fn write_error(path: &Path, e: io::Error) -> AgentError {
    if e.get_ref().is_some_and(|inner| inner.is::<crate::output::OutputError>()) {
        let inner = e.into_inner().expect("checked: it holds an error");
        return AgentError::Output(*inner.downcast().expect("checked: it is an OutputError"));
    }
    AgentError::io("write", path, e)
}

fn side(v: usize) -> Result<u16, AgentError> {
    u16::try_from(v).map_err(|_| AgentError::Config(format!("a video frame side of {v} pixels is too large")))
}

fn gif_error(path: &Path, e: gif::EncodingError) -> AgentError {
    match e {
        gif::EncodingError::Io(e) => write_error(path, e),
        e => AgentError::Config(format!("cannot encode GIF '{}': {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_extension_and_others_are_named() {
        assert_eq!(VideoFormat::of(Path::new("a/b.GIF")).unwrap(), VideoFormat::Gif);
        assert_eq!(VideoFormat::of(Path::new("b.mp4")).unwrap(), VideoFormat::Mp4);
        let err = VideoFormat::of(Path::new("b.avi")).unwrap_err().to_string();
        assert!(err.contains("'.avi'") && err.contains(".gif or .mp4"), "{err}");
        let err = VideoFormat::of(Path::new("video")).unwrap_err().to_string();
        assert!(err.contains("without an extension"), "{err}");
    }

    #[test]
    fn a_captioned_frame_is_the_frame_scaled_with_its_text_under_it() {
        let frame = Picture { width: OBS_SIDE, height: OBS_SIDE, pixels: vec![90; OBS_SIDE * OBS_SIDE * 3] };
        let caption = Caption { level_seed: 7, step: 3, episode_return: 1.5, ending: Some("success") };
        assert_eq!(caption.lines(), ["seed 7".to_string(), "step 3 return 1.50 success".to_string()]);
        let big = captioned(&frame, 2, &caption);
        assert_eq!((big.width, big.height), frame_size(2));
        let image = &big.pixels[..big.width * OBS_SIDE * 2 * 3];
        assert!(image.iter().all(|&v| v == 90), "the frame is scaled as it is");
        let strip = &big.pixels[image.len()..];
        assert!(strip.chunks_exact(3).any(|p| p == CAPTION_INK), "the caption is drawn");
        assert!(strip.chunks_exact(3).all(|p| p == CAPTION_INK || p == CAPTION_BACKGROUND));
    }
}
