//! ludica: procedurally generated game environments for reinforcement learning.
//!
//! This crate is the `ludica` command-line tool plus one place to import the library from:
//! [`procgen`] makes levels (pure, seeded, plain data) and [`envs`] steps many envs of a game
//! at once, writing observations into buffers the caller reads.
//!
//! ```
//! use ludica::{Difficulty, ObsKind, VecEnv, VecEnvConfig, games};
//!
//! // A level is a pure function of (game, seed, difficulty) and prints as text.
//! let maze = games::find("maze").unwrap();
//! let level = maze.level(7, Difficulty::EASY);
//! assert!(maze.accept(&level).is_ok());
//! print!("{}", level.to_ascii());
//!
//! // Eight envs stepped together; observations land in one contiguous buffer.
//! let config = VecEnvConfig { game: "maze".into(), num_envs: 8, obs: ObsKind::Symbolic, ..Default::default() };
//! let mut env = VecEnv::new(config).unwrap();
//! env.step(&[1; 8]).unwrap();
//! assert_eq!(env.obs().len(), 8 * env.obs_len());
//! ```
//!
//! The command line (`ludica --help`) lists the games, exports and draws levels, benchmarks
//! stepping and lets a person play a level in the terminal.

#![forbid(unsafe_code)]

pub use ludica_envs as envs;
pub use ludica_procgen as procgen;

pub use ludica_envs::games;
pub use ludica_envs::{
    AutoReset, GameDef, LevelSpec, ObsKind, Picture, StepInfo, VecEnv, VecEnvConfig, VecEnvError, level_picture,
};
pub use ludica_procgen::{Difficulty, Level};
