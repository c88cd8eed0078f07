//! Breadth-first search over a level's grid: the shared proof that a goal is reachable, and
//! the shortest path it implies.

use std::collections::VecDeque;

use crate::Level;

/// Distance marker for cells the search never reached.
pub const UNREACHED: u32 = u32::MAX;

/// Steps from `start` to every cell, moving in the four directions through cells for which
/// `passable(level, x, y)` holds; [`UNREACHED`] where no path exists.
pub fn grid_distances(
    level: &Level,
    start: (usize, usize),
    passable: impl Fn(&Level, usize, usize) -> bool,
) -> Vec<u32> {
    let (w, h) = (level.width, level.height);
    let mut dist = vec![UNREACHED; w * h];
    let mut queue = VecDeque::with_capacity(w * h);
    dist[start.1 * w + start.0] = 0;
    queue.push_back(start);
    while let Some((x, y)) = queue.pop_front() {
        let d = dist[y * w + x];
        let neighbours = [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)];
        for (nx, ny) in neighbours {
            if nx < w && ny < h && dist[ny * w + nx] == UNREACHED && passable(level, nx, ny) {
                dist[ny * w + nx] = d + 1;
                queue.push_back((nx, ny));
            }
        }
    }
    dist
}

/// Whether a body can stand on tile (`x`, `y`): it is not solid.
pub fn walkable(level: &Level, x: usize, y: usize) -> bool {
    !level.tile(x as i32, y as i32).is_solid()
}

/// A shortest path from the search's start to `goal`, both ends included, given the
/// distances `dist` that [`grid_distances`] returned; empty if `goal` was not reached. Among
/// equally short paths it steps back to the first neighbour (left, right, up, down) one closer.
pub fn path_to(level: &Level, dist: &[u32], goal: (usize, usize)) -> Vec<(usize, usize)> {
    let w = level.width;
    let mut at = goal;
    if dist[at.1 * w + at.0] == UNREACHED {
        return Vec::new();
    }
    let mut path = vec![at];
    while dist[at.1 * w + at.0] > 0 {
        let (x, y) = at;
        let d = dist[y * w + x];
        let neighbours = [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)];
        at = neighbours
            .into_iter()
            .find(|&(nx, ny)| nx < w && ny < level.height && dist[ny * w + nx] == d - 1)
            .expect("a reached cell has a neighbour one step nearer the start");
        path.push(at);
    }
    path.reverse();
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Difficulty, Tile};

    #[test]
    fn walls_block_and_distances_count_steps() {
        let mut l = Level::filled("t", 0, Difficulty::MIN, 3, 3, Tile::Empty);
        l.set(1, 0, Tile::Wall);
        l.set(1, 1, Tile::Wall);
        let d = grid_distances(&l, (0, 0), walkable);
        assert_eq!(d[2], 6, "around the wall: down 2, right 2, up 2");
        assert_eq!(d[1], UNREACHED);
        let path = path_to(&l, &d, (2, 0));
        assert_eq!(path.len(), 7);
        assert_eq!((path[0], path[6]), ((0, 0), (2, 0)));
        assert!(path.windows(2).all(|p| p[0].0.abs_diff(p[1].0) + p[0].1.abs_diff(p[1].1) == 1));
        assert!(path_to(&l, &d, (1, 1)).is_empty());
    }
}
