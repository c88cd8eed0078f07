//! Flight under a constant scroll, for side-scrolling shooters and cave flyers: the player's
//! craft steers (with [`super::steer`]'s momentum) relative to a forward speed it always keeps,
//! is held inside the level's edges, and crashes on solid tiles.

use bevy_ecs::prelude::*;
use ludica_procgen::Tile;

use crate::core::engine::components::{Body, EnvId, Player, Position, Velocity};
use super::steer::{Steered, accelerate};
use crate::core::engine::geometry::any_tile_under;
use crate::core::engine::table::{EnvTable, Outcome};
use crate::core::engine::state::StateRegistry;

/// The forward speed a steered craft keeps, in tiles per step along x: its velocity is this
/// plus its own steering (limited by its [`Steered`]).
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scroll(pub f32);

/// Each scrolling player's velocity, steering and scroll, by env.
type ScrollingPlayers<'w, 's> =
    Query<'w, 's, (&'static EnvId, &'static mut Velocity, &'static Steered, &'static Scroll), With<Player>>;

/// A system steering each scrolling player by its env's action, `directions[action]` (as
/// [`super::steer::steer_players`]), relative to its scroll: with no input it eases back to
/// the scroll speed.
pub fn steer_scrolling_players(
    directions: &'static [(i8, i8)],
) -> impl FnMut(ScrollingPlayers<'_, '_>, Res<'_, EnvTable>) {
    move |mut players, table| {
        for (env, mut vel, steered, scroll) in &mut players {
            let (dx, dy) = directions.get(table.actions[env.0 as usize] as usize).copied().unwrap_or((0, 0));
            *vel = steer_over_scroll(*vel, steered, scroll.0, (dx as f32, dy as f32));
        }
    }
}

/// The velocity after one step of steering toward `dir` on top of a forward `scroll`.
pub fn steer_over_scroll(vel: Velocity, steered: &Steered, scroll: f32, dir: (f32, f32)) -> Velocity {
    let own = accelerate(Velocity { x: vel.x - scroll, y: vel.y }, steered, dir);
    Velocity { x: own.x + scroll, y: own.y }
}

/// Moves every scrolling body by its velocity, held inside the level: an axis that would
/// leave it stops at the edge (its steering along that axis drops).
pub fn fly_scrolling(mut bodies: Query<(&EnvId, &mut Position, &mut Velocity, &Body, &Scroll)>, table: Res<EnvTable>) {
    for (env, mut pos, mut vel, body, scroll) in &mut bodies {
        let level = &table.levels[env.0 as usize];
        let (w, h) = (level.width as f32, level.height as f32);
        let x = pos.x + vel.x;
        pos.x = x.clamp(body.half_w, (w - body.half_w).max(body.half_w));
        if pos.x != x {
            vel.x = scroll.0;
        }
        let y = pos.y + vel.y;
        pos.y = y.clamp(body.half_h, (h - body.half_h).max(body.half_h));
        if pos.y != y {
            vel.y = 0.0;
        }
    }
}

/// Ends with failure the episodes whose player overlaps a solid tile.
pub fn crash_into_walls(mut table: ResMut<EnvTable>) {
    for e in 0..table.players.len() {
        let p = table.players[e];
        if any_tile_under(&table.levels[e], p.pos, p.body, Tile::is_solid) {
            table.settle(e, Outcome::Failure);
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Scroll>();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steering_relative_to_the_scroll_keeps_moving_forward() {
        let steer = Steered { accel: 0.05, max_speed: 0.1, drag: 0.5 };
        let scroll = 0.25;
        let mut vel = Velocity { x: scroll, y: 0.0 };
        for _ in 0..10 {
            vel = steer_over_scroll(vel, &steer, scroll, (-1.0, 1.0));
        }
        assert!((vel.x - 0.15).abs() < 1e-6 && (vel.y - 0.1).abs() < 1e-6, "{vel:?}");
        for _ in 0..10 {
            vel = steer_over_scroll(vel, &steer, scroll, (0.0, 0.0));
        }
        assert!((vel.x - scroll).abs() < 1e-3 && vel.y.abs() < 1e-3, "eases back to the scroll: {vel:?}");
    }
}
