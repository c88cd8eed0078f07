//! Walkers: enemies that pace along their platform at their velocity, turning back at walls
//! and at ledges, without gravity (side-view games' patrolling enemies). The generators'
//! solvers count the whole platform as their sweep (`ludica_procgen::solver::ledge_sweep`).

use bevy_ecs::prelude::*;
use ludica_procgen::physics::{EDGE, floor_i32};

use crate::core::engine::components::Position;
use crate::core::engine::components::Movers;
use crate::core::engine::geometry::any_tile_under;
use crate::core::engine::table::EnvTable;
use crate::core::engine::state::StateRegistry;

/// Paces along its platform at its horizontal [`super::Velocity`]. Needs [`Position`] and
/// [`super::Body`].
#[derive(Component, Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Walker;

/// Moves every live walker by its horizontal velocity, reversing it instead when the move
/// would enter a solid tile or take its leading edge past its platform's end.
pub fn walk_platforms(mut walkers: Movers<With<Walker>>, table: Res<EnvTable>) {
    for (env, mut pos, mut vel, body, live) in &mut walkers {
        if live.is_some_and(|l| !l.0) {
            continue;
        }
        let level = &table.levels[env.0 as usize];
        let moved = Position { x: pos.x + vel.x, y: pos.y };
        let lead = if vel.x > 0.0 { moved.x + body.half_w - EDGE } else { moved.x - body.half_w };
        let floor = floor_i32(pos.y + body.half_h + EDGE);
        if any_tile_under(level, moved, *body, |t| t.is_solid()) || !level.tile(floor_i32(lead), floor).is_solid() {
            vel.x = -vel.x;
        } else {
            *pos = moved;
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Walker>();
}
