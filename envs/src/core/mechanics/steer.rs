//! Top-down movement with momentum, for games seen from above (swimming, flying, dodging):
//! the action picks a direction, velocity eases toward it and coasts to a stop without input,
//! and bodies slide along solid tiles and the level's edges instead of passing them.

use bevy_ecs::prelude::*;

use crate::core::engine::components::{EnvId, Player, Position, Velocity};
use crate::core::engine::components::Movers;
use crate::core::engine::geometry::any_tile_under;
use crate::core::engine::table::EnvTable;
use crate::core::engine::state::StateRegistry;

/// Action names of an eight-way steering game, in id order.
pub const STEER_ACTIONS: [&str; 9] =
    ["noop", "left", "right", "up", "down", "up_left", "up_right", "down_left", "down_right"];

/// The steering direction of each action of [`STEER_ACTIONS`].
pub const STEER_DIRECTIONS: [(i8, i8); 9] =
    [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)];

/// [`STEER_ACTIONS`] and a last action, `fire`, for games that shoot or throw.
pub const STEER_FIRE_ACTIONS: [&str; 10] =
    ["noop", "left", "right", "up", "down", "up_left", "up_right", "down_left", "down_right", "fire"];

/// The steering of each action of [`STEER_FIRE_ACTIONS`] (firing coasts).
pub const STEER_FIRE_DIRECTIONS: [(i8, i8); 10] =
    [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1), (0, 0)];

/// The fire action of [`STEER_FIRE_ACTIONS`].
pub const STEER_FIRE: [u8; 1] = [9];

/// How a steered body accelerates. Needs [`Position`], [`Velocity`] and [`Body`].
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Steered {
    /// Speed gained per step toward the chosen direction, in tiles/step².
    pub accel: f32,
    /// Speed limit, in tiles/step.
    pub max_speed: f32,
    /// Share of the velocity kept each step without input (0 stops at once, 1 coasts forever).
    pub drag: f32,
}

/// Each player's velocity and steering, by env.
type SteeredPlayers<'w, 's> = Query<'w, 's, (&'static EnvId, &'static mut Velocity, &'static Steered), With<Player>>;

/// Each player's direction this step from its env's action: `directions[action]` is a unit
/// step (-1, 0 or 1 on each axis); (0, 0) coasts. Actions are checked against the game's
/// action count before a step, and `directions` must have one entry per action.
pub fn steer_players(directions: &'static [(i8, i8)]) -> impl FnMut(SteeredPlayers<'_, '_>, Res<'_, EnvTable>) {
    move |mut players, table| {
        for (env, mut vel, steered) in &mut players {
            let (dx, dy) = directions.get(table.actions[env.0 as usize] as usize).copied().unwrap_or((0, 0));
            *vel = accelerate(*vel, steered, (dx as f32, dy as f32));
        }
    }
}

/// The velocity after one step of steering toward `dir` (each axis -1, 0 or 1).
pub fn accelerate(vel: Velocity, steered: &Steered, dir: (f32, f32)) -> Velocity {
    let axis = |v: f32, d: f32| {
        if d == 0.0 { v * steered.drag } else { (v + d * steered.accel).clamp(-steered.max_speed, steered.max_speed) }
    };
    Velocity { x: axis(vel.x, dir.0), y: axis(vel.y, dir.1) }
}

/// Moves every live steered body by its velocity, one axis at a time; an axis whose move
/// would overlap a solid tile or leave the level stops (its velocity drops to zero).
pub fn move_steered(mut bodies: Movers<With<Steered>>, table: Res<EnvTable>) {
    for (env, mut pos, mut vel, body, live) in &mut bodies {
        if live.is_some_and(|l| !l.0) {
            continue;
        }
        let level = &table.levels[env.0 as usize];
        let (w, h) = (level.width as f32, level.height as f32);
        let fits = |p: Position| {
            p.x - body.half_w >= 0.0
                && p.y - body.half_h >= 0.0
                && p.x + body.half_w <= w
                && p.y + body.half_h <= h
                && !any_tile_under(level, p, *body, |t| t.is_solid())
        };
        let moved_x = Position { x: pos.x + vel.x, y: pos.y };
        if fits(moved_x) {
            pos.x = moved_x.x
        } else {
            vel.x = 0.0
        }
        let moved_y = Position { x: pos.x, y: pos.y + vel.y };
        if fits(moved_y) { pos.y = moved_y.y } else { vel.y = 0.0 }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Steered>();
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEER: Steered = Steered { accel: 0.1, max_speed: 0.25, drag: 0.5 };

    #[test]
    fn the_fire_table_is_the_steering_table_plus_fire() {
        assert_eq!(STEER_FIRE_ACTIONS[..9], STEER_ACTIONS);
        assert_eq!(STEER_FIRE_DIRECTIONS[..9], STEER_DIRECTIONS);
        assert_eq!((STEER_FIRE_ACTIONS[STEER_FIRE[0] as usize], STEER_FIRE_DIRECTIONS[9]), ("fire", (0, 0)));
    }

    #[test]
    fn steering_accelerates_to_the_limit_and_coasts_down() {
        let mut v = Velocity::default();
        for _ in 0..5 {
            v = accelerate(v, &STEER, (1.0, -1.0));
        }
        assert_eq!((v.x, v.y), (0.25, -0.25));
        v = accelerate(v, &STEER, (0.0, 0.0));
        assert_eq!((v.x, v.y), (0.125, -0.125));
    }
}
