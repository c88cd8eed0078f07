//! Pictures for people: a whole level drawn at any scale (for `ludica levels --format png`
//! and game cards), and grids of pictures. Uses the game's own spawn code and look, so a
//! picture shows exactly what an env would start with.

use bevy_ecs::world::World;
use ludica_procgen::Level;

use crate::core::engine::components::EnvId;
use crate::core::engine::game::GameDef;
use crate::core::engine::render::{Background, draw_sprite};
use crate::core::engine::shard::visit_sprites;
use crate::core::engine::spawner::Spawner;
use crate::core::engine::table::EnvTable;

/// An rgb image, row-major, 3 bytes a pixel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels.
    pub pixels: Vec<u8>,
}

impl Picture {
    /// Each pixel repeated `k` x `k` times.
    pub fn upscale(&self, k: usize) -> Picture {
        let k = k.max(1);
        let (w, h) = (self.width * k, self.height * k);
        let mut pixels = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            let row = &self.pixels[(y / k) * self.width * 3..(y / k + 1) * self.width * 3];
            for px in row.chunks_exact(3) {
                for _ in 0..k {
                    pixels.extend_from_slice(px);
                }
            }
        }
        Picture { width: w, height: h, pixels }
    }

    /// Pictures laid out left to right in rows of `columns`, separated by `gap` pixels of
    /// `background`.
    pub fn grid(pictures: &[Picture], columns: usize, gap: usize, background: [u8; 3]) -> Picture {
        let columns = columns.clamp(1, pictures.len().max(1));
        let rows = pictures.len().div_ceil(columns);
        let cell_w = pictures.iter().map(|p| p.width).max().unwrap_or(0);
        let cell_h = pictures.iter().map(|p| p.height).max().unwrap_or(0);
        let width = columns * cell_w + (columns + 1) * gap;
        let height = rows * cell_h + (rows + 1) * gap;
        let mut pixels: Vec<u8> = background.iter().copied().cycle().take(width * height * 3).collect();
        for (n, p) in pictures.iter().enumerate() {
            let (x0, y0) = (gap + (n % columns) * (cell_w + gap), gap + (n / columns) * (cell_h + gap));
            for y in 0..p.height {
                let dst = ((y0 + y) * width + x0) * 3;
                pixels[dst..dst + p.width * 3].copy_from_slice(&p.pixels[y * p.width * 3..(y + 1) * p.width * 3]);
            }
        }
        Picture { width, height, pixels }
    }
}

/// `level` as a whole, `px_per_tile` pixels a tile, with its entities as spawned.
pub fn level_picture(game: &GameDef, level: &Level, px_per_tile: usize) -> Picture {
    let scale = px_per_tile.max(1) as f32;
    let (width, height) = (level.width * px_per_tile.max(1), level.height * px_per_tile.max(1));
    let theme = game.style.theme_of(level);
    let mut background = Background::default();
    background.paint_area(level, (0.0, 0.0), scale, (width, height), &game.style, theme);
    let mut pixels = background.into_pixels();

    let mut world = World::new();
    world.insert_resource(EnvTable::new(1, level));
    let mut spawner = Spawner::new(&mut world, EnvId(0), Vec::new());
    (game.spawn)(level, &mut spawner);
    let entities = spawner.finish();
    visit_sprites(&world, &entities, |s| {
        let at = (s.pos.x * scale, s.pos.y * scale);
        let half = (s.body.half_w * scale, s.body.half_h * scale);
        draw_sprite(&mut pixels, width, &s.look(&game.style), at, half, s.mirrored);
    });
    Picture { width, height, pixels }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::games::maze;
    use ludica_procgen::Difficulty;

    #[test]
    fn a_level_picture_has_the_level_size_and_its_sprites() {
        let level = maze::GAME.level(3, Difficulty::EASY);
        let pic = level_picture(&maze::GAME, &level, 8);
        assert_eq!((pic.width, pic.height), (level.width * 8, level.height * 8));
        let goal = level.first(ludica_procgen::SpawnKind::Goal).unwrap();
        let centre = ((goal.y * 8.0) as usize * pic.width + (goal.x * 8.0) as usize) * 3;
        let floor = (maze::GAME.style.tile)(ludica_procgen::Tile::Empty, maze::GAME.style.theme_of(&level), 0.5, 0.5);
        assert_ne!(&pic.pixels[centre..centre + 3], &floor, "the goal sprite covers the floor");
    }

    #[test]
    fn grid_and_upscale_sizes() {
        let p = Picture { width: 2, height: 1, pixels: vec![1, 2, 3, 4, 5, 6] };
        let big = p.upscale(3);
        assert_eq!((big.width, big.height), (6, 3));
        assert_eq!(&big.pixels[9..12], &[4, 5, 6]);
        let g = Picture::grid(&[p.clone(), p.clone(), p], 2, 1, [0, 0, 0]);
        assert_eq!((g.width, g.height), (2 * 2 + 3, 2 + 3));
    }
}
