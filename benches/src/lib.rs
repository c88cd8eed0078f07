//! Shared set-up for ludica's criterion benches and memory checks: VecEnvs driven by seeded
//! random actions, and the process's resident memory.

use ludica_envs::{AutoReset, LevelSpec, ObsKind, VecEnv, VecEnvConfig};
use ludica_procgen::seeds::{Stream, stream};
use ludica_procgen::{Difficulty, Rng};
use rand::RngExt;

/// A VecEnv of `game` with `num_envs` envs on `threads` threads, unlimited easy levels.
pub fn vec_env(game: &str, num_envs: usize, threads: usize, obs: ObsKind) -> VecEnv {
    VecEnv::new(VecEnvConfig {
        game: game.into(),
        num_envs,
        num_threads: threads,
        num_shards: 0,
        obs,
        levels: LevelSpec { difficulty: Difficulty::EASY, ..LevelSpec::default() },
        view: ludica_envs::ViewMode::Full,
        autoreset: AutoReset::NextStep,
        seed: 0,
    })
    .expect("bench configs are valid")
}

/// Pre-drawn random actions, cycled through so drawing them costs nothing in the loop.
pub struct RandomActions {
    batches: Vec<Vec<u8>>,
    next: usize,
}

impl RandomActions {
    /// 64 batches of `num_envs` uniform actions among `n_actions`.
    pub fn new(num_envs: usize, n_actions: usize) -> RandomActions {
        let mut rng: Rng = stream(0xBE7C, Stream::Behaviour);
        let batches = (0..64).map(|_| (0..num_envs).map(|_| rng.random_range(0..n_actions as u8)).collect()).collect();
        RandomActions { batches, next: 0 }
    }

    /// The next batch.
    pub fn next_batch(&mut self) -> &[u8] {
        self.next = (self.next + 1) % self.batches.len();
        &self.batches[self.next]
    }
}

/// Resident memory of this process, in MiB (Linux: VmRSS of /proc/self/status).
pub fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux exposes /proc/self/status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS is listed in kB");
    kib / 1024.0
}
