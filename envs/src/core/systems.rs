//! Systems every game can reuse: publishing the player's body, touches between the player and
//! other live entities, exits that open once no foe is left, deadly tiles, and patrolling
//! movers. Each is order-independent across
//! entities, so its result does not depend on query iteration order.

use bevy_ecs::prelude::*;
use ludica_procgen::{Level, SpawnKind, Tile};

use super::components::{Body, EnvId, Live, Patrol, Player, Position, Status, Touch, Velocity};
use super::pool::{Pool, count_live, revive};
use super::table::{EnvTable, Outcome};

/// Each env's player: its env, body, and optional velocity and status.
type PlayerBodies<'w, 's> = Query<
    'w,
    's,
    (&'static EnvId, &'static Position, Option<&'static Velocity>, &'static Body, Option<&'static Status>),
    With<Player>,
>;

/// Copies each env's player body (and [`Status`], if it has one) into [`EnvTable::players`]
/// for the systems that follow.
pub fn record_players(players: PlayerBodies, mut table: ResMut<EnvTable>) {
    for (env, pos, vel, body, status) in &players {
        let view = &mut table.players[env.0 as usize];
        view.pos = *pos;
        view.vel = vel.copied().unwrap_or_default();
        view.body = *body;
        if let Some(status) = status {
            view.status = status.0;
        }
    }
}

/// Whether two boxes overlap (touching edges do not count).
pub fn overlaps(a: Position, ab: Body, b: Position, bb: Body) -> bool {
    (a.x - b.x).abs() < ab.half_w + bb.half_w && (a.y - b.y).abs() < ab.half_h + bb.half_h
}

/// Moving bodies selected by `F`: their env, kinematics, box, and whether they are in play.
pub type Movers<'w, 's, F> = Query<
    'w,
    's,
    (&'static EnvId, &'static mut Position, &'static mut Velocity, &'static Body, Option<&'static Live>),
    F,
>;

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
pub fn open_exits_when_cleared(foe: SpawnKind) -> impl FnMut(Pool<'_, '_>, Res<'_, EnvTable>) {
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
pub fn open_exits(entities: &[Entity], pool: &mut Pool) {
    for &entity in entities {
        let Ok((kind, mut live, pos, _)) = pool.get_mut(entity) else { continue };
        if kind.0 == SpawnKind::Exit && live.0 {
            live.0 = false;
            let at = *pos;
            revive(entities, pool, SpawnKind::Goal, 0, at, Velocity::default());
        }
    }
}

/// The tiles a box overlaps, as an inclusive range of columns and rows.
pub fn tiles_under(pos: Position, body: Body) -> (std::ops::RangeInclusive<i32>, std::ops::RangeInclusive<i32>) {
    const EDGE: f32 = 1e-4;
    let cols = (pos.x - body.half_w).floor() as i32..=(pos.x + body.half_w - EDGE).floor() as i32;
    let rows = (pos.y - body.half_h).floor() as i32..=(pos.y + body.half_h - EDGE).floor() as i32;
    (cols, rows)
}

/// Whether any tile under the box satisfies `pred` (outside the grid counts as wall).
pub fn any_tile_under(level: &Level, pos: Position, body: Body, pred: impl Fn(Tile) -> bool) -> bool {
    let (cols, rows) = tiles_under(pos, body);
    rows.into_iter().any(|y| cols.clone().any(|x| pred(level.tile(x, y))))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_touching_at_an_edge_do_not_overlap() {
        let b = Body::square(1.0);
        assert!(!overlaps(Position { x: 0.5, y: 0.5 }, b, Position { x: 1.5, y: 0.5 }, b));
        assert!(overlaps(Position { x: 0.5, y: 0.5 }, b, Position { x: 1.4, y: 0.9 }, b));
    }

    #[test]
    fn a_box_on_tile_edges_covers_only_its_tiles() {
        let (cols, rows) = tiles_under(Position { x: 1.5, y: 2.5 }, Body::square(1.0));
        assert_eq!((cols, rows), (1..=1, 2..=2));
        let (cols, _) = tiles_under(Position { x: 1.6, y: 2.5 }, Body::square(1.0));
        assert_eq!(cols, 1..=2);
    }
}
