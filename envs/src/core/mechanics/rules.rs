//! Rules every game can reuse: touches between the player and other live entities (goals and
//! hazards), exits that open once no foe is left, deadly tiles, and patrolling movers. Each is
//! order-independent across entities, so its result does not depend on query iteration order.

use bevy_ecs::prelude::*;
use ludica_procgen::{SpawnKind, Tile};

use super::entity_pool::{EntityPool, count_live, revive};
use crate::core::engine::components::{Body, EnvId, Live, Movers, Player, Position, Velocity};
use crate::core::engine::geometry::{any_tile_under, overlaps};
use crate::core::engine::state::StateRegistry;
use crate::core::engine::table::{EnvTable, Outcome};

/// What happens to the player when its body overlaps this entity's.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Touch {
    /// The episode ends with success.
    Goal,
    /// The episode ends with failure.
    Hazard,
}

/// Moves by its [`Velocity`] and reverses it on meeting a solid tile.
#[derive(Component, Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Patrol;

/// Registers the rules' components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Touch>();
    registry.add::<Patrol>();
}

/// Entities the player can touch, and whether they are in play.
type Touchables<'w, 's> = Query<
    'w,
    's,
    (&'static EnvId, &'static Position, &'static Body, &'static Touch, Option<&'static Live>),
    Without<Player>,
>;

/// Ends episodes whose player overlaps a [`Touch`] entity: goals succeed, hazards fail.
pub fn resolve_touches(touchables: Touchables, mut table: ResMut<EnvTable>) {
    for (env, pos, body, touch, live) in &touchables {
        if live.is_some_and(|l| !l.0) {
            continue;
        }
        let e = env.0 as usize;
        let player = table.players[e];
        if overlaps(player.pos, player.body, *pos, *body) {
            let outcome = match touch {
                Touch::Goal => Outcome::Success,
                Touch::Hazard => Outcome::Failure,
            };
            table.settle(e, outcome);
        }
    }
}

/// Once no live `foe` is left in an env, each live [`SpawnKind::Exit`] there closes and a
/// pooled [`SpawnKind::Goal`] (spawned with [`Touch::Goal`]) comes to life in its place.
pub fn open_exits_when_cleared(foe: SpawnKind) -> impl FnMut(EntityPool<'_, '_>, Res<'_, EnvTable>) {
    move |mut pool, table| {
        for entities in &table.entities {
            if count_live(entities, &pool, foe) == 0 {
                open_exits(entities, &mut pool);
            }
        }
    }
}

/// Opens the exits among `entities` (one env's): each live `Exit` leaves play and a dead
/// pooled `Goal` (with [`Touch::Goal`]) enters it in its place. Open exits stay open.
pub fn open_exits(entities: &[Entity], pool: &mut EntityPool) {
    for &entity in entities {
        let Ok((kind, mut live, pos, _)) = pool.get_mut(entity) else { continue };
        if kind.kind == SpawnKind::Exit && live.0 {
            live.0 = false;
            let at = *pos;
            revive(entities, pool, SpawnKind::Goal, 0, at, Velocity::default());
        }
    }
}

/// Ends with failure the episodes whose player overlaps a lava tile.
pub fn burn_in_lava(mut table: ResMut<EnvTable>) {
    for e in 0..table.players.len() {
        let p = table.players[e];
        if any_tile_under(&table.levels[e], p.pos, p.body, |t| t == Tile::Lava) {
            table.settle(e, Outcome::Failure);
        }
    }
}

/// Moves patrolling entities by their velocity, one axis at a time, reversing an axis whose
/// move would enter a solid tile.
pub fn move_patrols(mut movers: Movers<With<Patrol>>, table: Res<EnvTable>) {
    for (env, mut pos, mut vel, body, live) in &mut movers {
        if live.is_some_and(|l| !l.0) {
            continue;
        }
        let level = &table.levels[env.0 as usize];
        let moved_x = Position { x: pos.x + vel.x, y: pos.y };
        if any_tile_under(level, moved_x, *body, Tile::is_solid) {
            vel.x = -vel.x;
        } else {
            pos.x = moved_x.x;
        }
        let moved_y = Position { x: pos.x, y: pos.y + vel.y };
        if any_tile_under(level, moved_y, *body, Tile::is_solid) {
            vel.y = -vel.y;
        } else {
            pos.y = moved_y.y;
        }
    }
}
