//! What part of a level an observation shows: the whole level fitted into a fixed world, or a
//! window following the player. Shared by the rgb and symbolic observations.

use ludica_procgen::Level;

use super::geometry::round_i32;
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
}

impl View {
    /// Side of the symbolic grid, in tiles.
    pub const fn grid_side(self) -> usize {
        match self {
            View::Fit { world } => world,
            View::Follow { tiles } => tiles,
        }
    }

    /// Pixels per tile in rgb observations.
    pub fn scale(self) -> f32 {
        OBS_SIDE as f32 / self.grid_side() as f32
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
        }
    }

    /// The top-left pixel of the rgb window: (0, 0) of the fitted frame, or a pixel of the
    /// level at the view's scale for a following view.
    pub fn window(self, level: &Level, player: &PlayerView) -> (i32, i32) {
        match self {
            View::Fit { .. } => (0, 0),
            View::Follow { .. } => {
                let (origin, scale) = (self.origin(level, player), self.scale());
                (round_i32(origin.0 * scale), round_i32(origin.1 * scale))
            }
        }
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
}
