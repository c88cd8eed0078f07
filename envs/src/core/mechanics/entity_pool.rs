//! Entity pools: entities that come and go during an episode (shots, spawned creatures,
//! falling rocks) are spawned dead at reset, a fixed number per kind, and brought into play by
//! [`revive`]. Nothing is spawned or despawned mid-episode, so steps allocate nothing, the
//! spawn order (which drawing and [`revive`] follow) never changes, and snapshots stay plain.
//! Also the flight of pooled movers ([`Projectile`]).

use bevy_ecs::prelude::*;
use ludica_procgen::SpawnKind;

use crate::core::engine::components::{Body, EnvId, Kind, Live, Player, Position, Velocity};
use crate::core::engine::geometry::any_tile_under;
use crate::core::engine::table::EnvTable;
use crate::core::engine::spawner::Spawner;
use crate::core::engine::state::StateRegistry;

/// A pooled mover flying at its [`Velocity`]: it dies on leaving the level and, unless
/// `through_walls`, on meeting a solid tile.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Projectile {
    /// Whether it passes through solid tiles.
    pub through_walls: bool,
}

/// The pooled entities [`revive`] can bring into play (any entity but the player).
pub type EntityPool<'w, 's> = Query<
    'w,
    's,
    (&'static mut Kind, &'static mut Live, &'static mut Position, &'static mut Velocity),
    Without<Player>,
>;

/// Spawns `n` dead entities of `kind` with `body` and the rest of `bundle`, off the level.
pub fn spawn_pool(spawner: &mut Spawner, kind: Kind, body: Body, n: usize, bundle: impl Bundle + Clone) {
    for _ in 0..n {
        let off = Position { x: -1.0, y: -1.0 };
        spawner.spawn((kind, body, off, Velocity::default(), Live(false), bundle.clone()));
    }
}

/// Brings the first dead entity of `kind` (any variant) among `entities` (one env's, in
/// spawn order) into play at `pos` with `vel` and `variant`. Returns it, or `None` when every
/// one is in play (the pool's size bounds how many can be).
pub fn revive(
    entities: &[Entity],
    pool: &mut EntityPool,
    kind: SpawnKind,
    variant: u8,
    pos: Position,
    vel: Velocity,
) -> Option<Entity> {
    for &e in entities {
        let Ok((mut k, mut live, mut p, mut v)) = pool.get_mut(e) else { continue };
        if k.kind == kind && !live.0 {
            k.variant = variant;
            live.0 = true;
            *p = pos;
            *v = vel;
            return Some(e);
        }
    }
    None
}

/// Counts the live entities of `kind` among `entities`.
pub fn count_live(entities: &[Entity], pool: &EntityPool, kind: SpawnKind) -> usize {
    entities.iter().filter(|&&e| pool.get(e).is_ok_and(|(k, live, _, _)| k.kind == kind && live.0)).count()
}

/// Moves every live [`Projectile`] by its velocity; kills those that left the level or, unless
/// they pass through walls, overlap a solid tile.
pub fn fly_projectiles(
    mut movers: Query<(&EnvId, &mut Position, &Velocity, &Body, &mut Live, &Projectile)>,
    table: Res<EnvTable>,
) {
    for (env, mut pos, vel, body, mut live, projectile) in &mut movers {
        if !live.0 {
            continue;
        }
        let level = &table.levels[env.0 as usize];
        pos.x += vel.x;
        pos.y += vel.y;
        let outside = pos.x + body.half_w <= 0.0
            || pos.y + body.half_h <= 0.0
            || pos.x - body.half_w >= level.width as f32
            || pos.y - body.half_h >= level.height as f32;
        let blocked = !projectile.through_walls && any_tile_under(level, *pos, *body, |t| t.is_solid());
        if outside || blocked {
            live.0 = false;
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Projectile>();
}
