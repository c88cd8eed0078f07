//! Maze carving on a lattice of cells, shared by the grid generators (maze, chaser, heist).
//!
//! A `cols` x `rows` lattice lives in a `(2 cols + 1)` x `(2 rows + 1)` grid of walls: cell
//! (cx, cy) is tile (2 cx + 1, 2 cy + 1), and the tile between two neighbouring cells is the
//! passage that joins them once opened. Carving draws only from the generator it is given.

use rand::RngExt;

use crate::{Level, Rng, Tile};

/// The tile of lattice cell `c` along one axis.
pub const fn cell_tile(c: usize) -> usize {
    2 * c + 1
}

/// The grid side holding `cells` lattice cells along one axis.
pub const fn side_of(cells: usize) -> usize {
    2 * cells + 1
}

/// Carves a spanning tree of the `cols` x `rows` lattice (randomized depth-first search with
/// an explicit stack), so every cell reaches every other by exactly one path. `level` must be
/// all wall and at least `side_of(cols)` x `side_of(rows)`.
pub fn carve_depth_first(level: &mut Level, cols: usize, rows: usize, rng: &mut Rng) {
    let mut visited = vec![false; cols * rows];
    let start = (rng.random_range(0..cols), rng.random_range(0..rows));
    let mut stack = vec![start];
    visited[start.1 * cols + start.0] = true;
    level.set(cell_tile(start.0), cell_tile(start.1), Tile::Empty);
    let mut options = Vec::with_capacity(4);
    while let Some(&(cx, cy)) = stack.last() {
        options.clear();
        for (dx, dy) in [(-1i32, 0i32), (1, 0), (0, -1), (0, 1)] {
            let (nx, ny) = (cx as i32 + dx, cy as i32 + dy);
            if nx >= 0
                && ny >= 0
                && (nx as usize) < cols
                && (ny as usize) < rows
                && !visited[ny as usize * cols + nx as usize]
            {
                options.push((nx as usize, ny as usize));
            }
        }
        if options.is_empty() {
            stack.pop();
            continue;
        }
        let (nx, ny) = options[rng.random_range(0..options.len())];
        visited[ny * cols + nx] = true;
        level.set(cx + nx + 1, cy + ny + 1, Tile::Empty);
        level.set(cell_tile(nx), cell_tile(ny), Tile::Empty);
        stack.push((nx, ny));
    }
}

/// Opens `share` x cols x rows inner walls between neighbouring cells, drawn at random (some
/// may already be open), making loops.
pub fn open_loops(level: &mut Level, cols: usize, rows: usize, share: f32, rng: &mut Rng) {
    let openings = (share * (cols * rows) as f32).round() as usize;
    for _ in 0..openings {
        // An inner wall between two cells has one odd and one even coordinate.
        let (x, y) = if rng.random_bool(0.5) {
            (2 * rng.random_range(1..cols), cell_tile(rng.random_range(0..rows)))
        } else {
            (cell_tile(rng.random_range(0..cols)), 2 * rng.random_range(1..rows))
        };
        debug_assert!(x > 0 && y > 0 && x < side_of(cols) - 1 && y < side_of(rows) - 1);
        level.set(x, y, Tile::Empty);
    }
}

/// Opens `n` distinct inner walls between neighbouring cells, drawn at random among those
/// still closed (all of them if fewer are), so a spanning tree gains exactly `n` loops.
pub fn open_closed_walls(level: &mut Level, cols: usize, rows: usize, n: usize, rng: &mut Rng) {
    let mut closed = Vec::with_capacity(2 * cols * rows);
    for y in 1..side_of(rows) - 1 {
        for x in 1..side_of(cols) - 1 {
            if (x + y) % 2 == 1 && level.tile(x as i32, y as i32) == Tile::Wall {
                closed.push((x, y));
            }
        }
    }
    for _ in 0..n.min(closed.len()) {
        let (x, y) = closed.swap_remove(rng.random_range(0..closed.len()));
        level.set(x, y, Tile::Empty);
    }
}

/// Removes dead ends: each cell with a single open passage gets, with probability `share`,
/// one more, to a random neighbouring cell (visited in row-major order, so a cell opened
/// earlier is no longer a dead end).
pub fn remove_dead_ends(level: &mut Level, cols: usize, rows: usize, share: f64, rng: &mut Rng) {
    let mut walls = Vec::with_capacity(4);
    for cy in 0..rows {
        for cx in 0..cols {
            let (x, y) = (cell_tile(cx), cell_tile(cy));
            walls.clear();
            let mut open = 0;
            for (dx, dy) in [(-1i32, 0i32), (1, 0), (0, -1), (0, 1)] {
                let (px, py) = (x as i32 + dx, y as i32 + dy);
                let inner = px > 0 && py > 0 && (px as usize) < side_of(cols) - 1 && (py as usize) < side_of(rows) - 1;
                match level.tile(px, py) {
                    Tile::Empty => open += 1,
                    _ if inner => walls.push((px as usize, py as usize)),
                    _ => {}
                }
            }
            if open == 1 && !walls.is_empty() && rng.random_bool(share) {
                let (px, py) = walls[rng.random_range(0..walls.len())];
                level.set(px, py, Tile::Empty);
            }
        }
    }
}

/// Open passages of lattice cell (`cx`, `cy`): 1 for a dead end, 3 or 4 for a junction.
pub fn exits(level: &Level, cx: usize, cy: usize) -> usize {
    let (x, y) = (cell_tile(cx) as i32, cell_tile(cy) as i32);
    [(-1, 0), (1, 0), (0, -1), (0, 1)].iter().filter(|(dx, dy)| !level.tile(x + dx, y + dy).is_solid()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Difficulty;
    use crate::search::{UNREACHED, grid_distances, walkable};
    use crate::seeds::{Stream, stream};

    fn carved(cols: usize, rows: usize, seed: u64) -> Level {
        let mut level = Level::filled("t", seed, Difficulty::MIN, side_of(cols), side_of(rows), Tile::Wall);
        carve_depth_first(&mut level, cols, rows, &mut stream(seed, Stream::Layout));
        level
    }

    fn open_tiles(level: &Level) -> usize {
        level.tiles.iter().filter(|&&t| t == Tile::Empty).count()
    }

    #[test]
    fn a_carved_lattice_is_a_spanning_tree() {
        for seed in 0..50 {
            let level = carved(7, 4, seed);
            // A tree over 28 cells opens 27 passages.
            assert_eq!(open_tiles(&level), 28 + 27);
            let dist = grid_distances(&level, (1, 1), walkable);
            assert!((0..4).all(|cy| (0..7).all(|cx| dist[cell_tile(cy) * level.width + cell_tile(cx)] != UNREACHED)));
        }
    }

    #[test]
    fn removing_every_dead_end_leaves_none() {
        for seed in 0..50 {
            let mut level = carved(6, 5, seed);
            remove_dead_ends(&mut level, 6, 5, 1.0, &mut stream(seed, Stream::Spawns));
            assert!((0..5).all(|cy| (0..6).all(|cx| exits(&level, cx, cy) >= 2)), "{}", level.to_ascii());
        }
    }

    #[test]
    fn opening_closed_walls_adds_that_many_loops() {
        for seed in 0..20 {
            let mut level = carved(5, 4, seed);
            let before = open_tiles(&level);
            open_closed_walls(&mut level, 5, 4, 3, &mut stream(seed, Stream::Spawns));
            assert_eq!(open_tiles(&level), before + 3);
        }
    }

    #[test]
    fn loops_open_inner_walls_only() {
        let mut level = carved(5, 5, 3);
        let before = open_tiles(&level);
        open_loops(&mut level, 5, 5, 0.5, &mut stream(3, Stream::Spawns));
        assert!(open_tiles(&level) > before);
        assert!((0..11).all(|i| level.tile(i, 0) == Tile::Wall && level.tile(0, i) == Tile::Wall));
    }
}
