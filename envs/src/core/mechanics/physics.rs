//! Platform physics for side-view games: the [`Platformer`] component and the systems that
//! turn each env's action into an input, move bodies with the integrator of
//! `ludica_procgen::physics` (the one generators' solvers use), and end episodes whose player
//! fell out of the bottom of the level.

use bevy_ecs::prelude::*;
use ludica_procgen::physics::{self, Input, Mover, Physics};

use crate::core::engine::components::{Body, EnvId, Player, Position, Velocity};
use crate::core::engine::table::{EnvTable, Outcome};
use crate::core::engine::state::StateRegistry;

/// A body moved by platform physics: its constants, this step's input and whether it stood
/// on solid ground after its last move. Needs [`Position`], [`Velocity`] and [`Body`].
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Platformer {
    /// Gravity, running and jumping constants.
    #[serde(with = "physics_preset")]
    pub physics: &'static Physics,
    /// What the controller asks for this step.
    pub input: Input,
    /// Whether the last move ended on solid ground (only then can it jump).
    pub grounded: bool,
}

impl Platformer {
    /// An airborne body under `physics`, with no input yet.
    pub const fn new(physics: &'static Physics) -> Platformer {
        Platformer { physics, input: Input::NONE, grounded: false }
    }
}

/// Serde of [`Platformer::physics`]: the constants by value, read back as the preset of this
/// build they equal, so that a snapshot never brings physics the games do not use.
mod physics_preset {
    use ludica_procgen::physics::{PLATFORMER, Physics};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    const PRESETS: [&Physics; 1] = [&PLATFORMER];

    pub fn serialize<S: Serializer>(physics: &&'static Physics, s: S) -> Result<S::Ok, S::Error> {
        physics.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static Physics, D::Error> {
        let physics = Physics::deserialize(d)?;
        PRESETS
            .into_iter()
            .find(|preset| **preset == physics)
            .ok_or_else(|| D::Error::custom(format!("platform physics {physics:?} match no preset of this build")))
    }
}

/// Each player's platform state, by env.
type PlayerControls<'w, 's> = Query<'w, 's, (&'static EnvId, &'static mut Platformer), With<Player>>;

/// Every platform body, its kinematics, and whether it is the player.
type PlatformBodies<'w, 's> = Query<
    'w,
    's,
    (&'static EnvId, &'static mut Position, &'static mut Velocity, &'static Body, &'static mut Platformer, Has<Player>),
>;

/// A system setting each player's input from its env's action, `inputs[action]` (the game's
/// action table; actions are checked against its length before a step).
pub fn apply_platform_input(inputs: &'static [Input]) -> impl FnMut(PlayerControls<'_, '_>, Res<'_, EnvTable>) {
    move |mut players, table| {
        for (env, mut platformer) in &mut players {
            platformer.input = inputs[table.actions[env.0 as usize] as usize];
        }
    }
}

/// Moves every platform body one step through its env's tiles, and publishes whether the
/// player stands on the ground.
pub fn move_platformers(mut bodies: PlatformBodies, mut table: ResMut<EnvTable>) {
    let table = &mut *table;
    for (env, mut pos, mut vel, body, mut platformer, is_player) in &mut bodies {
        let e = env.0 as usize;
        let mut mover = Mover {
            x: pos.x,
            y: pos.y,
            vx: vel.x,
            vy: vel.y,
            half_w: body.half_w,
            half_h: body.half_h,
            grounded: platformer.grounded,
        };
        physics::step(&table.levels[e], platformer.physics, &mut mover, platformer.input);
        *pos = Position { x: mover.x, y: mover.y };
        *vel = Velocity { x: mover.vx, y: mover.vy };
        platformer.grounded = mover.grounded;
        if is_player {
            table.players[e].grounded = mover.grounded;
        }
    }
}

/// Ends with failure the episodes whose player dropped wholly below the level's bottom row.
pub fn fall_out_of_level(mut table: ResMut<EnvTable>) {
    for e in 0..table.players.len() {
        let p = table.players[e];
        if p.pos.y - p.body.half_h >= table.levels[e].height as f32 {
            table.settle(e, Outcome::Failure);
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<Platformer>();
}
