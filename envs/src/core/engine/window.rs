//! The rgb window of a view following the player, composed straight from the level's tiles
//! and a few painted tile rows shared by every env of a theme ([`TileStrips`]): no env keeps
//! a painted copy of its level, so the memory a step reads stays in cache however many envs
//! a shard holds. Same pixels as painting the level whole and copying the window out of it.

use ludica_procgen::{Level, Tile};

use super::render::{Rgb, Style};
use super::view::OBS_SIDE;

/// Bytes of one pixel.
const PIXEL: usize = 3;

/// Every tile kind painted under one theme at `k` pixels a tile, one strip per pixel row of a
/// tile: that row repeated across a window's width and one tile more, so that a run of equal
/// tiles in a window row is one copy from a strip, starting at the run's column in its tile.
#[derive(Clone, Debug)]
pub struct TileStrips {
    /// Pixels a tile side.
    k: usize,
    /// Strip `tile * k + row` at `(tile * k + row) * STRIP_BYTES`.
    strips: Vec<u8>,
}

impl TileStrips {
    /// Paints every tile kind of `style` under `theme` at `k` pixels a tile, sampling each
    /// pixel at its centre (as `Background` paints whole levels).
    pub fn paint(style: &Style, theme: u8, k: usize) -> TileStrips {
        let strip_px = strip_pixels(k);
        let mut strips = Vec::with_capacity(Tile::ALL.len() * k * strip_px * PIXEL);
        for tile in Tile::ALL {
            for py in 0..k {
                let v = (py as f32 + 0.5) / k as f32;
                let row: Vec<Rgb> =
                    (0..k).map(|px| (style.tile)(tile, theme, (px as f32 + 0.5) / k as f32, v)).collect();
                strips.extend(row.iter().cycle().take(strip_px).flatten());
            }
        }
        TileStrips { k, strips }
    }

    /// Writes the `OBS_SIDE` square window of `level` whose top-left is level pixel `window`
    /// into `out`; pixels outside the level take `outside`.
    pub fn compose(&self, level: &Level, window: (i32, i32), outside: Rgb, out: &mut [u8]) {
        let (k, side) = (self.k as i32, OBS_SIDE as i32);
        let (level_w, level_h) = (level.width as i32 * k, level.height as i32 * k);
        let x_first = window.0.clamp(0, level_w);
        let x_last = (window.0 + side).clamp(x_first, level_w);
        let lead = (x_first - window.0).clamp(0, side) as usize * PIXEL;
        let inside = (x_last - x_first) as usize * PIXEL;
        for (oy, out_row) in out.chunks_exact_mut(OBS_SIDE * PIXEL).enumerate() {
            let y = window.1 + oy as i32;
            if inside == 0 || !(0..level_h).contains(&y) {
                fill(out_row, outside);
                continue;
            }
            let (left, rest) = out_row.split_at_mut(lead);
            let (middle, right) = rest.split_at_mut(inside);
            fill(left, outside);
            fill(right, outside);
            let (ty, row) = (y as usize / self.k, y as usize % self.k);
            let tiles = &level.tiles[ty * level.width..(ty + 1) * level.width];
            self.compose_row(tiles, row, x_first as usize, middle);
        }
    }

    /// Fills `out` with pixel row `row` (of a tile) of the tiles `tiles`, from level pixel
    /// `x` on: one copy per run of equal tiles.
    fn compose_row(&self, tiles: &[Tile], row: usize, mut x: usize, mut out: &mut [u8]) {
        let k = self.k;
        while !out.is_empty() {
            let tile = tiles[x / k];
            let run_px = out.len() / PIXEL;
            let mut end = (x / k + 1) * k;
            while end < x + run_px && tiles[end / k] == tile {
                end += k;
            }
            let n = (end - x).min(run_px) * PIXEL;
            let strip = self.strip(tile, row);
            let (run, rest) = out.split_at_mut(n);
            let from = x % k * PIXEL;
            run.copy_from_slice(&strip[from..from + n]);
            (out, x) = (rest, x + n / PIXEL);
        }
    }

    /// The strip of pixel row `row` of `tile`.
    fn strip(&self, tile: Tile, row: usize) -> &[u8] {
        let bytes = strip_pixels(self.k) * PIXEL;
        let at = (tile as usize * self.k + row) * bytes;
        &self.strips[at..at + bytes]
    }
}

/// Pixels of a strip: a window's width and one tile more, so that a window row starting at
/// any column of a tile fits.
fn strip_pixels(k: usize) -> usize {
    OBS_SIDE + k
}

/// Fills `out` with pixels of colour `colour`.
fn fill(out: &mut [u8], colour: Rgb) {
    out.chunks_exact_mut(PIXEL).for_each(|p| p.copy_from_slice(&colour));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::render::{Background, RGB_LEN, Sprite};
    use ludica_procgen::{Difficulty, SpawnKind};

    fn checker(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
        [tile as u8 * 80, (u * 255.0) as u8, (v * 255.0) as u8 + theme]
    }

    fn no_sprite(_: SpawnKind, _: u8) -> Sprite {
        unreachable!("no sprites are drawn")
    }

    /// The window cut out of the whole level painted pixel by pixel, `outside` beyond it.
    fn cut(whole: &Background, window: (i32, i32), outside: Rgb) -> Vec<u8> {
        let pixels = whole.clone().into_pixels();
        let mut out = Vec::with_capacity(RGB_LEN);
        for y in window.1..window.1 + OBS_SIDE as i32 {
            for x in window.0..window.0 + OBS_SIDE as i32 {
                let inside = (0..whole.width() as i32).contains(&x) && (0..whole.height() as i32).contains(&y);
                let at = (y as usize * whole.width()).wrapping_add(x as usize) * PIXEL;
                out.extend_from_slice(if inside { &pixels[at..at + PIXEL] } else { &outside });
            }
        }
        out
    }

    #[test]
    fn windows_match_the_whole_painted_level() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 70, 30, Tile::Empty);
        let changed = [(0, 0, Tile::Wall), (3, 5, Tile::Lava), (4, 5, Tile::Lava), (40, 20, Tile::Dirt)];
        for (x, y, tile) in changed.into_iter().chain([(69, 29, Tile::Wall), (17, 0, Tile::BlueDoor)]) {
            level.set(x, y, tile);
        }
        let style = Style { themes: 2, tile: checker, sprite: no_sprite };
        let mut whole = Background::default();
        whole.paint_area(&level, (0.0, 0.0), 4.0, (280, 120), &style, 1);
        let strips = TileStrips::paint(&style, 1, 4);
        // Windows at tile edges and inside tiles, at the level's ends and beyond them.
        for window in [(0, 0), (1, 0), (37, 3), (90, 30), (150, 56), (216, 56), (5, 2), (-8, -4), (230, 60), (-70, 0)] {
            let mut out = vec![0u8; RGB_LEN];
            strips.compose(&level, window, [7, 8, 9], &mut out);
            assert!(out == cut(&whole, window, [7, 8, 9]), "window at {window:?}");
        }
    }

    #[test]
    fn a_level_narrower_than_the_window_is_framed_by_outside_pixels() {
        let level = Level::filled("t", 0, Difficulty::MIN, 5, 3, Tile::Wall);
        let style = Style { themes: 1, tile: checker, sprite: no_sprite };
        let mut whole = Background::default();
        whole.paint_area(&level, (0.0, 0.0), 8.0, (40, 24), &style, 0);
        let strips = TileStrips::paint(&style, 0, 8);
        let mut out = vec![0u8; RGB_LEN];
        strips.compose(&level, (-12, -20), [1, 2, 3], &mut out);
        assert!(out == cut(&whole, (-12, -20), [1, 2, 3]));
    }
}
