//! The engine: what every game runs on and no game rule lives in. A shard (one World of many
//! envs and its schedule), the per-env table, components, the `GameDef` contract and spawner,
//! the level distribution, box geometry, save/load, and observations (view, rgb rendering,
//! symbolic encoding). The engine imports no mechanic.

pub mod components;
pub mod game;
pub mod geometry;
pub mod level_distribution;
pub mod render;
pub mod shard;
pub mod spawner;
pub mod state;
pub mod symbolic;
pub mod table;
pub mod view;
