//! Things on a clock: the one countdown every timed rule runs on ([`Countdown`]: reloads, timed
//! releases, emitters), entities that stay in play a set number of steps ([`Lifetime`],
//! [`burn_lifetimes`]), and pooled entities brought into play on a timer ([`Emitter`],
//! [`emit_on_timer`]: falling rocks, a boss's drops). Emitters of one env fire in spawn order
//! and draw only from the env's behaviour stream, so results do not depend on query order.

use bevy_ecs::prelude::*;
use ludica_procgen::{Rng, SpawnKind};
use rand::RngExt;

use crate::core::engine::components::{Live, Position, Velocity};
use super::entity_pool::{EntityPool, revive};
use crate::core::engine::table::EnvTable;
use crate::core::engine::state::StateRegistry;

/// A countdown in steps: runs down by one each [`Countdown::tick`] and, once out, stays ready
/// until restarted. Each run lasts between `period.0` and `period.1` steps (inclusive), drawn
/// from the env's behaviour stream when the two differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Countdown {
    /// Shortest and longest run, in steps.
    pub period: (u16, u16),
    /// Steps left until ready; 0 is ready.
    pub left: u16,
}

impl Countdown {
    /// A countdown of `period` steps a run whose first run lasts `first` steps.
    pub const fn every(period: u16, first: u16) -> Countdown {
        Countdown { period: (period, period), left: first }
    }

    /// A countdown whose runs last `shortest` to `longest` steps; its first lasts `first`.
    pub const fn between(shortest: u16, longest: u16, first: u16) -> Countdown {
        Countdown { period: (shortest, longest), left: first }
    }

    /// Counts one step down; whether it is now ready.
    pub fn tick(&mut self) -> bool {
        self.left = self.left.saturating_sub(1);
        self.left == 0
    }

    /// Starts the next run, its length drawn from `rng` if the period is a range.
    pub fn restart(&mut self, rng: &mut Rng) {
        let (shortest, longest) = self.period;
        self.left = if longest > shortest { rng.random_range(shortest..=longest) } else { shortest };
    }

    /// Ticks, and when ready restarts: whether the timed thing happens now. Timed releases
    /// (fish, rocks, waves) call it once per step.
    pub fn due(&mut self, rng: &mut Rng) -> bool {
        let ready = self.tick();
        if ready {
            self.restart(rng);
        }
        ready
    }
}

/// Steps a pooled entity stays in play after it is brought in; it dies at 0.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Lifetime(pub u16);

/// Counts down every live entity's [`Lifetime`] and kills those whose time is up.
pub fn burn_lifetimes(mut things: Query<(&mut Lifetime, &mut Live)>) {
    for (mut life, mut live) in &mut things {
        if live.0 {
            life.0 = life.0.saturating_sub(1);
            live.0 = life.0 > 0;
        }
    }
}

/// Where an emitter's entities appear.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Anchor {
    /// At the emitter entity's own [`Position`] (a boss, a ship).
    Own,
    /// At the player's centre plus (`dx`, `dy`) tiles (rocks dropping from above the view).
    Player {
        /// Horizontal offset, in tiles.
        dx: f32,
        /// Vertical offset, in tiles (negative is up).
        dy: f32,
    },
}

/// Brings a dead pooled entity of `kind` into play each time its `clock` runs out. Needs a
/// [`Position`] when anchored at itself.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Emitter {
    /// What it emits (the pool [`super::entity_pool::spawn_pool`] made).
    pub kind: SpawnKind,
    /// The variant emitted.
    pub variant: u8,
    /// When it emits.
    pub clock: Countdown,
    /// Where emissions appear.
    pub anchor: Anchor,
    /// Half extents of the box around the anchor where an emission appears, uniformly.
    pub spread: (f32, f32),
    /// Velocity an emission starts with.
    pub velocity: Velocity,
}

/// One emission due this step (the system's reused scratch list holds them).
#[derive(Clone, Copy)]
pub struct Due {
    env: usize,
    kind: SpawnKind,
    variant: u8,
    pos: Position,
    vel: Velocity,
}

/// Counts every emitter's clock down; those that run out emit (if their pool has a dead
/// entity). Emissions are clamped inside the level.
#[expect(clippy::type_complexity, reason = "a ParamSet of the emitters and the pools they revive from")]
pub fn emit_on_timer(
    mut emitters: ParamSet<(Query<(&mut Emitter, Option<&Position>)>, EntityPool)>,
    mut table: ResMut<EnvTable>,
    mut due: Local<Vec<Due>>,
) {
    due.clear();
    let table = &mut *table;
    let mut timers = emitters.p0();
    for e in 0..table.entities.len() {
        for &entity in &table.entities[e] {
            let Ok((mut emitter, own)) = timers.get_mut(entity) else { continue };
            let rng = &mut table.rng[e];
            if !emitter.clock.due(rng) {
                continue;
            }
            let anchor = match emitter.anchor {
                Anchor::Own => own.copied().unwrap_or_default(),
                Anchor::Player { dx, dy } => {
                    let p = table.players[e].pos;
                    Position { x: p.x + dx, y: p.y + dy }
                }
            };
            let (sx, sy) = emitter.spread;
            let x = anchor.x + if sx > 0.0 { rng.random_range(-sx..sx) } else { 0.0 };
            let y = anchor.y + if sy > 0.0 { rng.random_range(-sy..sy) } else { 0.0 };
            let level = &table.levels[e];
            let pos =
                Position { x: x.clamp(0.5, level.width as f32 - 0.5), y: y.clamp(0.5, level.height as f32 - 0.5) };
            due.push(Due { env: e, kind: emitter.kind, variant: emitter.variant, pos, vel: emitter.velocity });
        }
    }
    let mut pool = emitters.p1();
    for d in due.iter() {
        revive(&table.entities[d.env], &mut pool, d.kind, d.variant, d.pos, d.vel);
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Emitter>();
    registry.add::<Lifetime>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::seeds::{Stream, stream};

    #[test]
    fn a_countdown_is_ready_after_its_period_and_stays_ready() {
        let mut rng = stream(1, Stream::Behaviour);
        let mut c = Countdown::every(3, 2);
        assert!(!c.tick());
        assert!(c.tick(), "first run: 2 steps");
        assert!(c.tick(), "stays ready until restarted");
        c.restart(&mut rng);
        assert_eq!([c.tick(), c.tick(), c.tick()], [false, false, true]);
    }

    #[test]
    fn a_ranged_countdown_is_due_within_its_range() {
        let mut rng = stream(1, Stream::Behaviour);
        let mut c = Countdown::between(10, 15, 10);
        let releases: Vec<usize> = (0..200).filter(|_| c.due(&mut rng)).collect();
        assert_eq!(releases[0], 9, "the first run lasts 10 steps");
        assert!(releases.windows(2).all(|w| (10..=15).contains(&(w[1] - w[0]))), "{releases:?}");
        assert!(releases.windows(2).any(|w| w[1] - w[0] != 10), "the draws vary the gaps");
    }
}
