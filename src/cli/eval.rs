//! `ludica eval`: a run's checkpoint on its training levels and on held-out levels, printed as
//! a table (or JSON), and optionally frames of a few held-out episodes as a PNG.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use clap::builder::RangedU64ValueParser;
use ludica_agents::DeviceChoice;
use ludica_agents::checkpoint;
use ludica_agents::config::MAX_NUM_ENVS;
use ludica_agents::eval::{
    self, DEFAULT_TEST_START, EvalOptions, Levels, MAX_EPISODES, MAX_RENDER_EPISODES, Play, TestLevels,
};

use super::parse_seed;
use ludica_envs::{LevelSpec, ViewMode};

/// Options of `ludica eval`.
#[derive(Args, Debug)]
pub struct EvalArgs {
    /// The run directory (from `ludica train --out`).
    #[arg(long, value_name = "DIR")]
    pub run: PathBuf,
    /// Episodes per split (train levels, held-out levels), 1 to 1000000.
    #[arg(long, default_value_t = 500, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_EPISODES as u64))]
    pub episodes: usize,
    /// Held-out levels from a file written by `ludica levels` (JSON lines or a JSON array),
    /// instead of the seed range from --test-start-level.
    #[arg(long, value_name = "FILE")]
    pub levels: Option<PathBuf>,
    /// First seed of the held-out levels (unlimited from there; must lie above the training range).
    #[arg(long, default_value_t = DEFAULT_TEST_START)]
    pub test_start_level: u64,
    /// Envs stepped together, 1 to 4096.
    #[arg(long, default_value_t = 64, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_NUM_ENVS as u64))]
    pub num_envs: usize,
    /// Take the most likely action instead of sampling from the policy.
    #[arg(long)]
    pub greedy: bool,
    /// Seed of level draws and action sampling, in [0, 2^63).
    #[arg(long, default_value_t = 0, value_parser = parse_seed)]
    pub seed: u64,
    /// Where the network runs: auto, cpu, cuda or cuda:N.
    #[arg(long, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Skip the uniformly random policy's rows.
    #[arg(long)]
    pub no_baseline: bool,
    /// View to play with: full or local [default: the run's own].
    #[arg(long)]
    pub view: Option<ViewMode>,
    /// Write the report as JSON to FILE, or to stdout with no FILE (instead of the table).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    pub json: Option<PathBuf>,
    /// Save frames of this many held-out episodes (one row each, 1 to 100) to --out.
    #[arg(long, value_name = "N", requires = "out", value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_RENDER_EPISODES as u64))]
    pub render: Option<usize>,
    /// PNG file for --render.
    #[arg(long, value_name = "FILE.png", requires = "render")]
    pub out: Option<PathBuf>,
}

/// Runs `ludica eval`.
pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.out
        && out.extension().and_then(|e| e.to_str()) != Some("png")
    {
        bail!("--out {} must name a .png file", out.display());
    }
    let device = args.device.resolve()?;
    if let Some(warning) = checkpoint::load(&args.run)?.warning() {
        eprintln!("warning: {warning}");
    }
    let test = match &args.levels {
        Some(file) => TestLevels::Levels(eval::read_levels_file(file)?),
        None => TestLevels::From(args.test_start_level),
    };
    let opts = EvalOptions {
        episodes: args.episodes,
        test: test.clone(),
        num_envs: args.num_envs,
        greedy: args.greedy,
        seed: args.seed,
        random_baseline: !args.no_baseline,
        device,
        view: args.view,
    };
    let report = eval::evaluate(&args.run, &opts)?;
    match &args.json {
        Some(path) if path.as_os_str() == "-" => println!("{}", serde_json::to_string_pretty(&report)?),
        Some(path) => {
            let json = serde_json::to_vec_pretty(&report)?;
            super::output::write_file(path, &json)?;
            print!("{}", report.table());
        }
        None => print!("{}", report.table()),
    }

    if let (Some(count), Some(out)) = (args.render, &args.out) {
        let (ckpt, agent) = checkpoint::load_latest(&args.run, device)?;
        let spec = LevelSpec { num_levels: 0, start_level: args.test_start_level, ..ckpt.levels };
        let levels = match &test {
            TestLevels::Levels(list) => Levels::List(list, ckpt.levels),
            TestLevels::From(_) => Levels::Spec(spec),
        };
        let play = Play {
            game: &ckpt.game,
            obs: ckpt.obs,
            view: args.view.unwrap_or(ckpt.config.view),
            levels,
            time_limit: ckpt.time_limit(),
            num_envs: 1,
            seed: args.seed,
        };
        let picture = eval::episode_frames(&agent, &play, count, 10, 3).context("rendering episodes")?;
        ludica_agents::plot::write_png(out, &picture)?;
        eprintln!("wrote {} held-out episodes to {}", count, out.display());
    }
    Ok(())
}
