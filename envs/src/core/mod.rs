//! The ECS core shared by every game: components, the per-env table, reusable systems, entity
//! pools, grid movement, the view, the rasterizer and the symbolic encoder, and the shard that steps many envs at once.

pub mod approach;
pub mod components;
pub mod flight;
pub mod gravity_tiles;
pub mod grid;
pub mod physics;
pub mod pickups;
pub mod pool;
pub mod render;
pub mod shard;
pub mod shooting;
pub(crate) mod sprites;
pub mod state;
pub mod steer;
pub mod symbolic;
pub mod systems;
pub mod table;
pub mod timers;
pub mod view;
pub mod walkers;

pub use components::{Body, EnvId, Kind, Live, Patrol, Player, Position, Status, Touch, Velocity};
pub use gravity_tiles::FallingTiles;
pub use grid::{Den, GridChaser};
pub use physics::Platformer;
pub use pickups::Pickup;
pub use pool::Projectile;
pub use shooting::{Aim, Facing, Gun};
pub use steer::Steered;
pub use table::{EnvTable, Outcome, PlayerView};
pub use timers::{Countdown, Emitter, Lifetime};
pub use walkers::Walker;
