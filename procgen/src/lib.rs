//! ludica-procgen: pure, seeded level generation. No ECS, no torch.
//!
//! A level is a pure function of `(game, seed, difficulty)`, returned as plain data that
//! prints, exports as JSON and loads back:
//!
//! ```
//! use ludica_procgen::{Difficulty, Level, maze};
//! let level = maze::generate(7, Difficulty::EASY);
//! assert!(maze::check(&level).is_ok());
//! let back = Level::from_json(&level.to_json()).unwrap();
//! assert_eq!(back, level);
//! print!("{}", level.to_ascii());
//! ```

#![forbid(unsafe_code)]

pub mod bigfish;
pub mod carve;
pub mod chaser;
pub mod checks;
pub mod climber;
mod difficulty;
pub mod dodgeball;
pub mod gravity;
pub mod heist;
mod level;
pub mod maze;
pub mod miner;
pub mod physics;
pub mod runner;
pub mod search;
pub mod seeds;
pub mod solver;
pub mod starpilot;
#[cfg(test)]
mod testing;

pub use difficulty::{BadDifficulty, Difficulty, PRESETS};
pub use level::{Level, LevelError, MAX_SIDE, Spawn, SpawnKind, Tile};
pub use seeds::{Rng, Stream};
