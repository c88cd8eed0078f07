//! What part of a level an observation shows: the whole level fitted into a fixed world, a
//! window following the player, or (the `local` view mode) a small window centred on the
//! player with the rest of the level unseen. Shared by the rgb and symbolic observations.

use std::fmt;
use std::str::FromStr;

use ludica_procgen::Level;

use super::geometry::{floor_i32, round_i32};
use super::table::PlayerView;

/// Side of an rgb observation, in pixels.
pub const OBS_SIDE: usize = 64;

/// How a game frames its levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// The whole level, centred in a `world` x `world` tile area padded with walls (levels of
    /// several sizes then share one frame, as in Procgen's maze).
    Fit {
        /// Side of the world, in tiles; at least the largest level's side.
        world: usize,
    },
    /// A `tiles` x `tiles` window centred on the player, clamped to the level's edges.
    /// `tiles` must divide [`OBS_SIDE`], so each tile is a whole number of pixels.
    Follow {
        /// Side of the window, in tiles.
        tiles: usize,
    },
    /// The `local` view mode: a `tiles` x `tiles` window centred on the player, never clamped
    /// (beyond the level's edges is [`OUTSIDE_RGB`] / [`OUTSIDE_ID`]), scaled to fill the rgb
    /// frame. The symbolic grid keeps the game's side `grid`, centred on the player's tile;
    /// its cells beyond the window are [`OUTSIDE_ID`]. `tiles` must divide [`OBS_SIDE`].
    Local {
        /// Side of the window, in tiles.
        tiles: usize,
        /// Side of the symbolic grid, in tiles (the game's full view's).
        grid: usize,
    },
}

/// Colour of what lies beyond the level's edges in a `local` rgb frame.
pub const OUTSIDE_RGB: [u8; 3] = [0, 0, 0];

/// Symbolic id of a cell a `local` view does not see (beyond the window or the level): one
/// below the entity ids, above every tile id.
pub const OUTSIDE_ID: u8 = super::symbolic::ENTITY_ID_BASE - 1;
const _: () = assert!((ludica_procgen::Tile::ALL.len() as u8) < OUTSIDE_ID, "OUTSIDE_ID must not be a tile id");

/// Which part of the level observations show: all that the game frames (its [`View`]), or a
/// window around the player only (Procgen's memory modes hide the world the same way).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ViewMode {
    /// The game's own view (the whole level, or its following window).
    #[default]
    Full,
    /// A window of [`GameDef::local_view`](super::game::GameDef::local_view) tiles centred on
    /// the player; the rest of the level is unseen.
    Local,
}

/// A view mode name that is not one.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("view '{0}' is not allowed: use full or local")]
pub struct BadViewMode(pub String);

impl FromStr for ViewMode {
    type Err = BadViewMode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "full" => Ok(ViewMode::Full),
            "local" => Ok(ViewMode::Local),
            _ => Err(BadViewMode(s.to_string())),
        }
    }
}

/// Read through [`FromStr`], so that config files and flags refuse a bad name alike.
impl<'de> serde::Deserialize<'de> for ViewMode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for ViewMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ViewMode::Full => "full",
            ViewMode::Local => "local",
        })
    }
}

impl View {
    /// Side of the symbolic grid, in tiles.
    pub const fn grid_side(self) -> usize {
        match self {
            View::Fit { world } => world,
            View::Follow { tiles } => tiles,
            View::Local { grid, .. } => grid,
        }
    }

    /// Pixels per tile in rgb observations.
    pub fn scale(self) -> f32 {
        let across = match self {
            View::Fit { world } => world,
            View::Follow { tiles } | View::Local { tiles, .. } => tiles,
        };
        OBS_SIDE as f32 / across as f32
    }

    /// The world position (in tiles) shown at the view's top-left corner.
    pub fn origin(self, level: &Level, player: &PlayerView) -> (f32, f32) {
        match self {
            View::Fit { world } => (-fit_margin(world, level.width), -fit_margin(world, level.height)),
            View::Follow { tiles } => {
                let t = tiles as f32;
                let axis = |centre: f32, extent: usize| {
                    let extent = extent as f32;
                    if extent <= t { (extent - t) / 2.0 } else { (centre - t / 2.0).clamp(0.0, extent - t) }
                };
                (axis(player.pos.x, level.width), axis(player.pos.y, level.height))
            }
            View::Local { tiles, .. } => {
                let half = tiles as f32 / 2.0;
                (player.pos.x - half, player.pos.y - half)
            }
        }
    }

    /// The top-left pixel of the rgb window: (0, 0) of the fitted frame, or a pixel of the
    /// level at the view's scale for a following view.
    pub fn window(self, level: &Level, player: &PlayerView) -> (i32, i32) {
        match self {
            View::Fit { .. } => (0, 0),
            View::Follow { .. } | View::Local { .. } => {
                let (origin, scale) = (self.origin(level, player), self.scale());
                (round_i32(origin.0 * scale), round_i32(origin.1 * scale))
            }
        }
    }

    /// The world tile at the symbolic grid's top-left cell: the view's origin rounded, or for
    /// a local view the player's tile less half the grid (so the player sits at its centre).
    pub fn grid_corner(self, level: &Level, player: &PlayerView) -> (i32, i32) {
        match self {
            View::Local { grid, .. } => {
                let half = (grid / 2) as i32;
                (floor_i32(player.pos.x) - half, floor_i32(player.pos.y) - half)
            }
            _ => {
                let origin = self.origin(level, player);
                (round_i32(origin.0), round_i32(origin.1))
            }
        }
    }

    /// For a local view, the tiles its rgb frame shows any part of, as inclusive ranges of
    /// columns and rows; `None` for the other views, which hide nothing of what they frame.
    pub fn seen_tiles(self, level: &Level, player: &PlayerView) -> Option<([i32; 2], [i32; 2])> {
        let View::Local { .. } = self else { return None };
        let k = self.scale() as i32;
        let (x0, y0) = self.window(level, player);
        let span = |start: i32| [start.div_euclid(k), (start + OBS_SIDE as i32 - 1).div_euclid(k)];
        Some((span(x0), span(y0)))
    }
}

/// Whole tiles of padding before a level of `extent` tiles centred in `world` tiles.
fn fit_margin(world: usize, extent: usize) -> f32 {
    (world.saturating_sub(extent) / 2) as f32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::components::Position;
    use ludica_procgen::{Difficulty, Tile};

    fn player_at(x: f32, y: f32) -> PlayerView {
        PlayerView { pos: Position { x, y }, ..PlayerView::default() }
    }

    #[test]
    fn fit_centres_small_levels() {
        let level = Level::filled("t", 0, Difficulty::MIN, 5, 5, Tile::Empty);
        assert_eq!(View::Fit { world: 25 }.origin(&level, &player_at(1.0, 1.0)), (-10.0, -10.0));
    }

    #[test]
    fn follow_clamps_to_the_level() {
        let level = Level::filled("t", 0, Difficulty::MIN, 40, 16, Tile::Empty);
        let view = View::Follow { tiles: 16 };
        assert_eq!(view.origin(&level, &player_at(1.0, 8.0)), (0.0, 0.0));
        assert_eq!(view.origin(&level, &player_at(20.0, 8.0)), (12.0, 0.0));
        assert_eq!(view.origin(&level, &player_at(39.0, 8.0)), (24.0, 0.0));
    }

    #[test]
    fn local_centres_on_the_player_unclamped() {
        let level = Level::filled("t", 0, Difficulty::MIN, 40, 16, Tile::Empty);
        let view = View::Local { tiles: 8, grid: 16 };
        let corner = player_at(0.5, 0.5);
        assert_eq!(view.origin(&level, &corner), (-3.5, -3.5), "not clamped to the level");
        assert_eq!(view.window(&level, &corner), (-28, -28));
        assert_eq!(view.seen_tiles(&level, &corner), Some(([-4, 4], [-4, 4])), "the agent's tile and 4 a side");
        assert_eq!(view.grid_corner(&level, &corner), (-8, -8), "the agent's tile at the grid's centre");
        assert_eq!(view.grid_side(), 16);
        assert_eq!(view.scale(), 8.0);
        assert_eq!(View::Follow { tiles: 16 }.seen_tiles(&level, &corner), None);
    }

    #[test]
    fn view_modes_parse_and_print() {
        for mode in [ViewMode::Full, ViewMode::Local] {
            assert_eq!(mode.to_string().parse::<ViewMode>(), Ok(mode));
        }
        assert_eq!(ViewMode::default(), ViewMode::Full);
        let err = "partial".parse::<ViewMode>().unwrap_err().to_string();
        assert_eq!(err, "view 'partial' is not allowed: use full or local");
    }
}
