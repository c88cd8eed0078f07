//! The ECS core shared by every game: components, the per-env table, reusable systems, entity
//! pools, grid movement, the view, the rasterizer and the symbolic encoder, and the shard that steps many envs at once.

pub mod approach;
pub mod combat;
pub mod components;
pub mod flight;
pub mod grid;
pub mod physics;
pub mod pool;
pub mod render;
pub mod shard;
pub mod spawning;
pub mod state;
pub mod steer;
pub mod symbolic;
pub mod systems;
pub mod table;
pub mod view;

pub use components::{Body, EnvId, Kind, Live, Patrol, Player, Position, StartStatus, Touch, Velocity};
pub use grid::{Den, GridChaser};
pub use physics::Platformer;
pub use pool::Projectile;
pub use steer::Steered;
pub use table::{EnvTable, Outcome, PlayerView};
