//! Falling tiles: the one rule set for boulders and gems that drop through a grid, used by the
//! games (through their tile setter) and by generators (to settle a level before play and to
//! prove it at rest).
//!
//! Each step the grid is scanned bottom-up, left to right, in place: a falling tile
//! ([`falls`]) drops one cell when the cell below is free; resting on another round tile it
//! rolls one cell sideways (left first, then right) when that side and the cell below it are
//! both free. A tile moves at most once per step, so a stack falls together. Cells occupied by
//! the player or held (an exit) are not free. Only a tile that moved on the previous step
//! (it is falling) crushes a player below it; a tile resting on the player's head stays put.

use crate::{Level, Tile};

/// Whether `tile` falls when unsupported.
pub const fn falls(tile: Tile) -> bool {
    matches!(tile, Tile::Boulder | Tile::Gem)
}

/// A grid the rules move tiles in: a level, or a game's copy of one whose changes must be
/// redrawn.
pub trait Grid {
    /// Width and height, in tiles.
    fn size(&self) -> (usize, usize);
    /// The tile at (`x`, `y`); outside the grid is wall.
    fn tile(&self, x: i32, y: i32) -> Tile;
    /// Changes the tile at (`x`, `y`), inside the grid.
    fn set_tile(&mut self, x: i32, y: i32, tile: Tile);
}

impl Grid for Level {
    fn size(&self) -> (usize, usize) {
        (self.width, self.height)
    }

    fn tile(&self, x: i32, y: i32) -> Tile {
        Level::tile(self, x, y)
    }

    fn set_tile(&mut self, x: i32, y: i32, tile: Tile) {
        self.set(x as usize, y as usize, tile);
    }
}

/// Which cells hold a tile that moved on the last step (a falling tile), as a bit set, and
/// the cells nothing may fall into besides the player's (an exit).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Motion {
    width: usize,
    moved_last: Vec<u64>,
    moving_now: Vec<u64>,
    held: Vec<(i32, i32)>,
}

impl Motion {
    /// Nothing moving in a `width` x `height` grid; tiles never enter the `held` cells.
    pub fn new(width: usize, height: usize, held: &[(i32, i32)]) -> Motion {
        let words = (width * height).div_ceil(64);
        Motion { width, moved_last: vec![0; words], moving_now: vec![0; words], held: held.to_vec() }
    }

    fn bit(&self, x: i32, y: i32) -> usize {
        y as usize * self.width + x as usize
    }

    /// Whether the tile at (`x`, `y`) moved on the last step, so is falling.
    pub fn is_falling(&self, x: i32, y: i32) -> bool {
        let b = self.bit(x, y);
        self.moved_last[b / 64] >> (b % 64) & 1 == 1
    }

    /// Whether (`x`, `y`) is a held cell, which nothing falls or is pushed into.
    pub fn holds(&self, x: i32, y: i32) -> bool {
        self.held.contains(&(x, y))
    }

    fn moved_now(&self, x: i32, y: i32) -> bool {
        let b = self.bit(x, y);
        self.moving_now[b / 64] >> (b % 64) & 1 == 1
    }

    fn mark(&mut self, x: i32, y: i32) {
        let b = self.bit(x, y);
        self.moving_now[b / 64] |= 1 << (b % 64);
    }

    /// Whether a tile may move into (`x`, `y`): empty, not held and not the player's cell.
    fn free(&self, grid: &impl Grid, x: i32, y: i32, player: (i32, i32)) -> bool {
        grid.tile(x, y) == Tile::Empty && (x, y) != player && !self.holds(x, y)
    }
}

/// What a step of falling did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fall {
    /// How many tiles moved.
    pub moved: usize,
    /// Whether a falling tile came down on the player's cell.
    pub crushed: bool,
}

/// Moves every falling tile of `grid` one step (see the module doc); `player` is the player's
/// cell. Allocates nothing.
pub fn fall_step(grid: &mut impl Grid, motion: &mut Motion, player: (i32, i32)) -> Fall {
    let (w, h) = grid.size();
    let mut fall = Fall::default();
    motion.moving_now.fill(0);
    for y in (0..h as i32).rev() {
        for x in 0..w as i32 {
            let tile = grid.tile(x, y);
            if !falls(tile) || motion.moved_now(x, y) {
                continue;
            }
            let to = if motion.free(grid, x, y + 1, player) {
                Some((x, y + 1))
            } else if (x, y + 1) == player {
                fall.crushed |= motion.is_falling(x, y);
                None
            } else if falls(grid.tile(x, y + 1)) {
                [-1, 1]
                    .into_iter()
                    .map(|dx| (x + dx, y))
                    .find(|&(sx, sy)| motion.free(grid, sx, sy, player) && motion.free(grid, sx, sy + 1, player))
            } else {
                None
            };
            if let Some((tx, ty)) = to {
                grid.set_tile(x, y, Tile::Empty);
                grid.set_tile(tx, ty, tile);
                motion.mark(tx, ty);
                fall.moved += 1;
            }
        }
    }
    std::mem::swap(&mut motion.moved_last, &mut motion.moving_now);
    fall
}

/// Lets `level`'s tiles fall until nothing moves, the player standing at `player` and
/// nothing entering `held`; returns the steps it took (at most `max_steps`).
pub fn settle(level: &mut Level, player: (i32, i32), held: &[(i32, i32)], max_steps: usize) -> usize {
    let mut motion = Motion::new(level.width, level.height, held);
    (0..max_steps).find(|_| fall_step(level, &mut motion, player).moved == 0).unwrap_or(max_steps)
}

/// Whether nothing in `level` would move on a first step with the player at `player`.
pub fn at_rest(level: &Level, player: (i32, i32), held: &[(i32, i32)]) -> bool {
    let mut copy = level.clone();
    fall_step(&mut copy, &mut Motion::new(level.width, level.height, held), player).moved == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Difficulty;

    /// A grid from rows of tile characters.
    fn grid(rows: &[&str]) -> Level {
        let mut level = Level::filled("t", 0, Difficulty::MIN, rows[0].len(), rows.len(), Tile::Empty);
        for (y, row) in rows.iter().enumerate() {
            for (x, c) in row.chars().enumerate() {
                level.set(x, y, Tile::from_char(c).expect("a tile character"));
            }
        }
        level
    }

    fn rows(level: &Level) -> Vec<String> {
        level.to_ascii().lines().map(str::to_string).collect()
    }

    const AWAY: (i32, i32) = (-5, -5);

    #[test]
    fn a_stack_falls_together_one_cell_per_step() {
        let mut level = grid(&["O", "*", ".", ".", "#"]);
        let mut motion = Motion::new(1, 5, &[]);
        assert_eq!(fall_step(&mut level, &mut motion, AWAY).moved, 2);
        assert_eq!(rows(&level), [".", "O", "*", ".", "#"]);
        assert!(motion.is_falling(0, 2) && motion.is_falling(0, 1));
        fall_step(&mut level, &mut motion, AWAY);
        assert_eq!(fall_step(&mut level, &mut motion, AWAY).moved, 0, "landed on the wall");
        assert_eq!(rows(&level), [".", ".", "O", "*", "#"]);
        assert!(!motion.is_falling(0, 3));
    }

    #[test]
    fn round_tiles_roll_off_round_tiles_but_not_off_walls_or_dirt() {
        let mut level = grid(&[".O.", ".O.", "###"]);
        fall_step(&mut level, &mut Motion::new(3, 3, &[]), AWAY);
        assert_eq!(rows(&level), ["O..", ".O.", "###"], "rolls left first");
        let mut on_dirt = grid(&[".O.", ".%.", "###"]);
        assert_eq!(fall_step(&mut on_dirt, &mut Motion::new(3, 3, &[]), AWAY).moved, 0);
        let mut blocked_left = grid(&[".O.", "#O.", "###"]);
        fall_step(&mut blocked_left, &mut Motion::new(3, 3, &[]), AWAY);
        assert_eq!(rows(&blocked_left), ["..O", "#O.", "###"], "then right");
    }

    #[test]
    fn only_a_falling_tile_crushes_and_the_player_and_held_cells_stop_tiles() {
        let mut resting = grid(&["O", ".", "#"]);
        let fall = fall_step(&mut resting, &mut Motion::new(1, 3, &[]), (0, 1));
        assert_eq!(fall, Fall { moved: 0, crushed: false }, "a boulder resting on the player's head");
        let mut falling = grid(&["O", ".", ".", "#"]);
        let mut motion = Motion::new(1, 4, &[]);
        assert!(!fall_step(&mut falling, &mut motion, (0, 2)).crushed, "it starts to fall");
        assert!(fall_step(&mut falling, &mut motion, (0, 2)).crushed, "and lands on the player");
        let mut held = grid(&["*", ".", "#"]);
        assert_eq!(fall_step(&mut held, &mut Motion::new(1, 3, &[(0, 1)]), AWAY).moved, 0);
    }

    #[test]
    fn settling_ends_at_rest() {
        let mut level = grid(&["OO*O", "O..*", "....", "#%##"]);
        assert!(!at_rest(&level, AWAY, &[]));
        let steps = settle(&mut level, AWAY, &[], 100);
        assert!(steps > 0 && steps < 100);
        assert!(at_rest(&level, AWAY, &[]));
        assert_eq!(level.tiles.iter().filter(|&&t| falls(t)).count(), 6, "nothing is lost");
    }
}
