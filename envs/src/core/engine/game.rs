//! What a game is to the engine: a `GameDef` of plain data and functions (actions, view, look,
//! generator, spawning, systems), plus the observation kinds.

use std::fmt;
use std::str::FromStr;

use bevy_ecs::schedule::Schedule;
use ludica_procgen::{Difficulty, Level, SpawnKind, Tile};

use super::render::{RGB_LEN, Style};
use super::spawner::Spawner;
use super::state::StateRegistry;
use super::symbolic::{Scalar, symbolic_len};
use super::view::{OBS_SIDE, View, ViewMode};

/// A game, as the registry lists it. Games are `const` values; see `games/maze.rs`.
pub struct GameDef {
    /// Name used on the CLI, in level files and in Python ids.
    pub name: &'static str,
    /// One line saying what the player must do.
    pub summary: &'static str,
    /// Names of the discrete actions, in id order.
    pub actions: &'static [&'static str],
    /// Steps after which an episode is truncated.
    pub max_steps: u32,
    /// Reward on reaching the goal.
    pub success_reward: f32,
    /// How observations frame the level.
    pub view: View,
    /// Side, in tiles, of the window centred on the player that the `local` view mode shows
    /// (scaled to fill the 64 x 64 frame, so it divides 64). Each card documents it.
    pub local_view: usize,
    /// Scalars appended to symbolic observations.
    pub scalars: &'static [Scalar],
    /// The tiles its levels may hold; level files with others are refused.
    pub tiles: &'static [Tile],
    /// The entity kinds its levels may spawn; level files with others are refused.
    pub kinds: &'static [SpawnKind],
    /// How tiles and entities look.
    pub style: Style,
    /// The level of a seed at a difficulty.
    pub generate: fn(u64, Difficulty) -> Level,
    /// Checks a level's guarantees (used on generated levels in tests and on loaded files).
    pub check: fn(&Level) -> Result<(), String>,
    /// Spawns one env's entities for a level.
    pub spawn: fn(&Level, &mut Spawner),
    /// Adds the game's systems, in order, to a shard's schedule.
    pub systems: fn(&mut Schedule),
    /// Registers the game's own components for save_state/load_state.
    pub saved_components: fn(&mut StateRegistry),
    /// The most an episode of a level can return (the top of normalized scores).
    pub max_return: MaxReturn,
}

/// The most one episode of a level can return, and how that is known: the upper end of a
/// normalized score (`ludica calibrate` averages it over levels).
#[derive(Clone, Copy)]
pub struct MaxReturn {
    /// The bound for one level.
    pub of: fn(&Level) -> f32,
    /// Where the bound comes from.
    pub source: MaxSource,
    /// The bound in words, for the game's card (what pays, and what proves it reachable).
    pub rule: &'static str,
}

/// Where a game's [`MaxReturn`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MaxSource {
    /// The generator's own solution (its checker's search or tour) earns it in every level.
    Solver,
    /// Every reward the level holds, as the game documents it: an upper bound that no checker
    /// proves reachable.
    Documented,
}

impl fmt::Display for MaxSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MaxSource::Solver => "solver",
            MaxSource::Documented => "documented",
        })
    }
}

impl GameDef {
    /// The id of the action called `name`, for code and tests that name actions instead of
    /// numbering them: `const FIRE: u8 = GAME.action("fire");` fails to compile when the game
    /// has no such action.
    ///
    /// # Panics
    /// When the game has no action of that name (at compile time in a `const`).
    pub const fn action(&self, name: &str) -> u8 {
        let mut id = 0;
        while id < self.actions.len() {
            if same_bytes(self.actions[id].as_bytes(), name.as_bytes()) {
                return id as u8;
            }
            id += 1;
        }
        panic!("the game has no action of that name: see its `actions`")
    }

    /// How observations frame the level in view mode `mode`: the game's own view, or a
    /// [`View::Local`] window of [`local_view`](Self::local_view) tiles whose symbolic grid
    /// keeps the full view's side (observation shapes do not depend on the mode).
    pub const fn view_for(&self, mode: ViewMode) -> View {
        match mode {
            ViewMode::Full => self.view,
            ViewMode::Local => View::Local { tiles: self.local_view, grid: self.view.grid_side() },
        }
    }

    /// Shape of one observation of `obs`: rgb is [64, 64, 3] (HWC), symbolic is [len].
    pub fn obs_shape(&self, obs: ObsKind) -> Vec<usize> {
        match obs {
            ObsKind::Rgb => vec![OBS_SIDE, OBS_SIDE, 3],
            ObsKind::Symbolic => vec![self.obs_len(obs)],
        }
    }

    /// Bytes of one observation of `obs`.
    pub fn obs_len(&self, obs: ObsKind) -> usize {
        match obs {
            ObsKind::Rgb => RGB_LEN,
            ObsKind::Symbolic => symbolic_len(self.view, self.scalars),
        }
    }

    /// The level of `seed` at `difficulty`.
    pub fn level(&self, seed: u64, difficulty: Difficulty) -> Level {
        (self.generate)(seed, difficulty)
    }

    /// Checks a level from outside (a file): it must be for this game and keep its guarantees.
    pub fn accept(&self, level: &Level) -> Result<(), String> {
        if level.game != self.name {
            return Err(format!("level is for game '{}', not '{}'", level.game, self.name));
        }
        if level.seed >= crate::SEED_LIMIT {
            return Err(format!("level seed {} is out of range: level seeds are below 2^63", level.seed));
        }
        let names =
            |chars: &mut dyn Iterator<Item = char>| chars.map(|c| format!("'{c}'")).collect::<Vec<_>>().join(", ");
        if let Some(tile) = level.tiles.iter().find(|t| !self.tiles.contains(t)) {
            let allowed = names(&mut self.tiles.iter().map(|t| t.to_char()));
            return Err(format!("{} levels have no tile '{}': allowed are {allowed}", self.name, tile.to_char()));
        }
        if let Some(spawn) = level.spawns.iter().find(|s| !self.kinds.contains(&s.kind)) {
            let allowed = self.kinds.iter().map(|k| format!("{k:?}").to_lowercase()).collect::<Vec<_>>().join(", ");
            return Err(format!("{} levels have no {:?} spawns: allowed are {allowed}", self.name, spawn.kind));
        }
        (self.check)(level).map_err(|e| format!("level seed {} is not playable: {e}", level.seed))
    }
}

/// Byte equality usable in a `const fn` (where `==` on slices is not).
const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl fmt::Debug for GameDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GameDef").field("name", &self.name).finish_non_exhaustive()
    }
}

/// The observation an env writes each step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObsKind {
    /// 64 x 64 x 3 bytes of picture.
    #[default]
    Rgb,
    /// A grid of tile and entity ids plus scalars, one byte each.
    Symbolic,
}

/// An observation kind name that is not one.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("observation '{0}' is not allowed: use rgb or symbolic")]
pub struct BadObsKind(pub String);

impl FromStr for ObsKind {
    type Err = BadObsKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "rgb" => Ok(ObsKind::Rgb),
            "symbolic" => Ok(ObsKind::Symbolic),
            _ => Err(BadObsKind(s.to_string())),
        }
    }
}

impl fmt::Display for ObsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObsKind::Rgb => "rgb",
            ObsKind::Symbolic => "symbolic",
        })
    }
}
