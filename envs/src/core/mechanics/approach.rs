//! Movers that close in on the player through open space: every so often each picks a
//! heading (at the player, away from it when too near, or a random wander that takes it
//! around cover) and steers along it with its [`Steered`] momentum; a wall that stops it makes
//! it pick again at once. Moving is [`super::steer::move_steered`]'s job.

use bevy_ecs::prelude::*;
use ludica_procgen::Rng;
use rand::RngExt;

use crate::core::engine::components::{Live, Position, Velocity};
use super::steer::{Steered, accelerate};
use crate::core::engine::table::EnvTable;
use super::timers::Countdown;
use crate::core::engine::state::StateRegistry;

/// The eight headings and standing still, which a wander picks among.
const HEADINGS: [(i8, i8); 9] = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1)];
/// How far off the player's axis (in tiles) a mover still heads straight along it.
const ALIGNED: f32 = 0.5;

/// Heads for the player now and then. Needs [`Position`], [`Velocity`] and [`Steered`].
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Approach {
    /// Chance that a new heading points at the player; otherwise a random one of eight, or a stop.
    pub chase: f32,
    /// Nearer than this to the player (centre to centre, in tiles), it heads away instead.
    pub keep_off: f32,
    /// When it picks its next heading (runs drawn from the env's behaviour stream).
    pub turn: Countdown,
    /// Current heading: -1, 0 or 1 on each axis.
    pub heading: (i8, i8),
}

impl Approach {
    /// A mover that picks a heading every `turn_every.0` to `turn_every.1` steps, the first
    /// on its first step.
    pub const fn new(chase: f32, keep_off: f32, turn_every: (u16, u16)) -> Approach {
        Approach { chase, keep_off, turn: Countdown::between(turn_every.0, turn_every.1, 0), heading: (0, 0) }
    }

    /// Picks a new heading for a mover at `pos` with the player at `target`, and when to pick
    /// the next, from `rng`.
    fn pick(&mut self, pos: Position, target: Position, rng: &mut Rng) {
        let (dx, dy) = (target.x - pos.x, target.y - pos.y);
        let toward = (axis_sign(dx), axis_sign(dy));
        self.heading = if dx * dx + dy * dy < self.keep_off * self.keep_off {
            (-toward.0, -toward.1)
        } else if rng.random_bool(self.chase as f64) {
            toward
        } else {
            HEADINGS[rng.random_range(0..HEADINGS.len())]
        };
        self.turn.restart(rng);
    }

    /// Whether a wall stopped it along its heading last step.
    fn blocked(&self, vel: Velocity) -> bool {
        (self.heading.0 != 0 && vel.x == 0.0) || (self.heading.1 != 0 && vel.y == 0.0)
    }
}

/// -1, 0 or 1: the way along one axis toward a point `d` tiles off.
fn axis_sign(d: f32) -> i8 {
    if d > ALIGNED {
        1
    } else if d < -ALIGNED {
        -1
    } else {
        0
    }
}

/// The live approachers, by entity.
type Approachers<'w, 's> = Query<
    'w,
    's,
    (&'static mut Approach, &'static Position, &'static mut Velocity, &'static Steered, Option<&'static Live>),
>;

/// Steers each live [`Approach`] mover along its heading, picking a new one when its time is
/// up or a wall stopped it. Draws from the env's behaviour stream, movers in spawn order.
pub fn approach_player(mut movers: Approachers, mut table: ResMut<EnvTable>) {
    let EnvTable { entities, rng, players, .. } = &mut *table;
    for (e, entities) in entities.iter().enumerate() {
        for &entity in entities {
            let Ok((mut approach, pos, mut vel, steered, live)) = movers.get_mut(entity) else { continue };
            if live.is_some_and(|l| !l.0) {
                continue;
            }
            if approach.turn.tick() || approach.blocked(*vel) {
                approach.pick(*pos, players[e].pos, &mut rng[e]);
            }
            let (hx, hy) = approach.heading;
            *vel = accelerate(*vel, steered, (hx as f32, hy as f32));
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Approach>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::{Stream, seeds::stream};

    #[test]
    fn a_sure_chaser_heads_at_the_player_and_backs_off_when_near() {
        let mut rng = stream(1, Stream::Behaviour);
        let mut a = Approach::new(1.0, 2.0, (5, 5));
        a.pick(Position { x: 1.0, y: 1.0 }, Position { x: 6.0, y: 1.2 }, &mut rng);
        assert_eq!((a.heading, a.turn.left), ((1, 0), 5));
        a.pick(Position { x: 5.0, y: 2.0 }, Position { x: 6.0, y: 1.0 }, &mut rng);
        assert_eq!(a.heading, (-1, 1), "too near: away from the player");
    }

    #[test]
    fn a_stopped_axis_of_the_heading_counts_as_blocked() {
        let a = Approach { heading: (1, -1), ..Approach::new(0.5, 1.0, (1, 1)) };
        assert!(a.blocked(Velocity { x: 0.0, y: -0.1 }));
        assert!(!a.blocked(Velocity { x: 0.1, y: -0.1 }));
    }
}
