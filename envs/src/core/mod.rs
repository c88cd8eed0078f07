//! The ECS core shared by every game: components, the per-env table, reusable systems, entity
//! pools, the view, the rasterizer and the symbolic encoder, and the shard that steps many envs at once.

pub mod components;
pub mod flight;
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

pub use components::{Body, EnvId, Kind, Live, Patrol, Player, Position, Touch, Velocity};
pub use physics::Platformer;
pub use pool::Projectile;
pub use steer::Steered;
pub use table::{EnvTable, Outcome, PlayerView};
