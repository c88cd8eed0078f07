//! Shooting, for games where things fire pooled shots mid-episode (shooters, dodgeball, naval
//! and boss fights): a [`Gun`] on an entity fires a pooled shot ([`super::pool`]) when its
//! reload ([`Countdown`]) is out and it is triggered — a player's by its fire action, any
//! other's by the player coming within range — aimed ahead, along the player's [`Facing`], at
//! the player or leading it ([`Aim`]); and shots kill targets they overlap ([`shots_hit`]).
//! Flight is [`super::entity_pool::fly_projectiles`]'s job, burning out [`super::timers::Lifetime`]'s;
//! shots that kill the player carry [`super::Touch::Hazard`]. Kinds are parameters, so one
//! game's shots and targets are another's. Every system here is order-independent across
//! entities.

use bevy_ecs::prelude::*;
use ludica_procgen::SpawnKind;

use crate::core::engine::components::{Body, EnvId, Kind, Live, Player, Position, Velocity};
use super::entity_pool::{EntityPool, revive};
use crate::core::engine::geometry::overlaps;
use crate::core::engine::table::{EnvTable, PlayerView};
use super::timers::{Countdown, Lifetime};
use crate::core::engine::state::StateRegistry;

/// Rounds of refining where a leading gun aims.
const LEAD_ROUNDS: usize = 2;

/// Where a gun points.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Aim {
    /// Along a fixed direction (x, y; y downwards).
    Ahead(f32, f32),
    /// Along the entity's [`Facing`] (a player's last steering direction).
    Facing,
    /// At its env's player's centre.
    AtPlayer,
    /// At its env's player, leading it: where the player's centre will be when the shot gets
    /// there, if it keeps its velocity.
    LeadPlayer,
}

/// The direction an entity aims along [`Aim::Facing`]: each axis -1, 0 or 1.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Facing {
    /// Horizontal: -1 left, 1 right.
    pub dx: i8,
    /// Vertical: -1 up, 1 down.
    pub dy: i8,
}

/// A gun on an entity: fires a pooled shot of kind `shot` from the entity's centre when its
/// reload is out and it is triggered. A gun on the player is triggered by the fire actions;
/// any other by the player coming within `range`.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Gun {
    /// The pooled kind it fires (each env needs a pool of them).
    pub shot: SpawnKind,
    /// Shot speed, tiles per step.
    pub speed: f32,
    /// Where it points.
    pub aim: Aim,
    /// Steps until it can fire, and between shots.
    pub reload: Countdown,
    /// Distance to the player (tiles, between centres) within which a non-player gun fires.
    #[serde(with = "crate::core::engine::state::maybe_infinite")]
    pub range: f32,
    /// Steps a shot lives (its [`Lifetime`], which the shot's pool must carry); `None`: it
    /// flies until it hits something or leaves the level.
    pub lifetime: Option<u16>,
}

impl Gun {
    /// The velocity of a shot fired from `from` (facing `facing`, if it has a facing) with the
    /// player at `player`; `None` when the aim gives no direction.
    pub fn shot_velocity(&self, from: Position, facing: Option<Facing>, player: &PlayerView) -> Option<Velocity> {
        let (dx, dy) = match self.aim {
            Aim::Ahead(dx, dy) => (dx, dy),
            Aim::Facing => facing.map_or((0.0, 0.0), |f| (f.dx as f32, f.dy as f32)),
            Aim::AtPlayer => (player.pos.x - from.x, player.pos.y - from.y),
            Aim::LeadPlayer => {
                // Two rounds of "where will it be when the shot arrives" settle the lead.
                let mut at = player.pos;
                for _ in 0..LEAD_ROUNDS {
                    let steps = (at.x - from.x).hypot(at.y - from.y) / self.speed.max(f32::EPSILON);
                    at = Position { x: player.pos.x + player.vel.x * steps, y: player.pos.y + player.vel.y * steps };
                }
                (at.x - from.x, at.y - from.y)
            }
        };
        let length = dx.hypot(dy);
        (length > 0.0).then(|| Velocity { x: dx / length * self.speed, y: dy / length * self.speed })
    }
}

/// Each player's facing, by env.
type FacingPlayers<'w, 's> = Query<'w, 's, (&'static EnvId, &'static mut Facing), With<Player>>;

/// Turns each player's [`Facing`] to its steering direction this step, when it has one:
/// `directions[action]` as in [`super::steer::steer_players`].
pub fn face_steering(directions: &'static [(i8, i8)]) -> impl FnMut(FacingPlayers<'_, '_>, Res<'_, EnvTable>) {
    move |mut players, table| {
        for (env, mut facing) in &mut players {
            let dir = directions.get(table.actions[env.0 as usize] as usize).copied().unwrap_or((0, 0));
            if dir != (0, 0) {
                *facing = Facing { dx: dir.0, dy: dir.1 };
            }
        }
    }
}

/// Guns: their env, position, gun, facing, whether in play and whether on the player.
type Guns<'w, 's> = Query<
    'w,
    's,
    (&'static EnvId, &'static Position, &'static mut Gun, Option<&'static Facing>, Option<&'static Live>, Has<Player>),
>;

/// Whether a gun at `pos` is triggered: on the player by one of `fire_actions`, on anything
/// else by the player within its range.
fn triggered(gun: &Gun, pos: Position, is_player: bool, fire_actions: &[u8], action: u8, player: &PlayerView) -> bool {
    if is_player {
        fire_actions.contains(&action)
    } else {
        (player.pos.x - pos.x).hypot(player.pos.y - pos.y) <= gun.range
    }
}

/// One shot a gun is about to fire.
struct Shot {
    kind: SpawnKind,
    from: Position,
    vel: Velocity,
    lifetime: Option<u16>,
}

/// A system ticking every live gun's reload and firing those that are reloaded and triggered
/// (see [`Gun`]): the player's when its env's action is one of `fire_actions`. Each shot is the
/// first dead entity of the gun's shot kind in the env's spawn order; a gun whose pool is
/// spent does not fire and stays ready. Guns fire in spawn order and a reload that is a range
/// is drawn from the env's behaviour stream, so nothing depends on query order.
#[expect(clippy::type_complexity, reason = "a system signature; its parts are named type aliases")]
pub fn fire_guns(
    fire_actions: &'static [u8],
) -> impl FnMut(ParamSet<'_, '_, (Guns<'_, '_>, EntityPool<'_, '_>)>, Query<'_, '_, &mut Lifetime>, ResMut<'_, EnvTable>) {
    let mut due: Vec<bool> = Vec::new();
    move |mut set, mut lifetimes, mut table| {
        let EnvTable { entities, rng, players, actions, .. } = &mut *table;
        // Reloads tick in any order; only envs with a gun ready to fire are walked in spawn order.
        due.clear();
        due.resize(entities.len(), false);
        for (env, pos, mut gun, _, live, is_player) in &mut set.p0() {
            let e = env.0 as usize;
            if live.is_none_or(|l| l.0) && gun.reload.tick() {
                due[e] |= triggered(&gun, *pos, is_player, fire_actions, actions[e], &players[e]);
            }
        }
        for (e, entities) in entities.iter().enumerate().filter(|&(e, _)| due[e]) {
            for &entity in entities {
                let shot = {
                    let guns = set.p0();
                    let Ok((_, pos, gun, facing, live, is_player)) = guns.get(entity) else { continue };
                    let player = &players[e];
                    if live.is_some_and(|l| !l.0)
                        || gun.reload.left > 0
                        || !triggered(gun, *pos, is_player, fire_actions, actions[e], player)
                    {
                        continue;
                    }
                    let Some(vel) = gun.shot_velocity(*pos, facing.copied(), player) else { continue };
                    Shot { kind: gun.shot, from: *pos, vel, lifetime: gun.lifetime }
                };
                let Some(fired) = revive(entities, &mut set.p1(), shot.kind, 0, shot.from, shot.vel) else { continue };
                if let (Some(steps), Ok(mut life)) = (shot.lifetime, lifetimes.get_mut(fired)) {
                    life.0 = steps;
                }
                if let Ok((_, _, mut gun, ..)) = set.p0().get_mut(entity) {
                    gun.reload.restart(&mut rng[e]);
                }
            }
        }
    }
}

/// Things shots and targets are told apart by, and what a hit changes.
type Bodies<'w, 's> =
    Query<'w, 's, (&'static EnvId, &'static Kind, &'static Position, &'static Body, &'static mut Live)>;

/// A system where live entities of kind `shot` kill live entities of kind `target` (which
/// need [`Live`]) in their env: a target dies if any shot overlaps it, every such shot dies
/// too, and each kill adds `reward` to the env's bonus. All decisions use the positions at
/// the system's start, so the result does not depend on query order.
pub fn shots_hit(shot: SpawnKind, target: SpawnKind, reward: f32) -> impl FnMut(Bodies<'_, '_>, ResMut<'_, EnvTable>) {
    let mut shots: Vec<Vec<(Position, Body)>> = Vec::new();
    let mut targets: Vec<Vec<(Position, Body)>> = Vec::new();
    move |mut things, mut table| {
        let n = table.actions.len();
        for buckets in [&mut shots, &mut targets] {
            buckets.resize_with(n, Vec::new);
            buckets.iter_mut().for_each(Vec::clear);
        }
        for (env, kind, pos, body, live) in &things {
            if live.0 && kind.kind == shot {
                shots[env.0 as usize].push((*pos, *body));
            } else if live.0 && kind.kind == target {
                targets[env.0 as usize].push((*pos, *body));
            }
        }
        for (env, kind, pos, body, mut live) in &mut things {
            let e = env.0 as usize;
            let others = match kind.kind {
                k if k == shot => &targets[e],
                k if k == target => &shots[e],
                _ => continue,
            };
            if live.0 && others.iter().any(|&(p, b)| overlaps(*pos, *body, p, b)) {
                live.0 = false;
                if kind.kind == target {
                    table.bonus[e] += reward;
                }
            }
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Gun>();
    registry.add::<Facing>();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guns_aim_ahead_along_the_facing_at_or_ahead_of_the_player() {
        let gun = Gun {
            shot: SpawnKind::EnemyShot,
            speed: 0.5,
            aim: Aim::LeadPlayer,
            reload: Countdown::every(5, 0),
            range: 10.0,
            lifetime: None,
        };
        let from = Position::default();
        let still = PlayerView { pos: Position { x: 3.0, y: 4.0 }, ..PlayerView::default() };
        let v = gun.shot_velocity(from, None, &still).unwrap();
        assert!((v.x - 0.3).abs() < 1e-6 && (v.y - 0.4).abs() < 1e-6);
        let ahead = Gun { aim: Aim::Ahead(-1.0, 0.0), ..gun };
        assert_eq!(ahead.shot_velocity(from, None, &still), Some(Velocity { x: -0.5, y: 0.0 }));
        let facing = Gun { aim: Aim::Facing, ..gun };
        let v = facing.shot_velocity(from, Some(Facing { dx: 1, dy: 1 }), &still).unwrap();
        assert!((v.x - 0.5 / 2f32.sqrt()).abs() < 1e-6 && v.x == v.y, "diagonals are normalised: {v:?}");
        assert_eq!(facing.shot_velocity(from, None, &still), None, "no facing, no shot");
        // A player crossing in front is led: the shot aims ahead of it; aimed at, it is not.
        let crossing = PlayerView { pos: Position { x: 0.0, y: 5.0 }, vel: Velocity { x: 0.2, y: 0.0 }, ..still };
        let led = gun.shot_velocity(from, None, &crossing).unwrap();
        assert!(led.x > 0.1 && led.y > 0.0, "{led:?}");
        let at = Gun { aim: Aim::AtPlayer, ..gun };
        assert_eq!(at.shot_velocity(from, None, &crossing), Some(Velocity { x: 0.0, y: 0.5 }));
        assert_eq!(at.shot_velocity(crossing.pos, None, &crossing), None, "no direction at the player's centre");
    }
}
