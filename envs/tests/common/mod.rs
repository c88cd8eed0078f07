//! Helpers shared by the games' behaviour tests: one env playing a hand-built level.

use ludica_envs::{AutoReset, LevelSpec, ObsKind, VecEnv, VecEnvConfig};
use ludica_procgen::{Difficulty, Level};

/// A one-env VecEnv of `level`'s game, showing `obs`, reset to `level` (which must pass the
/// game's check).
pub fn playing(level: Level, obs: ObsKind) -> VecEnv {
    let mut env = VecEnv::new(VecEnvConfig {
        game: level.game.clone(),
        num_envs: 1,
        num_threads: 1,
        obs,
        levels: LevelSpec { difficulty: Difficulty::EASY, ..LevelSpec::default() },
        autoreset: AutoReset::NextStep,
        seed: 1,
    })
    .expect("the level names a registered game");
    env.reset_env_to_level(0, level).expect("the level passes its game's check");
    env
}
