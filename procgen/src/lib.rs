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

pub mod climber;
mod difficulty;
pub mod gravity;
mod level;
pub mod maze;
pub mod miner;
pub mod physics;
pub mod runner;
pub mod search;
pub mod seeds;
pub mod solver;

pub use difficulty::{BadDifficulty, Difficulty, PRESETS};
pub use level::{Level, LevelError, MAX_SIDE, Spawn, SpawnKind, Tile};
pub use seeds::{Rng, Stream};

/// Checks every generator shares.
#[cfg(test)]
mod generator_tests {
    use crate::{Difficulty, Level};

    /// A generator repeats itself for a seed and differs between seeds.
    pub fn assert_seeded(generate: fn(u64, Difficulty) -> Level, d: Difficulty) {
        assert_eq!(generate(3, d), generate(3, d));
        assert_ne!(generate(3, d).to_ascii(), generate(4, d).to_ascii());
    }
}
