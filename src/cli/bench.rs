//! `ludica bench`: env steps per second of a VecEnv driven by seeded random actions, per
//! game, with repeats and their median, as text or one JSON record per game.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::builder::RangedU64ValueParser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ludica_agents::config::parse_count;
use ludica_envs::games::GAMES;
use ludica_envs::{AutoReset, GameDef, LevelSpec, MAX_ENVS, ObsKind, VecEnv, VecEnvConfig, ViewMode};
use ludica_procgen::seeds::mix;
use ludica_procgen::{Difficulty, Rng};
use rand::RngExt;
use serde_json::json;

use super::output::emit;
use super::{parse_game, parse_seed};

/// A step count of at least 1, with K/M/G suffixes as `ludica train --steps` takes them.
fn positive_count(s: &str) -> Result<u64, String> {
    match parse_count(s)? {
        0 => Err(format!("'{s}' is not allowed: bench at least 1 step")),
        n => Ok(n),
    }
}

/// Runs at least this long (in env steps) get a progress bar when stderr is a terminal.
const LONG_RUN_STEPS: u64 = 500_000;
/// Bytes of pre-drawn random actions, cycled through during a run (kept out of the timing).
const ACTION_BYTES: usize = 1 << 22;
/// Stream id of the actions' PCG (apart from the level streams the seed also feeds).
const ACTION_STREAM: u64 = 0xbe4c;

/// Options of `ludica bench`.
#[derive(clap::Args)]
pub struct Args {
    /// Game to step, or `all` for every game in turn.
    #[arg(long, default_value = "maze", value_parser = parse_game_or_all)]
    game: GameChoice,
    /// Envs stepped together.
    #[arg(long, default_value_t = 256, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_ENVS as u64))]
    num_envs: usize,
    /// Worker threads (the main thread included).
    #[arg(long, default_value_t = 1, value_parser = RangedU64ValueParser::<usize>::new().range(1..=1024))]
    threads: usize,
    /// Observation kind: rgb or symbolic.
    #[arg(long, default_value = "rgb")]
    obs: ObsKind,
    /// View: full, or local (a window centred on the agent).
    #[arg(long, default_value_t = ViewMode::Full)]
    view: ViewMode,
    /// Env steps per run, in total over all envs (rounded up to whole batches of --num-envs),
    /// with K/M/G suffixes.
    #[arg(long, default_value = "1M", value_parser = positive_count)]
    steps: u64,
    /// Difficulty of the levels: easy, medium, hard or a number in [0, 1].
    #[arg(long, default_value = "easy", allow_negative_numbers = true)]
    difficulty: Difficulty,
    /// Seed of the level streams and of the random actions.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Runs per game; each is printed, then their median.
    #[arg(long, default_value_t = 1, value_parser = RangedU64ValueParser::<usize>::new().range(1..=100))]
    repeats: usize,
    /// Print one JSON record per game instead of text [default: text].
    #[arg(long)]
    json: bool,
}

/// The games `--game` selects.
#[derive(Clone, Copy)]
enum GameChoice {
    All,
    One(&'static GameDef),
}

fn parse_game_or_all(name: &str) -> Result<GameChoice, String> {
    match name {
        "all" => Ok(GameChoice::All),
        _ => parse_game(name).map(GameChoice::One).map_err(|e| format!("{e}, or all")),
    }
}

/// One game's measurements.
struct Record {
    game: &'static str,
    steps: u64,
    seconds: Vec<f64>,
}

impl Record {
    fn median_steps_per_sec(&self) -> f64 {
        let mut rates: Vec<f64> = self.seconds.iter().map(|s| self.steps as f64 / s).collect();
        rates.sort_by(f64::total_cmp);
        let mid = rates.len() / 2;
        if rates.len() % 2 == 1 { rates[mid] } else { (rates[mid - 1] + rates[mid]) / 2.0 }
    }
}

/// Benchmarks the chosen games in turn and prints each run and the median.
pub fn run(args: Args) -> anyhow::Result<()> {
    let games = match args.game {
        GameChoice::All => GAMES.to_vec(),
        GameChoice::One(game) => vec![game],
    };
    for game in games {
        let record = bench_game(game, &args)?;
        let line = if args.json { json_record(&record, &args) } else { summary(&record, &args) };
        emit(None, |out| writeln!(out, "{line}"))?;
    }
    Ok(())
}

fn bench_game(game: &'static GameDef, args: &Args) -> anyhow::Result<Record> {
    let config = VecEnvConfig {
        game: game.name.into(),
        num_envs: args.num_envs,
        num_threads: args.threads,
        num_shards: 0,
        obs: args.obs,
        levels: LevelSpec { difficulty: args.difficulty, ..LevelSpec::default() },
        view: args.view,
        autoreset: AutoReset::NextStep,
        seed: args.seed,
    };
    let mut env = VecEnv::new(config)?;
    let n = args.num_envs;
    let actions = random_actions(args.seed, n, game.actions.len());
    let batches = args.steps.div_ceil(n as u64);
    let steps = batches * n as u64;
    let mut record = Record { game: game.name, steps, seconds: Vec::with_capacity(args.repeats) };
    for repeat in 1..=args.repeats {
        env.reset(Some(args.seed))?;
        let bar = progress_bar(steps, format!("{} {repeat}/{}", game.name, args.repeats));
        let start = Instant::now();
        for (b, batch) in (0..batches).zip(actions.chunks_exact(n).cycle()) {
            env.step(batch)?;
            if b % 64 == 63 {
                bar.set_position((b + 1) * n as u64);
            }
        }
        let seconds = start.elapsed().max(Duration::from_nanos(1)).as_secs_f64();
        bar.finish_and_clear();
        if !args.json {
            let rate = steps as f64 / seconds;
            let line = format!(
                "{}: {} steps in {seconds:.3} s = {} steps/s",
                label(game, args, repeat),
                thousands(steps),
                thousands(rate as u64)
            );
            emit(None, |out| writeln!(out, "{line}"))?;
        }
        record.seconds.push(seconds);
    }
    Ok(record)
}

/// Whole batches of random valid actions, from a PCG seeded with `seed`: at least one batch,
/// at most about [`ACTION_BYTES`].
fn random_actions(seed: u64, num_envs: usize, num_actions: usize) -> Vec<u8> {
    let batches = (ACTION_BYTES / num_envs).clamp(1, 64);
    let mut rng = Rng::new(mix(seed), mix(ACTION_STREAM));
    (0..batches * num_envs).map(|_| rng.random_range(0..num_actions) as u8).collect()
}

/// A bar on stderr for long runs when stderr is a terminal; hidden otherwise.
fn progress_bar(steps: u64, prefix: String) -> ProgressBar {
    if steps < LONG_RUN_STEPS || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{prefix} [{wide_bar}] {human_pos}/{human_len} steps, eta {eta}")
        .expect("the template is valid")
        .progress_chars("=> ");
    ProgressBar::with_draw_target(Some(steps), ProgressDrawTarget::stderr()).with_style(style).with_prefix(prefix)
}

fn label(game: &GameDef, args: &Args, repeat: usize) -> String {
    format!(
        "{} obs={} view={} num_envs={} threads={} run {repeat}/{}",
        game.name, args.obs, args.view, args.num_envs, args.threads, args.repeats
    )
}

fn summary(record: &Record, args: &Args) -> String {
    format!(
        "{} median: {} steps/s over {} run(s)",
        record.game,
        thousands(record.median_steps_per_sec() as u64),
        args.repeats
    )
}

fn json_record(record: &Record, args: &Args) -> String {
    json!({
        "game": record.game,
        "obs": args.obs,
        "view": args.view,
        "num_envs": args.num_envs,
        "threads": args.threads,
        "difficulty": args.difficulty.value(),
        "seed": args.seed,
        "steps": record.steps,
        "seconds": record.seconds,
        "steps_per_sec": record.median_steps_per_sec(),
    })
    .to_string()
}

/// `n` with commas between thousands: 1,234,567.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(12_345_678), "12,345,678");
    }

    #[test]
    fn median_of_odd_and_even_runs() {
        let record = |seconds: Vec<f64>| Record { game: "maze", steps: 100, seconds };
        assert_eq!(record(vec![1.0, 4.0, 2.0]).median_steps_per_sec(), 50.0);
        assert_eq!(record(vec![1.0, 4.0]).median_steps_per_sec(), 62.5);
    }

    #[test]
    fn random_actions_repeat_with_the_seed_and_stay_valid() {
        let a = random_actions(3, 10, 5);
        assert_eq!(a, random_actions(3, 10, 5));
        assert_ne!(a, random_actions(4, 10, 5));
        assert_eq!(a.len() % 10, 0);
        assert!(a.iter().all(|&x| x < 5) && (0..5).all(|x| a.contains(&x)));
    }
}
