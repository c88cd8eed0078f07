//! The engine: what every game runs on and no game rule lives in. A shard (one World of many
//! envs and its schedule), the per-env table, components, the `GameDef` contract and spawner,
//! the level distribution, box geometry, save/load, the step's vocabulary and output slices,
//! and observations (view, rgb rendering, symbolic encoding). The engine imports no mechanic.

pub mod components;
pub mod game;
pub mod geometry;
pub mod level_distribution;
mod outline;
pub mod render;
pub mod shard;
pub mod spawner;
pub(crate) mod sprites;
pub mod state;
pub mod step;
pub mod symbolic;
pub mod table;
pub mod view;
pub mod window;
