//! `EnvTable`: the per-env dense data of one shard (actions in, outcomes out, current level,
//! behaviour RNG, the player's body, the env's entities in spawn order), indexed by env id,
//! and `record_players`, the system that keeps the players' bodies in it current.

use bevy_ecs::entity::Entity;
use bevy_ecs::prelude::{Query, ResMut, With};
use bevy_ecs::resource::Resource;
use ludica_procgen::{Level, Rng, Tile};

use super::components::{Body, EnvId, Player, Position, Status, Velocity};

/// How an env's episode stands after a step. Ordered: when two things happen in one step,
/// the larger wins (a death on the goal is a death), whatever order systems saw them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Outcome {
    /// Still playing.
    #[default]
    Running,
    /// Reached the goal: terminated with success.
    Success,
    /// Died: terminated without success.
    Failure,
}

/// The player's body as systems of other entities see it, refreshed each step.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlayerView {
    /// Centre, in tiles.
    pub pos: Position,
    /// Velocity, in tiles per step.
    pub vel: Velocity,
    /// Half extents.
    pub body: Body,
    /// Whether the player stands on solid ground (platform games).
    pub grounded: bool,
    /// Game state bytes a game's systems keep for its symbolic scalars
    /// ([`super::symbolic::Scalar::Status`]): keys held, power time left and the like.
    pub status: [u8; 4],
}

impl Default for PlayerView {
    fn default() -> Self {
        PlayerView {
            pos: Position::default(),
            vel: Velocity::default(),
            body: Body::square(0.0),
            grounded: false,
            status: [0; 4],
        }
    }
}

/// Dense per-env data of a shard. Index = [`super::components::EnvId`].
#[derive(Resource)]
pub struct EnvTable {
    /// This step's action per env.
    pub actions: Vec<u8>,
    /// This step's outcome per env, reset to Running before each step.
    pub outcome: Vec<Outcome>,
    /// Reward earned this step beyond the game's success reward (pickups and the like).
    pub bonus: Vec<f32>,
    /// The level each env is playing.
    pub levels: Vec<Level>,
    /// Each env's behaviour stream, reseeded from the level seed at reset.
    pub rng: Vec<Rng>,
    /// Each env's player, as of the last movement.
    pub players: Vec<PlayerView>,
    /// Each env's entities, in spawn order.
    pub entities: Vec<Vec<Entity>>,
    /// Tiles changed this step (by [`EnvTable::set_tile`]), per env, for the shard to redraw.
    pub changed_tiles: Vec<Vec<(u16, u16)>>,
}

impl EnvTable {
    /// A table for `n` envs, each holding `placeholder` until its first reset.
    pub fn new(n: usize, placeholder: &Level) -> EnvTable {
        EnvTable {
            actions: vec![0; n],
            outcome: vec![Outcome::Running; n],
            bonus: vec![0.0; n],
            levels: vec![placeholder.clone(); n],
            rng: (0..n).map(|_| ludica_procgen::seeds::stream(0, ludica_procgen::Stream::Behaviour)).collect(),
            players: vec![PlayerView::default(); n],
            entities: vec![Vec::new(); n],
            changed_tiles: vec![Vec::new(); n],
        }
    }

    /// Changes tile (`x`, `y`) of env `env`'s level (dug dirt, an opened door, a fallen
    /// boulder); the shard redraws it in that env's observations. Outside the grid: ignored.
    pub fn set_tile(&mut self, env: usize, x: i32, y: i32, tile: Tile) {
        let level = &mut self.levels[env];
        if x < 0 || y < 0 || x as usize >= level.width || y as usize >= level.height {
            return;
        }
        if level.tile(x, y) != tile {
            level.set(x as usize, y as usize, tile);
            self.changed_tiles[env].push((x as u16, y as u16));
        }
    }

    /// Records an outcome for `env`, keeping the more severe of this and any earlier one.
    pub fn settle(&mut self, env: usize, outcome: Outcome) {
        self.outcome[env] = self.outcome[env].max(outcome);
    }
}

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
