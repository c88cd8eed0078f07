//! Throwing and shooting with cooldowns, and shots hitting targets: a [`Thrower`] revives a
//! pooled shot ([`super::pool`]) when its cooldown is up (the player on its fire action, along
//! its [`Facing`]; others at the player), a [`Hittable`] target dies when a live shot of its
//! bane overlaps it, and exits open once no foe is left. Flight is
//! [`super::pool::fly_projectiles`]'s job; shots that kill the player carry [`super::Touch::Hazard`].

use bevy_ecs::prelude::*;
use ludica_procgen::SpawnKind;
use rand::RngExt;

use super::components::{Body, EnvId, Kind, Live, Player, Position, Velocity};
use super::pool::{Pool, count_live, revive};
use super::systems::overlaps;
use super::table::EnvTable;

/// Throws pooled shots of kind `shot` when `ready_in` reaches 0, then waits a reload drawn
/// from `reload` (inclusive, from the env's behaviour stream).
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Thrower {
    /// The pooled kind it throws.
    pub shot: SpawnKind,
    /// The shot's speed, in tiles per step.
    pub speed: f32,
    /// Steps between throws, inclusive.
    pub reload: (u16, u16),
    /// Steps until it can throw.
    pub ready_in: u16,
}

/// The direction a player aims: its last non-zero steering direction (each axis -1, 0 or 1).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facing(pub i8, pub i8);

/// A target that dies when a live shot of kind `by` overlaps it; its env gains `bounty`.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Hittable {
    /// The shot kind that kills it.
    pub by: SpawnKind,
    /// Reward for killing it.
    pub bounty: f32,
}

/// Each player's facing, by env.
type FacingPlayers<'w, 's> = Query<'w, 's, (&'static EnvId, &'static mut Facing), With<Player>>;

/// Each player's thrower and facing, by env.
type ArmedPlayers<'w, 's> = Query<'w, 's, (&'static EnvId, &'static mut Thrower, &'static Facing), With<Player>>;

/// Turns each player's [`Facing`] to its steering direction this step, when it has one:
/// `directions[action]` as in [`super::steer::steer_players`].
pub fn face_steering(directions: &'static [(i8, i8)]) -> impl FnMut(FacingPlayers<'_, '_>, Res<'_, EnvTable>) {
    move |mut players, table| {
        for (env, mut facing) in &mut players {
            let dir = directions.get(table.actions[env.0 as usize] as usize).copied().unwrap_or((0, 0));
            if dir != (0, 0) {
                *facing = Facing(dir.0, dir.1);
            }
        }
    }
}

/// Counts down the cooldown of every live thrower.
pub fn reload_throwers(mut throwers: Query<(&mut Thrower, Option<&Live>)>) {
    for (mut thrower, live) in &mut throwers {
        if live.is_none_or(|l| l.0) {
            thrower.ready_in = thrower.ready_in.saturating_sub(1);
        }
    }
}

/// Throws a shot from `from` along `dir` if `thrower` is ready and its pool has a dead shot;
/// the reload is drawn from `rng`. Returns whether it threw.
pub fn throw(
    thrower: &mut Thrower,
    entities: &[Entity],
    pool: &mut Pool,
    from: Position,
    dir: (f32, f32),
    rng: &mut ludica_procgen::Rng,
) -> bool {
    let len = (dir.0 * dir.0 + dir.1 * dir.1).sqrt();
    if thrower.ready_in > 0 || len == 0.0 {
        return false;
    }
    let vel = Velocity { x: thrower.speed * dir.0 / len, y: thrower.speed * dir.1 / len };
    if revive(entities, pool, thrower.shot, 0, from, vel).is_none() {
        return false;
    }
    thrower.ready_in = rng.random_range(thrower.reload.0..=thrower.reload.1);
    true
}

/// Each player with a [`Thrower`] throws along its [`Facing`] when its action is `fire`.
pub fn fire_on_action(fire: u8) -> impl FnMut(ArmedPlayers<'_, '_>, Pool<'_, '_>, ResMut<'_, EnvTable>) {
    move |mut players, mut pool, mut table| {
        let EnvTable { actions, entities, rng, players: views, .. } = &mut *table;
        for (env, mut thrower, facing) in &mut players {
            let e = env.0 as usize;
            if actions[e] == fire {
                let dir = (facing.0 as f32, facing.1 as f32);
                throw(&mut thrower, &entities[e], &mut pool, views[e].pos, dir, &mut rng[e]);
            }
        }
    }
}

/// Every live non-player [`Thrower`] throws at the player's centre when ready; throwers in
/// spawn order, so reload draws do not depend on query order.
pub fn throw_at_player(
    mut throwers: Query<&mut Thrower, Without<Player>>,
    mut pool: Pool,
    mut table: ResMut<EnvTable>,
) {
    let EnvTable { entities, rng, players, .. } = &mut *table;
    for (e, entities) in entities.iter().enumerate() {
        for &entity in entities {
            let Ok(mut thrower) = throwers.get_mut(entity) else { continue };
            let Ok((_, live, pos, _)) = pool.get(entity) else { continue };
            let (from, target) = (*pos, players[e].pos);
            if live.0 && thrower.ready_in == 0 {
                let dir = (target.x - from.x, target.y - from.y);
                throw(&mut thrower, entities, &mut pool, from, dir, &mut rng[e]);
            }
        }
    }
}

/// The live bodies of one env that shots and targets are told apart among.
type Bodies<'w, 's> = Query<
    'w,
    's,
    (&'static Kind, &'static Position, &'static Body, &'static mut Live, Option<&'static Hittable>),
    Without<Player>,
>;

/// Kills every live [`Hittable`] that some live shot of its bane overlaps, and every such shot,
/// paying each kill's bounty. Decided on the bodies as they were before the step's first kill,
/// so the result does not depend on order.
pub fn hit_targets(mut bodies: Bodies, mut table: ResMut<EnvTable>, mut spent: Local<Vec<Entity>>) {
    let EnvTable { entities, bonus, .. } = &mut *table;
    for (e, entities) in entities.iter().enumerate() {
        spent.clear();
        for &target in entities {
            let Ok((_, &at, &body, live, Some(&hittable))) = bodies.get(target) else { continue };
            if !live.0 {
                continue;
            }
            let before = spent.len();
            for &shot in entities {
                let Ok((kind, &pos, &shot_body, live, _)) = bodies.get(shot) else { continue };
                if kind.0 == hittable.by && live.0 && overlaps(at, body, pos, shot_body) {
                    spent.push(shot);
                }
            }
            if spent.len() > before {
                spent.push(target);
                bonus[e] += hittable.bounty;
            }
        }
        for &dead in spent.iter() {
            if let Ok((_, _, _, mut live, _)) = bodies.get_mut(dead) {
                live.0 = false;
            }
        }
    }
}

/// Once no live `foe` is left in an env, each live [`SpawnKind::Exit`] there closes and a
/// pooled [`SpawnKind::Goal`] (spawned with [`super::Touch::Goal`]) comes to life in its place.
pub fn open_exits_when_cleared(foe: SpawnKind) -> impl FnMut(Pool<'_, '_>, Res<'_, EnvTable>) {
    move |mut pool, table| {
        for entities in &table.entities {
            if count_live(entities, &pool, foe) > 0 {
                continue;
            }
            for &entity in entities {
                let Ok((kind, mut live, pos, _)) = pool.get_mut(entity) else { continue };
                if kind.0 == SpawnKind::Exit && live.0 {
                    live.0 = false;
                    let at = *pos;
                    revive(entities, &mut pool, SpawnKind::Goal, 0, at, Velocity::default());
                }
            }
        }
    }
}
