//! Helpers shared by the games' behaviour tests: one env playing a hand-built level, and
//! playing a list of actions in it.
#![allow(dead_code, reason = "each test crate that includes this module uses some of its helpers")]

use ludica_envs::{AutoReset, LevelSpec, ObsKind, VecEnv, VecEnvConfig};
use ludica_procgen::{Difficulty, Level};

/// A one-env VecEnv of `game` on generated levels at `difficulty`, showing `obs`.
pub fn one_env(game: &str, difficulty: Difficulty, obs: ObsKind) -> VecEnv {
    VecEnv::new(VecEnvConfig {
        game: game.into(),
        num_envs: 1,
        num_threads: 1,
        num_shards: 0,
        obs,
        levels: LevelSpec { difficulty, ..LevelSpec::default() },
        view: ludica_envs::ViewMode::Full,
        autoreset: AutoReset::NextStep,
        seed: 1,
    })
    .expect("a registered game")
}

/// A one-env VecEnv of `level`'s game, showing `obs`, reset to `level` (which must pass the
/// game's check).
pub fn playing(level: Level, obs: ObsKind) -> VecEnv {
    let mut env = one_env(&level.game, Difficulty::EASY, obs);
    env.reset_env_to_level(0, level).expect("the level passes its game's check");
    env
}

/// Plays `actions` in env 0 from its current state; returns (steps played, success) once
/// the episode ends, or None if it is still running.
pub fn play(env: &mut VecEnv, actions: &[u8]) -> Option<(usize, bool)> {
    for (i, &a) in actions.iter().enumerate() {
        env.step(&[a]).unwrap();
        if env.terminated()[0] || env.truncated()[0] {
            return Some((i + 1, env.infos()[0].episode_success));
        }
    }
    None
}
