//! ludica-envs: the ECS core (bevy_ecs shards holding many envs), the `VecEnv`, observations
//! and the games. Knows nothing of tch or pyo3.
//!
//! ```
//! use ludica_envs::{VecEnv, VecEnvConfig, ObsKind};
//! let mut env = VecEnv::new(VecEnvConfig { game: "maze".into(), num_envs: 8, obs: ObsKind::Symbolic, ..Default::default() }).unwrap();
//! env.step(&[2; 8]).unwrap();
//! assert_eq!(env.obs().len(), 8 * env.obs_len());
//! assert!(env.reward().iter().all(|r| *r >= 0.0));
//! ```

#![forbid(unsafe_code)]

pub mod core;
mod game;
pub mod games;
pub mod levels;
mod picture;
mod vec_env;

pub use core::step::{AutoReset, ShardOut, StepInfo};
pub use core::state::EnvState;
pub use game::{BadObsKind, GameDef, ObsKind, Spawner};
pub use levels::{LevelPicker, LevelSpec, SEED_LIMIT};
pub use picture::{Picture, level_picture};
pub use vec_env::{MAX_ENVS, MIN_SHARD_ENVS, SHARDS_PER_THREAD, VecEnv, VecEnvConfig, VecEnvError};
