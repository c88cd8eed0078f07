//! The software rasterizer behind `rgb` observations: each env's static background is painted
//! once per level (tiles, per-level colour theme), and every step copies it and draws the
//! entities' procedurally shaped sprites on top, in spawn order. A view following the player
//! keeps only the part of the level around its window painted (repainted when the window
//! leaves it), so that the backgrounds of many envs stay small enough to remain in cache.

use ludica_procgen::{Level, SpawnKind, Tile};

use super::geometry::round_i32;
use super::outline::{self, Outline};
use super::view::{OBS_SIDE, View};

/// Bytes of one rgb observation (64 x 64 x 3, row-major, channels last).
pub const RGB_LEN: usize = OBS_SIDE * OBS_SIDE * 3;

/// A colour.
pub type Rgb = [u8; 3];

/// The outline a sprite is drawn with, inside its body's box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A filled box with an accent rim.
    Block,
    /// A disc with an accent centre.
    Disc,
    /// A diamond (a gem) with an accent core.
    Diamond,
    /// A toothed blade.
    Saw,
    /// A body with two accent eyes looking ahead.
    Critter,
    /// A fish: an oval body, a tail behind, an accent eye ahead (faces right; mirrored when
    /// moving left).
    Fish,
    /// A ship: an arrowhead pointing right, an accent cockpit.
    Ship,
    /// A key: an accent ring on the left, a toothed shaft to the right.
    Key,
    /// A five-pointed star with an accent centre.
    Star,
    /// A ring: an accent rim around an empty centre (a closed exit, a portal).
    Ring,
}

/// How an entity kind looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sprite {
    /// Its outline.
    pub shape: Shape,
    /// Main colour.
    pub color: Rgb,
    /// Detail colour (rim, eyes, core).
    pub accent: Rgb,
}

/// A game's look: a colour for every pixel of a tile under each theme, and a sprite per kind.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    /// How many colour themes levels are drawn in; a level's seed picks one.
    pub themes: u8,
    /// Colour of `tile` under `theme` at (`u`, `v`) in [0, 1) inside the tile.
    pub tile: fn(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb,
    /// The sprite of an entity kind and variant.
    pub sprite: fn(kind: SpawnKind, variant: u8) -> Sprite,
}

impl Style {
    /// The theme a level is drawn in: a pure function of its seed.
    pub fn theme_of(&self, level: &Level) -> u8 {
        (ludica_procgen::seeds::mix(level.seed ^ 0x7EE3_u64) % self.themes.max(1) as u64) as u8
    }
}

/// Bytes copied at once when a window row is copied whole (a row is a whole number of them).
const ROW_BLOCK: usize = 64;
const _: () = assert!((OBS_SIDE * 3).is_multiple_of(ROW_BLOCK));

/// An env's pre-painted background: the fitted frame, or, for a view following the player,
/// the level's tiles around the window at the view's scale ([`Background::cover`]).
#[derive(Clone, Debug, Default)]
pub struct Background {
    pixels: Vec<u8>,
    width: usize,
    height: usize,
    /// The world point (in tiles) at the top-left pixel, and pixels per tile, as last painted.
    origin: (f32, f32),
    scale: f32,
    /// One painted tile per tile kind, reused between paints.
    patches: Vec<u8>,
    /// For a following view, the level's size in pixels (windows are placed in it); `None`
    /// when the painted area is the whole picture.
    follow: Option<(usize, usize)>,
}

impl Background {
    /// Paints `level` as `view` frames it, reusing this background's memory. A following
    /// view paints nothing yet: [`Background::cover`] paints around each window.
    pub fn paint(&mut self, level: &Level, view: View, style: &Style, theme: u8) {
        let scale = view.scale();
        match view {
            View::Fit { .. } => {
                let (ox, oy) = view.origin(level, &Default::default());
                self.paint_area(level, (ox, oy), scale, (OBS_SIDE, OBS_SIDE), style, theme);
                self.follow = None;
            }
            View::Follow { .. } | View::Local { .. } => {
                let k = scale as usize;
                self.paint_area(level, (0.0, 0.0), scale, (0, 0), style, theme);
                self.follow = Some((level.width * k, level.height * k));
            }
        }
    }

    /// For a following view, makes sure the painted area holds the window whose top-left is
    /// pixel `window` of the level (as far as the level reaches); when it does not, repaints
    /// the whole tiles around the window, half a window's width beyond it on every side.
    pub fn cover(&mut self, level: &Level, style: &Style, theme: u8, window: (i32, i32)) {
        let Some((level_w, level_h)) = self.follow else { return };
        let (k, side) = (self.scale as i32, OBS_SIDE as i32);
        let (left, top) = self.painted_corner();
        let holds = |start: i32, extent: usize, painted_start: i32, painted_len: usize| {
            let (first, last) = (start.max(0), (start + side).min(extent as i32));
            first >= last || (first >= painted_start && last <= painted_start + painted_len as i32)
        };
        if holds(window.0, level_w, left, self.width) && holds(window.1, level_h, top, self.height) {
            return;
        }
        let tiles = |start: i32, extent_tiles: usize| {
            let first = (start - side / 2).div_euclid(k).clamp(0, extent_tiles as i32);
            let last = (start + side + side / 2 + k - 1).div_euclid(k).clamp(first, extent_tiles as i32);
            (first, (last - first) as usize)
        };
        let ((x, w), (y, h)) = (tiles(window.0, level.width), tiles(window.1, level.height));
        let size = (w * k as usize, h * k as usize);
        if self.patches.len() == Tile::ALL.len() * size_of::<Rgb>() * (k * k) as usize {
            // The level's patches, painted by `paint`, serve every repaint.
            (self.width, self.height, self.origin) = (size.0, size.1, (x as f32, y as f32));
            self.place_patches(level, (x, y), k as usize);
        } else {
            self.paint_area(level, (x as f32, y as f32), self.scale, size, style, theme);
        }
    }

    /// The pixel (of the level, for a following view) at the painted area's top-left.
    fn painted_corner(&self) -> (i32, i32) {
        match self.follow {
            Some(_) => ((self.origin.0 * self.scale) as i32, (self.origin.1 * self.scale) as i32),
            None => (0, 0),
        }
    }

    /// Paints a `size` pixel area whose top-left shows world point `origin` (in tiles), at
    /// `scale` pixels per tile.
    pub fn paint_area(
        &mut self,
        level: &Level,
        origin: (f32, f32),
        scale: f32,
        size: (usize, usize),
        style: &Style,
        theme: u8,
    ) {
        let ((origin_x, origin_y), (w, h)) = (origin, size);
        self.width = w;
        self.height = h;
        self.origin = origin;
        self.scale = scale;
        let k = scale as usize;
        let whole_tiles = scale.fract() == 0.0 && origin_x.fract() == 0.0 && origin_y.fract() == 0.0;
        if whole_tiles && k > 0 && w % k == 0 && h % k == 0 {
            self.paint_by_tiles(level, (origin_x as i32, origin_y as i32), k, style, theme);
        } else {
            self.paint_by_pixels(level, origin, scale, style, theme);
        }
    }

    /// The general painter: asks the style for every pixel.
    fn paint_by_pixels(&mut self, level: &Level, origin: (f32, f32), scale: f32, style: &Style, theme: u8) {
        let (w, h) = (self.width, self.height);
        self.pixels.clear();
        self.pixels.reserve(w * h * 3);
        for py in 0..h {
            let wy = origin.1 + (py as f32 + 0.5) / scale;
            for px in 0..w {
                let wx = origin.0 + (px as f32 + 0.5) / scale;
                let tile = level.tile(wx.floor() as i32, wy.floor() as i32);
                self.pixels.extend_from_slice(&(style.tile)(tile, theme, wx - wx.floor(), wy - wy.floor()));
            }
        }
    }

    /// Repaints the pixels of tile (`x`, `y`) after it changed in `level` (same pixels as a
    /// whole repaint would give).
    pub fn repaint_tile(&mut self, level: &Level, style: &Style, theme: u8, x: i32, y: i32) {
        let (origin, scale) = (self.origin, self.scale);
        let span = |start: i32, origin: f32, extent: usize| {
            let first = (((start as f32 - origin) * scale).floor().max(0.0) as usize).min(extent);
            let last = (((start as f32 + 1.0 - origin) * scale).ceil().max(0.0) as usize).min(extent);
            first..last
        };
        for py in span(y, origin.1, self.height) {
            let wy = origin.1 + (py as f32 + 0.5) / scale;
            for px in span(x, origin.0, self.width) {
                let wx = origin.0 + (px as f32 + 0.5) / scale;
                let tile = level.tile(wx.floor() as i32, wy.floor() as i32);
                let at = (py * self.width + px) * 3;
                self.pixels[at..at + 3].copy_from_slice(&(style.tile)(tile, theme, wx - wx.floor(), wy - wy.floor()));
            }
        }
    }

    /// The fast painter for whole-pixel tiles (`k` pixels a side) at whole-tile origins: paints
    /// each tile kind once, then copies those patches. Same pixels as `paint_by_pixels`.
    fn paint_by_tiles(&mut self, level: &Level, origin: (i32, i32), k: usize, style: &Style, theme: u8) {
        self.patches.clear();
        for tile in Tile::ALL {
            for py in 0..k {
                for px in 0..k {
                    let (u, v) = ((px as f32 + 0.5) / k as f32, (py as f32 + 0.5) / k as f32);
                    self.patches.extend_from_slice(&(style.tile)(tile, theme, u, v));
                }
            }
        }
        self.place_patches(level, origin, k);
    }

    /// Fills the area with the painted patches (`k` pixels a side) of the tiles from `origin` on.
    fn place_patches(&mut self, level: &Level, origin: (i32, i32), k: usize) {
        let patch_len = k * k * 3;
        let w = self.width;
        self.pixels.resize(w * self.height * 3, 0);
        for ty in 0..self.height / k {
            for tx in 0..w / k {
                let tile = level.tile(origin.0 + tx as i32, origin.1 + ty as i32) as usize;
                let patch = &self.patches[tile * patch_len..(tile + 1) * patch_len];
                for (r, row) in patch.chunks_exact(k * 3).enumerate() {
                    let at = ((ty * k + r) * w + tx * k) * 3;
                    self.pixels[at..at + k * 3].copy_from_slice(row);
                }
            }
        }
    }

    /// Copies the `OBS_SIDE` square whose top-left is pixel (`x0`, `y0`) into `out`; pixels
    /// outside the background take `outside`. For a following view, (`x0`, `y0`) is a pixel of
    /// the level, and the window must have been covered ([`Background::cover`]).
    pub fn copy_window(&self, x0: i32, y0: i32, outside: Rgb, out: &mut [u8]) {
        let (left, top) = self.painted_corner();
        let (x0, y0) = (x0 - left, y0 - top);
        if x0 == 0 && y0 == 0 && self.width == OBS_SIDE && self.height == OBS_SIDE {
            out.copy_from_slice(&self.pixels);
            return;
        }
        let row_bytes = OBS_SIDE * 3;
        for (oy, out_row) in out.chunks_exact_mut(row_bytes).enumerate() {
            let y = y0 + oy as i32;
            let x_first = x0.max(0);
            let x_last = (x0 + OBS_SIDE as i32).min(self.width as i32);
            if y < 0 || y >= self.height as i32 || x_first >= x_last {
                out_row.chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&outside));
                continue;
            }
            let src = (y as usize * self.width + x_first as usize) * 3..(y as usize * self.width + x_last as usize) * 3;
            if src.len() == row_bytes {
                // A whole row: copied in fixed-size blocks, which compile to a few vector moves
                // where a short copy of unknown length is a call.
                let (dst_blocks, _) = out_row.as_chunks_mut::<ROW_BLOCK>();
                let (src_blocks, _) = self.pixels[src].as_chunks::<ROW_BLOCK>();
                dst_blocks.iter_mut().zip(src_blocks).for_each(|(d, s)| *d = *s);
                continue;
            }
            let dst_start = (x_first - x0) as usize * 3;
            out_row[..dst_start].chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&outside));
            let dst_end = dst_start + src.len();
            out_row[dst_start..dst_end].copy_from_slice(&self.pixels[src]);
            out_row[dst_end..].chunks_exact_mut(3).for_each(|p| p.copy_from_slice(&outside));
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The pixels, row-major, 3 bytes each; taken out of the background.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }
}

/// Draws `sprite` filling the box centred at pixel `at` with half extents `half` (in pixels),
/// mirrored left-right if `mirrored`, clipped to `out`, an image `width` pixels wide (3 bytes a
/// pixel).
pub fn draw_sprite(out: &mut [u8], width: usize, sprite: &Sprite, at: (f32, f32), half: (f32, f32), mirrored: bool) {
    let ((cx, cy), (hw, hh)) = (at, half);
    let height = out.len() / (3 * width);
    if cx + hw < 0.0 || cy + hh < 0.0 || cx - hw > width as f32 || cy - hh > height as f32 {
        return; // wholly outside: its rounded box below would be empty
    }
    let area = SpriteArea {
        centre: (cx, cy),
        half: (hw, hh),
        flip: if mirrored { -1.0 } else { 1.0 },
        xs: pixel_edge(cx - hw, width)..pixel_edge(cx + hw, width),
        ys: pixel_edge(cy - hh, height)..pixel_edge(cy + hh, height),
    };
    // One loop per shape, so that each shape's test is inlined into it.
    let colours = (sprite.color, sprite.accent);
    match sprite.shape {
        Shape::Block => fill::<outline::Block>(out, width, colours, &area),
        Shape::Disc => fill::<outline::Disc>(out, width, colours, &area),
        Shape::Diamond => fill::<outline::Diamond>(out, width, colours, &area),
        Shape::Saw => fill::<outline::Saw>(out, width, colours, &area),
        Shape::Critter => fill::<outline::Critter>(out, width, colours, &area),
        Shape::Fish => fill::<outline::Fish>(out, width, colours, &area),
        Shape::Ship => fill::<outline::Ship>(out, width, colours, &area),
        Shape::Key => fill::<outline::Key>(out, width, colours, &area),
        Shape::Star => fill::<outline::Star>(out, width, colours, &area),
        Shape::Ring => fill::<outline::Ring>(out, width, colours, &area),
    }
}

/// The pixel edge nearest to `x`, inside 0..=`extent`.
fn pixel_edge(x: f32, extent: usize) -> usize {
    round_i32(x).clamp(0, extent.min(i32::MAX as usize) as i32) as usize
}

/// Where a sprite is drawn: its centre and half extents in pixels, -1 to mirror it, and the
/// pixel columns and rows it covers inside the image.
struct SpriteArea {
    centre: (f32, f32),
    half: (f32, f32),
    flip: f32,
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
}

/// Paints the pixels of `area` inside outline `O` with the main or accent colour of
/// `colours`. Each column's terms are computed once a sprite, each row's once a row (and
/// band of columns).
#[inline(always)]
fn fill<O: Outline>(out: &mut [u8], width: usize, colours: (Rgb, Rgb), area: &SpriteArea) {
    // Columns are taken in bands of this many: sprites in observations are mostly narrower,
    // and the band's terms are zeroed before each sprite (with 64, that zeroing cost more than
    // it saved on bigfish's small fish).
    const COLUMNS: usize = 16;
    let ((cx, cy), (hw, hh)) = (area.centre, area.half);
    let mut columns = [O::Column::default(); COLUMNS];
    for first in area.xs.clone().step_by(COLUMNS) {
        let last = (first + COLUMNS).min(area.xs.end);
        let columns = &mut columns[..last - first];
        for (column, px) in columns.iter_mut().zip(first..last) {
            *column = O::column(area.flip * (px as f32 + 0.5 - cx) / hw);
        }
        for py in area.ys.clone() {
            let row = O::row((py as f32 + 0.5 - cy) / hh);
            let pixels = &mut out[(py * width + first) * 3..(py * width + last) * 3];
            for (pixel, &column) in pixels.chunks_exact_mut(3).zip(columns.iter()) {
                if let Some(accent) = O::pixel(column, row) {
                    pixel.copy_from_slice(if accent { &colours.1 } else { &colours.0 });
                }
            }
        }
    }
}

/// Mixes two colours: `t` = 0 gives `a`, 1 gives `b`.
pub fn blend(a: Rgb, b: Rgb, t: f32) -> Rgb {
    let mix = |x: u8, y: u8| (x as f32 + (y as f32 - x as f32) * t).round() as u8;
    [mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2])]
}

/// `base` shaded as a bevelled block: lighter along the top and left edges of the tile,
/// darker along the bottom and right, for (`u`, `v`) in [0, 1) inside the tile.
pub fn bevel(base: Rgb, u: f32, v: f32) -> Rgb {
    const EDGE: f32 = 0.15;
    if u < EDGE || v < EDGE {
        blend(base, [255, 255, 255], 0.25)
    } else if u > 1.0 - EDGE || v > 1.0 - EDGE {
        blend(base, [0, 0, 0], 0.35)
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::Difficulty;

    fn plain(tile: Tile, _: u8, _: f32, _: f32) -> Rgb {
        if tile == Tile::Wall { [255, 255, 255] } else { [0, 0, 0] }
    }

    fn red(_: SpawnKind, _: u8) -> Sprite {
        Sprite { shape: Shape::Block, color: [255, 0, 0], accent: [255, 0, 0] }
    }

    const STYLE: Style = Style { themes: 1, tile: plain, sprite: red };

    #[test]
    fn fitted_background_pads_with_walls() {
        let level = Level::filled("t", 0, Difficulty::MIN, 2, 2, Tile::Empty);
        let mut bg = Background::default();
        bg.paint(&level, View::Fit { world: 4 }, &STYLE, 0);
        let mut out = vec![0u8; RGB_LEN];
        bg.copy_window(0, 0, [9, 9, 9], &mut out);
        let pixel = |x: usize, y: usize| out[(y * OBS_SIDE + x) * 3];
        assert_eq!(pixel(0, 0), 255, "padding is wall");
        assert_eq!(pixel(32, 32), 0, "the level sits in the middle");
    }

    fn checker(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
        [tile as u8 * 80, (u * 255.0) as u8, (v * 255.0) as u8 + theme]
    }

    #[test]
    fn tile_patches_paint_the_same_pixels_as_the_pixel_painter() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 7, 5, Tile::Empty);
        level.set(2, 3, Tile::Wall);
        level.set(6, 0, Tile::Lava);
        let style = Style { themes: 2, tile: checker, sprite: red };
        let (mut fast, mut slow) = (Background::default(), Background::default());
        fast.paint_area(&level, (-1.0, 0.0), 4.0, (36, 24), &style, 1);
        slow.width = 36;
        slow.height = 24;
        slow.paint_by_pixels(&level, (-1.0, 0.0), 4.0, &style, 1);
        assert!(!fast.patches.is_empty(), "the fast path ran");
        assert_eq!(fast.pixels, slow.pixels);
    }

    #[test]
    fn window_outside_the_background_is_filled() {
        let level = Level::filled("t", 0, Difficulty::MIN, 32, 16, Tile::Empty);
        let mut bg = Background::default();
        bg.paint(&level, View::Follow { tiles: 16 }, &STYLE, 0);
        bg.cover(&level, &STYLE, 0, (-4, 0));
        let mut out = vec![0u8; RGB_LEN];
        bg.copy_window(-4, 0, [7, 7, 7], &mut out);
        assert_eq!(&out[..3], &[7, 7, 7]);
        assert_eq!(&out[4 * 3..4 * 3 + 3], &[0, 0, 0]);
    }

    #[test]
    fn a_following_view_shows_the_same_windows_as_the_whole_painted_level() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 70, 30, Tile::Empty);
        for (x, y, tile) in [(0, 0, Tile::Wall), (3, 5, Tile::Lava), (40, 20, Tile::Dirt), (69, 29, Tile::Wall)] {
            level.set(x, y, tile);
        }
        let style = Style { themes: 2, tile: checker, sprite: red };
        let view = View::Follow { tiles: 16 };
        let mut whole = Background::default();
        whole.paint_area(&level, (0.0, 0.0), 4.0, (280, 120), &style, 1);
        let mut following = Background::default();
        following.paint(&level, view, &style, 1);
        // Windows walking right and down (repainting on the way), jumping back, and off the level.
        for window in [(0, 0), (1, 0), (37, 3), (90, 30), (150, 56), (216, 56), (5, 2), (-8, -4), (230, 60)] {
            following.cover(&level, &style, 1, window);
            assert!(following.pixels.len() < whole.pixels.len(), "only the part around the window is painted");
            let (mut a, mut b) = (vec![0u8; RGB_LEN], vec![0u8; RGB_LEN]);
            following.copy_window(window.0, window.1, [7, 8, 9], &mut a);
            whole.copy_window(window.0, window.1, [7, 8, 9], &mut b);
            assert!(a == b, "window at {window:?}");
        }
        // A tile changed in play shows in the window once repainted.
        level.set(60, 16, Tile::Lava);
        following.repaint_tile(&level, &style, 1, 60, 16);
        whole.repaint_tile(&level, &style, 1, 60, 16);
        let (mut a, mut b) = (vec![0u8; RGB_LEN], vec![0u8; RGB_LEN]);
        following.copy_window(216, 56, [7, 8, 9], &mut a);
        whole.copy_window(216, 56, [7, 8, 9], &mut b);
        assert!(a == b, "after a tile change");
    }

    #[test]
    fn sprites_clip_at_the_border() {
        let mut out = vec![0u8; RGB_LEN];
        draw_sprite(&mut out, OBS_SIDE, &red(SpawnKind::Agent, 0), (0.0, 0.0), (4.0, 4.0), false);
        assert_eq!(&out[..3], &[255, 0, 0]);
        assert_eq!(out[(5 * OBS_SIDE + 5) * 3], 0);
    }

    #[test]
    fn mirrored_sprites_face_the_other_way() {
        let fish = Sprite { shape: Shape::Fish, color: [255, 0, 0], accent: [0, 0, 255] };
        let (mut right, mut left) = (vec![0u8; RGB_LEN], vec![0u8; RGB_LEN]);
        draw_sprite(&mut right, OBS_SIDE, &fish, (32.0, 32.0), (16.0, 16.0), false);
        draw_sprite(&mut left, OBS_SIDE, &fish, (32.0, 32.0), (16.0, 16.0), true);
        assert_ne!(right, left);
        let at = |x: usize, y: usize| (y * OBS_SIDE + x) * 3;
        for (x, y) in [(20, 30), (40, 28), (17, 32)] {
            assert_eq!(right[at(x, y)..at(x, y) + 3], left[at(63 - x, y)..at(63 - x, y) + 3], "({x}, {y})");
        }
    }

    #[test]
    fn every_shape_draws_main_and_accent_pixels() {
        let shapes = [
            Shape::Block,
            Shape::Disc,
            Shape::Diamond,
            Shape::Saw,
            Shape::Critter,
            Shape::Fish,
            Shape::Ship,
            Shape::Key,
            Shape::Star,
            Shape::Ring,
        ];
        for shape in shapes {
            let sprite = Sprite { shape, color: [255, 0, 0], accent: [0, 0, 255] };
            let mut out = vec![0u8; RGB_LEN];
            draw_sprite(&mut out, OBS_SIDE, &sprite, (32.0, 32.0), (24.0, 24.0), false);
            let count = |c: [u8; 3]| out.chunks_exact(3).filter(|p| *p == c).count();
            assert!(count([255, 0, 0]) > 40, "{shape:?} main");
            assert!(count([0, 0, 255]) > 4, "{shape:?} accent");
            assert!(count([0, 0, 0]) > 40, "{shape:?} leaves background");
        }
    }

    #[test]
    fn repainting_a_changed_tile_matches_a_whole_repaint() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 9, 7, Tile::Empty);
        let style = Style { themes: 2, tile: checker, sprite: red };
        for (origin, scale, size) in [((-3.0, -4.0), 64.0 / 15.0, (64, 64)), ((0.0, 0.0), 4.0, (36, 28))] {
            let mut bg = Background::default();
            bg.paint_area(&level, origin, scale, size, &style, 1);
            level.set(4, 3, Tile::Dirt);
            level.set(0, 6, Tile::Boulder);
            bg.repaint_tile(&level, &style, 1, 4, 3);
            bg.repaint_tile(&level, &style, 1, 0, 6);
            let mut fresh = Background::default();
            fresh.paint_area(&level, origin, scale, size, &style, 1);
            assert_eq!(bg.pixels, fresh.pixels, "origin {origin:?}");
            level.set(4, 3, Tile::Empty);
            level.set(0, 6, Tile::Empty);
        }
    }
}
