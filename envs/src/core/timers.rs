//! Things that appear on a timer: an [`Emitter`] brings a pooled entity of its kind into play
//! every `period` steps (falling rocks, a boss's shots, enemy ships' cannon fire), at its
//! anchor plus a random offset, with a set velocity. Emitters of one env fire in spawn order
//! and draw only from the env's behaviour stream, so results do not depend on query order.

use bevy_ecs::prelude::*;
use ludica_procgen::SpawnKind;
use rand::RngExt;

use super::components::{Position, Velocity};
use super::pool::{Pool, revive};
use super::table::EnvTable;

/// Where an emitter's entities appear.
#[derive(Clone, Copy, Debug, PartialEq)]
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

/// Brings a dead pooled entity of `kind` into play every `period` steps, the first after
/// `countdown` steps. Needs a [`Position`] when anchored at itself.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub struct Emitter {
    /// What it emits (the pool [`super::pool::spawn_pool`] made).
    pub kind: SpawnKind,
    /// The variant emitted.
    pub variant: u8,
    /// Steps between emissions.
    pub period: u16,
    /// Steps until the next emission.
    pub countdown: u16,
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

/// Counts every emitter down; those that reach zero emit (if their pool has a dead entity)
/// and start their period again. Emissions are clamped inside the level.
#[expect(clippy::type_complexity, reason = "a ParamSet of the emitters and the pools they revive from")]
pub fn emit_on_timer(
    mut emitters: ParamSet<(Query<(&mut Emitter, Option<&Position>)>, Pool)>,
    mut table: ResMut<EnvTable>,
    mut due: Local<Vec<Due>>,
) {
    due.clear();
    let table = &mut *table;
    let mut timers = emitters.p0();
    for e in 0..table.entities.len() {
        for &entity in &table.entities[e] {
            let Ok((mut emitter, own)) = timers.get_mut(entity) else { continue };
            emitter.countdown = emitter.countdown.saturating_sub(1);
            if emitter.countdown > 0 {
                continue;
            }
            emitter.countdown = emitter.period.max(1);
            let anchor = match emitter.anchor {
                Anchor::Own => own.copied().unwrap_or_default(),
                Anchor::Player { dx, dy } => {
                    let p = table.players[e].pos;
                    Position { x: p.x + dx, y: p.y + dy }
                }
            };
            let rng = &mut table.rng[e];
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
