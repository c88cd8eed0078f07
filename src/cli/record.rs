//! `ludica record`: a video (GIF, or MP4 through ffmpeg) of a run's trained agent playing a
//! few episodes on held-out or training levels, each frame captioned with its level seed and
//! the return so far.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Args, ValueEnum};
use ludica_agents::DeviceChoice;
use ludica_agents::checkpoint;
use ludica_agents::eval::{self, DEFAULT_TEST_START, Levels, MAX_RENDER_EPISODES, Play};
use ludica_agents::video::{self, MAX_FPS, MAX_SCALE, VideoWriter};

use super::parse_seed;

/// Options of `ludica record`.
#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The run directory (from `ludica train --out`).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Episodes to record one after the other, 1 to 100.
    #[arg(long, default_value_t = 3, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_RENDER_EPISODES as u64))]
    pub episodes: usize,
    /// The video file: .gif, or .mp4 when ffmpeg is on PATH.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Which levels: held out (unlimited, from --test-start-level) or the run's training levels.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub levels: Split,
    /// First seed of the held-out levels (must lie above the training range).
    #[arg(long, default_value_t = DEFAULT_TEST_START)]
    pub test_start_level: u64,
    /// Take the most likely action instead of sampling from the policy.
    #[arg(long)]
    pub greedy: bool,
    /// Seed of level draws and action sampling, in [0, 2^63).
    #[arg(long, default_value_t = 0, value_parser = parse_seed)]
    pub seed: u64,
    /// Each 64 x 64 frame is scaled up this many times, 1 to 8.
    #[arg(long, default_value_t = 4, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_SCALE as u64))]
    pub scale: usize,
    /// Frames per second, 1 to 50.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=MAX_FPS as i64))]
    pub fps: u32,
    /// Where the network runs: auto, cpu, cuda or cuda:N.
    #[arg(long, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
}

/// Which levels `ludica record` plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Split {
    /// Held-out levels, from --test-start-level on.
    Test,
    /// The run's training levels.
    Train,
}

/// Runs `ludica record`.
pub fn run(args: RecordArgs) -> anyhow::Result<()> {
    let (width, height) = video::frame_size(args.scale);
    // The file is checked (format, folder, ffmpeg) before the run is loaded or played.
    let mut writer = VideoWriter::create(&args.out, width, height, args.fps)?;
    let device = args.device.resolve()?;
    let (ckpt, agent) = checkpoint::load_latest(&args.run, device)?;
    if let Some(warning) = ckpt.warning() {
        eprintln!("warning: {warning}");
    }
    let spec = match args.levels {
        Split::Test => eval::held_out(&ckpt.levels, args.test_start_level)?,
        Split::Train => ckpt.levels,
    };
    let play = Play {
        game: &ckpt.game,
        obs: ckpt.obs,
        view: ckpt.config.view,
        levels: Levels::Spec(spec),
        time_limit: ckpt.time_limit(),
        num_envs: 1,
        seed: args.seed,
    };
    let played = eval::play_frames(&agent, &play, args.episodes, args.greedy, &mut |frame, caption| {
        writer.push(&video::captioned(&frame, args.scale, caption))
    })?;
    let frames = writer.frames();
    writer.finish()?;
    let split = match args.levels {
        Split::Test => "held-out",
        Split::Train => "training",
    };
    eprintln!("wrote {} {split} episodes ({frames} frames) to {}", played.len(), args.out.display());
    for (k, p) in played.iter().enumerate() {
        let outcome = if p.episode.success { "success" } else { "no success" };
        eprintln!(
            "  episode {}: level seed {}, return {:.2}, {} steps, {outcome}",
            k + 1,
            p.level_seed,
            p.episode.episode_return,
            p.episode.length
        );
    }
    Ok(())
}
