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

// One module, `crew`, allows unsafe (one block, argued there); the rest may not.
#![deny(unsafe_code)]

pub mod calibration;
pub mod core;
mod crew;
pub mod curriculum;
pub mod games;
pub mod memory;
mod picture;
mod snapshot;
mod vec_env;

pub use core::engine::game::{BadObsKind, GameDef, MaxReturn, MaxSource, ObsKind};
pub use core::engine::level_distribution::{BadLevelRange, LevelPicker, LevelSpec, SEED_LIMIT};
pub use core::engine::spawner::Spawner;
pub use core::engine::state::EnvState;
pub use core::engine::step::{AutoReset, ShardOut, StepInfo};
pub use core::engine::view::{BadViewMode, ViewMode};
pub use memory::OutOfMemory;
pub use picture::{Picture, level_picture};
pub use snapshot::{SNAPSHOT_MAGIC, SNAPSHOT_VERSION, SnapshotError};
pub use vec_env::{MAX_ENVS, MAX_THREADS, MIN_SHARD_ENVS, SHARDS_PER_THREAD, VecEnv, VecEnvConfig, VecEnvError};
