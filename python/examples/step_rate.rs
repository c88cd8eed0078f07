//! The Rust side of the Python speed comparison: env-steps per second of `VecEnv::step` for
//! one game, observation kind, env count and thread count, driven by pre-drawn random
//! actions exactly as `python/bench/step_rate.py` drives `LudicaVectorEnv.step`.
//!
//! `cargo run --release -p ludica-py --example step_rate -- maze rgb 64 2 5`
//! (game, obs, num_envs, threads, seconds); prints one JSON line.

use std::time::{Duration, Instant};

use ludica_envs::{AutoReset, LevelSpec, ObsKind, VecEnv, VecEnvConfig};
use ludica_procgen::Difficulty;
use ludica_procgen::seeds::{Stream, stream};
use rand::RngExt;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, default: &str| args.get(i).cloned().unwrap_or_else(|| default.to_string());
    let game = arg(0, "maze");
    let obs: ObsKind = arg(1, "rgb").parse()?;
    let num_envs: usize = arg(2, "64").parse()?;
    let threads: usize = arg(3, "2").parse()?;
    let seconds: f64 = arg(4, "5").parse()?;
    let levels = LevelSpec { num_levels: 200, difficulty: Difficulty::EASY, ..LevelSpec::default() };
    let config = VecEnvConfig {
        game: game.clone(),
        num_envs,
        num_threads: threads,
        num_shards: 0,
        obs,
        levels,
        view: Default::default(),
        autoreset: AutoReset::NextStep,
        seed: 0,
    };
    let mut env = VecEnv::new(config)?;
    let mut rng = stream(0, Stream::Behaviour);
    let n_actions = env.game().actions.len() as u8;
    let batches: Vec<Vec<u8>> =
        (0..64).map(|_| (0..num_envs).map(|_| rng.random_range(0..n_actions)).collect()).collect();
    let run = |env: &mut VecEnv, budget: Duration| -> Result<(u64, f64), Box<dyn std::error::Error>> {
        let start = Instant::now();
        let mut steps = 0u64;
        while start.elapsed() < budget {
            for batch in &batches {
                env.step(batch)?;
            }
            steps += batches.len() as u64;
        }
        Ok((steps, start.elapsed().as_secs_f64()))
    };
    run(&mut env, Duration::from_secs_f64(seconds / 5.0))?;
    let (steps, elapsed) = run(&mut env, Duration::from_secs_f64(seconds))?;
    let rate = (steps * num_envs as u64) as f64 / elapsed;
    println!(
        "{{\"side\":\"rust\",\"game\":\"{game}\",\"obs\":\"{obs}\",\"num_envs\":{num_envs},\"threads\":{threads},\"env_steps_per_s\":{rate:.0}}}"
    );
    Ok(())
}
