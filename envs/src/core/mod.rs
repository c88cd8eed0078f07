//! The core every game is built on, in two layers: the `engine` (shards, tables, components,
//! observations, save/load) and, above it, the `mechanics` (reusable rules games compose).
//! The engine never imports a mechanic; games import both.

pub mod engine;
pub mod mechanics;

pub use engine::components::{Body, EnvId, Kind, Live, Player, Position, Status, Velocity};
pub use engine::table::{EnvTable, Outcome, PlayerView};
pub use mechanics::entity_pool::Projectile;
pub use mechanics::gravity_tiles::FallingTiles;
pub use mechanics::grid::{Den, GridChaser};
pub use mechanics::physics::Platformer;
pub use mechanics::pickups::Pickup;
pub use mechanics::rules::{Patrol, Touch};
pub use mechanics::shooting::{Aim, Facing, Gun};
pub use mechanics::steer::Steered;
pub use mechanics::timers::{Countdown, Emitter, Lifetime};
pub use mechanics::walkers::Walker;

/// The component types a snapshot of `game`'s envs carries: the engine's, every mechanic's
/// and the game's own.
pub fn saved_components(game: &engine::game::GameDef) -> engine::state::StateRegistry {
    let mut registry = engine::state::StateRegistry::default();
    mechanics::register_saved(&mut registry);
    (game.saved_components)(&mut registry);
    registry
}
