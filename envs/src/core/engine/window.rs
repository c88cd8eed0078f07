//! The rgb window of a view following the player, composed straight from the level's tiles
//! and a few painted tile rows shared by every env of a theme ([`TileStrips`]): no env keeps
//! a painted copy of its level, so the memory a step reads stays in cache however many envs
//! a shard holds. Same pixels as painting the level whole and copying the window out of it.

use std::ops::Range;

use ludica_procgen::{Level, Tile};

use super::render::{Rgb, Style};
use super::view::OBS_SIDE;

/// Bytes of one pixel.
const PIXEL: usize = 3;
const _: () = assert!(OBS_SIDE.is_power_of_two(), "so every tile side is one too");
/// Bytes of one window row.
const ROW_BYTES: usize = OBS_SIDE * PIXEL;
/// Runs of equal tiles in a window row, at most: one a pixel.
const MAX_RUNS: usize = OBS_SIDE;

/// A run of equal tiles in a window row: the tile, the byte of its strip the run starts at
/// (the run's first column inside its first tile), and its length in bytes.
#[derive(Clone, Copy, Default)]
struct Run {
    tile: Tile,
    from: u16,
    bytes: u16,
}

/// Where the level lies across a window row: bytes before it, bytes of it, and the colour of
/// the pixels beside it.
struct Span {
    lead: usize,
    inside: usize,
    outside: Rgb,
}

/// Every tile kind painted under one theme at `k` pixels a tile, one strip per pixel row of a
/// tile: that row repeated across a window's width and one tile more, so that a run of equal
/// tiles in a window row is one copy from a strip, starting at the run's column in its tile.
#[derive(Clone, Debug)]
pub struct TileStrips {
    /// Pixels a tile side, and its base-2 logarithm.
    k: usize,
    shift: u32,
    /// Strip `tile * k + row` at `(tile * k + row) * STRIP_BYTES`.
    strips: Vec<u8>,
}

impl TileStrips {
    /// Paints every tile kind of `style` under `theme` at `k` pixels a tile, sampling each
    /// pixel at its centre (as `Background` paints whole levels).
    pub fn paint(style: &Style, theme: u8, k: usize) -> TileStrips {
        assert!(OBS_SIDE.is_multiple_of(k), "a tile side divides the window's, got {k} pixels");
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
        TileStrips { k, shift: k.trailing_zeros(), strips }
    }

    /// Writes the `OBS_SIDE` square window of `level` whose top-left is level pixel `window`
    /// into `out`; pixels outside the level take `outside`.
    pub fn compose(&self, level: &Level, window: (i32, i32), outside: Rgb, out: &mut [u8]) {
        let (k, side) = (self.k as i32, OBS_SIDE as i32);
        let (level_w, level_h) = (level.width as i32 * k, level.height as i32 * k);
        let x_first = window.0.clamp(0, level_w);
        let x_last = (window.0 + side).clamp(x_first, level_w);
        let span = Span {
            lead: (x_first - window.0).clamp(0, side) as usize * PIXEL,
            inside: (x_last - x_first) as usize * PIXEL,
            outside,
        };
        let (out_rows, _) = out.as_chunks_mut::<ROW_BYTES>();
        let mut runs = [Run::default(); MAX_RUNS];
        let mut oy = 0;
        // A band at a time: the window rows of one tile row, which share its runs of tiles.
        while oy < OBS_SIDE {
            let y = window.1 + oy as i32;
            if span.inside == 0 || !(0..level_h).contains(&y) {
                fill(&mut out_rows[oy], outside);
                oy += 1;
                continue;
            }
            let (tile_row, first_row) = self.split(y as usize);
            let band = (self.k - first_row).min(OBS_SIDE - oy);
            let tiles = &level.tiles[tile_row * level.width..(tile_row + 1) * level.width];
            let count = self.find_runs(tiles, x_first as usize..x_last as usize, &mut runs);
            let rows = (first_row..).zip(&mut out_rows[oy..oy + band]);
            if let [run] = runs[..count]
                && run.bytes as usize == ROW_BYTES
            {
                // The whole width is one tile kind (open space, mostly): a fixed-size copy a row.
                let from = run.from as usize;
                for (row, out_row) in rows {
                    let strip = &self.strip(run.tile, row)[from..];
                    *out_row = *strip.first_chunk().expect("a strip holds a window row from any column of a tile");
                }
            } else {
                rows.for_each(|(row, out_row)| self.compose_row(&runs[..count], row, &span, out_row));
            }
            oy += band;
        }
    }

    /// Writes pixel row `row` (of a tile) of `runs` into `out`, framed as `span` says.
    fn compose_row(&self, runs: &[Run], row: usize, span: &Span, out: &mut [u8; ROW_BYTES]) {
        let (left, rest) = out.split_at_mut(span.lead);
        let (mut middle, right) = rest.split_at_mut(span.inside);
        fill(left, span.outside);
        fill(right, span.outside);
        for run in runs {
            let (from, bytes) = (run.from as usize, run.bytes as usize);
            let (pixels, rest) = middle.split_at_mut(bytes);
            pixels.copy_from_slice(&self.strip(run.tile, row)[from..from + bytes]);
            middle = rest;
        }
    }

    /// Writes into `runs` the runs of equal tiles of `tiles` over level pixels `xs` (at most
    /// a window's width), and returns their count.
    fn find_runs(&self, tiles: &[Tile], xs: Range<usize>, runs: &mut [Run; MAX_RUNS]) -> usize {
        let (first_tile, column) = self.split(xs.start);
        let tiles = &tiles[first_tile..self.split(xs.end + self.k - 1).0];
        let Some(&first) = tiles.first() else { return 0 };
        // Most rows under a window are one tile kind; or-ing the differences (rather than
        // stopping at the first) lets the compiler compare many tiles at once.
        if tiles.iter().fold(0, |differ, &t| differ | (t as u8 ^ first as u8)) == 0 {
            runs[0] = Run { tile: first, from: (column * PIXEL) as u16, bytes: (xs.len() * PIXEL) as u16 };
            return 1;
        }
        let (mut count, mut x, mut at) = (0, xs.start, 0);
        while x < xs.end {
            let tile = tiles[at];
            let mut next = at + 1;
            while next < tiles.len() && tiles[next] == tile {
                next += 1;
            }
            let end = ((first_tile + next) << self.shift).min(xs.end);
            let column = self.split(x).1;
            runs[count] = Run { tile, from: (column * PIXEL) as u16, bytes: ((end - x) * PIXEL) as u16 };
            (count, x, at) = (count + 1, end, next);
        }
        count
    }

    /// Level pixel `px` (along either axis) as its tile and its pixel inside the tile. A tile
    /// side divides [`OBS_SIDE`], a power of two: a shift and a mask, where a division by a
    /// number unknown at compile time would cost tens of cycles.
    fn split(&self, px: usize) -> (usize, usize) {
        (px >> self.shift, px & (self.k - 1))
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
