//! Spawning and shooting, for games where things appear and fire mid-episode (shooters,
//! fish tanks, naval and boss fights): countdowns ([`Cooldown`]) for timed releases and
//! reloads, guns that fire pooled shots ahead or at the player ([`Gun`], [`fire_guns`]),
//! shots that burn out ([`Lifetime`], [`burn_lifetimes`]), and shots killing targets
//! ([`shots_hit`]). Kinds are parameters, so one game's shots, enemies and prey are
//! another's. Every system here is order-independent across entities.

use std::cmp::Ordering;

use bevy_ecs::prelude::*;
use ludica_procgen::{Rng, SpawnKind};
use rand::RngExt;

use super::components::{Body, EnvId, Kind, Live, Player, Position, Velocity};
use super::pool::{Pool, revive};
use super::systems::overlaps;
use super::table::{EnvTable, PlayerView};

/// Rounds of refining where a leading gun aims.
const LEAD_ROUNDS: usize = 2;

/// A countdown in steps: runs down by one each [`Cooldown::tick`] and, once out, stays ready
/// until restarted.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cooldown {
    /// Steps between two firings.
    pub period: u16,
    /// Steps left until ready; 0 is ready.
    pub left: u16,
}

impl Cooldown {
    /// A countdown of `period` steps whose first run lasts `first` steps.
    pub const fn new(period: u16, first: u16) -> Cooldown {
        Cooldown { period, left: first }
    }

    /// Counts one step down; whether it is now ready.
    pub fn tick(&mut self) -> bool {
        self.left = self.left.saturating_sub(1);
        self.left == 0
    }

    /// Starts the next run: `period` steps plus `extra`.
    pub fn restart(&mut self, extra: u16) {
        self.left = self.period.saturating_add(extra);
    }

    /// Ticks, and when ready restarts with up to `jitter` extra steps drawn from `rng`:
    /// whether to release now. Timed releases (fish, waves) call it once per step.
    pub fn due(&mut self, jitter: u16, rng: &mut Rng) -> bool {
        let ready = self.tick();
        if ready {
            self.restart(if jitter > 0 { rng.random_range(0..=jitter) } else { 0 });
        }
        ready
    }
}

/// Steps a pooled entity stays in play after [`fire_guns`] brings it in; it dies at 0.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Lifetime(pub u16);

/// Where a gun points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Aim {
    /// Along a fixed direction (a unit vector, y downwards).
    Ahead(f32, f32),
    /// At its env's player, leading it: where the player's centre will be when the shot gets
    /// there, if it keeps its velocity.
    Player,
}

/// A gun on an entity: fires a pooled shot of kind `shot` from the entity's centre when
/// reloaded and triggered. A gun on the player is triggered by the fire actions; any other
/// by the player coming within `range`.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Gun {
    /// The pooled kind it fires (each env needs a pool of them).
    pub shot: SpawnKind,
    /// Shot speed, tiles per step.
    pub speed: f32,
    /// Where it points.
    pub aim: Aim,
    /// Steps between shots.
    pub reload: Cooldown,
    /// Distance to the player (tiles, between centres) within which a non-player gun fires.
    pub range: f32,
    /// Steps a shot lives (its [`Lifetime`]).
    pub lifetime: u16,
}

impl Gun {
    /// The velocity of a shot fired from `from` at `player`.
    pub fn shot_velocity(&self, from: Position, player: &PlayerView) -> Velocity {
        let (dx, dy) = match self.aim {
            Aim::Ahead(dx, dy) => (dx, dy),
            Aim::Player => {
                // Two rounds of "where will it be when the shot arrives" settle the lead.
                let mut at = player.pos;
                for _ in 0..LEAD_ROUNDS {
                    let steps = (at.x - from.x).hypot(at.y - from.y) / self.speed.max(f32::EPSILON);
                    at = Position { x: player.pos.x + player.vel.x * steps, y: player.pos.y + player.vel.y * steps };
                }
                let (dx, dy) = (at.x - from.x, at.y - from.y);
                let length = dx.hypot(dy);
                if length > 0.0 { (dx / length, dy / length) } else { (1.0, 0.0) }
            }
        };
        Velocity { x: dx * self.speed, y: dy * self.speed }
    }
}

/// One shot to bring into play.
#[derive(Clone, Copy, Debug)]
struct Volley {
    env: u32,
    kind: SpawnKind,
    pos: Position,
    vel: Velocity,
    lifetime: u16,
}

/// Guns: their env, position, gun, whether in play and whether on the player.
type Guns<'w, 's> =
    Query<'w, 's, (&'static EnvId, &'static Position, &'static mut Gun, Option<&'static Live>, Has<Player>)>;

/// A system firing every live gun that is reloaded and triggered (see [`Gun`]): the player's
/// when its env's action is one of `fire_actions`. Each shot is the first dead entity of the
/// gun's shot kind in the env's spawn order (none fires when the pool is spent); shots of one
/// step are taken in an order fixed by their kind, position and velocity, so the pool slots
/// they get do not depend on query order.
#[expect(clippy::type_complexity, reason = "a system signature; its parts are named type aliases")]
pub fn fire_guns(
    fire_actions: &'static [u8],
) -> impl FnMut(ParamSet<'_, '_, (Guns<'_, '_>, Pool<'_, '_>)>, Query<'_, '_, &mut Lifetime>, Res<'_, EnvTable>) {
    let mut volleys: Vec<Volley> = Vec::new();
    move |mut set, mut lifetimes, table| {
        volleys.clear();
        for (env, pos, mut gun, live, is_player) in &mut set.p0() {
            if live.is_some_and(|l| !l.0) {
                continue;
            }
            let e = env.0 as usize;
            let player = &table.players[e];
            let triggered = if is_player {
                fire_actions.contains(&table.actions[e])
            } else {
                (player.pos.x - pos.x).hypot(player.pos.y - pos.y) <= gun.range
            };
            if gun.reload.tick() && triggered {
                gun.reload.restart(0);
                let vel = gun.shot_velocity(*pos, player);
                volleys.push(Volley { env: env.0, kind: gun.shot, pos: *pos, vel, lifetime: gun.lifetime });
            }
        }
        let key = |v: &Volley| (v.env, v.kind as u8);
        let floats = |v: &Volley| [v.pos.x, v.pos.y, v.vel.x, v.vel.y];
        volleys.sort_unstable_by(|a, b| {
            key(a).cmp(&key(b)).then_with(|| {
                floats(a)
                    .iter()
                    .zip(floats(b))
                    .map(|(x, y)| x.total_cmp(&y))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            })
        });
        let mut pool = set.p1();
        for v in &volleys {
            let shot = revive(&table.entities[v.env as usize], &mut pool, v.kind, 0, v.pos, v.vel);
            if let Some(mut life) = shot.and_then(|s| lifetimes.get_mut(s).ok()) {
                life.0 = v.lifetime;
            }
        }
    }
}

/// Counts down every live entity's [`Lifetime`] and kills those whose time is up.
pub fn burn_lifetimes(mut things: Query<(&mut Lifetime, &mut Live)>) {
    for (mut life, mut live) in &mut things {
        if live.0 {
            life.0 = life.0.saturating_sub(1);
            live.0 = life.0 > 0;
        }
    }
}

/// Things shots and targets are told apart by, and what a hit changes.
type Hittable<'w, 's> =
    Query<'w, 's, (&'static EnvId, &'static Kind, &'static Position, &'static Body, &'static mut Live)>;

/// A system where live entities of kind `shot` kill live entities of kind `target` (which
/// need [`Live`]) in their env: a target dies if any shot overlaps it, every such shot dies
/// too, and each kill adds `reward` to the env's bonus. All decisions use the positions at
/// the system's start, so the result does not depend on query order.
pub fn shots_hit(
    shot: SpawnKind,
    target: SpawnKind,
    reward: f32,
) -> impl FnMut(Hittable<'_, '_>, ResMut<'_, EnvTable>) {
    let mut shots: Vec<Vec<(Position, Body)>> = Vec::new();
    let mut targets: Vec<Vec<(Position, Body)>> = Vec::new();
    move |mut things, mut table| {
        let n = table.actions.len();
        for buckets in [&mut shots, &mut targets] {
            buckets.resize_with(n, Vec::new);
            buckets.iter_mut().for_each(Vec::clear);
        }
        for (env, kind, pos, body, live) in &things {
            if live.0 && kind.0 == shot {
                shots[env.0 as usize].push((*pos, *body));
            } else if live.0 && kind.0 == target {
                targets[env.0 as usize].push((*pos, *body));
            }
        }
        for (env, kind, pos, body, mut live) in &mut things {
            let e = env.0 as usize;
            let others = match kind.0 {
                k if k == shot => &targets[e],
                k if k == target => &shots[e],
                _ => continue,
            };
            if live.0 && others.iter().any(|&(p, b)| overlaps(*pos, *body, p, b)) {
                live.0 = false;
                if kind.0 == target {
                    table.bonus[e] += reward;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::seeds::{Stream, stream};

    #[test]
    fn a_cooldown_is_ready_after_its_period_and_stays_ready() {
        let mut c = Cooldown::new(3, 2);
        assert!(!c.tick());
        assert!(c.tick(), "first run: 2 steps");
        assert!(c.tick(), "stays ready until restarted");
        c.restart(0);
        assert_eq!([c.tick(), c.tick(), c.tick()], [false, false, true]);
    }

    #[test]
    fn due_releases_every_period_plus_jitter() {
        let mut rng = stream(1, Stream::Behaviour);
        let mut c = Cooldown::new(10, 10);
        let releases: Vec<usize> = (0..200).filter(|_| c.due(5, &mut rng)).collect();
        assert!(releases.windows(2).all(|w| (10..=15).contains(&(w[1] - w[0]))), "{releases:?}");
        assert!(releases.windows(2).any(|w| w[1] - w[0] != 10), "jitter varies the gaps");
    }

    #[test]
    fn guns_aim_ahead_or_at_the_player() {
        let gun = Gun {
            shot: SpawnKind::EnemyShot,
            speed: 0.5,
            aim: Aim::Player,
            reload: Cooldown::new(5, 0),
            range: 10.0,
            lifetime: 10,
        };
        let still = PlayerView { pos: Position { x: 3.0, y: 4.0 }, ..PlayerView::default() };
        let v = gun.shot_velocity(Position { x: 0.0, y: 0.0 }, &still);
        assert!((v.x - 0.3).abs() < 1e-6 && (v.y - 0.4).abs() < 1e-6);
        let ahead = Gun { aim: Aim::Ahead(-1.0, 0.0), ..gun };
        assert_eq!(ahead.shot_velocity(Position::default(), &still), Velocity { x: -0.5, y: 0.0 });
        // A player crossing in front is led: the shot aims ahead of it.
        let crossing = PlayerView { pos: Position { x: 0.0, y: 5.0 }, vel: Velocity { x: 0.2, y: 0.0 }, ..still };
        let led = gun.shot_velocity(Position::default(), &crossing);
        assert!(led.x > 0.1 && led.y > 0.0, "{led:?}");
    }
}
