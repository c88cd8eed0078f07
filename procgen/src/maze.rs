//! The maze generator: a perfect maze carved by randomized depth-first search, with a few
//! loops at low difficulty, an agent and a goal placed at a difficulty-dependent distance.
//!
//! Guarantees (tested over 10,000 seeds per difficulty): the grid is square with an odd side
//! in [5, 25], bordered by walls; there is exactly one agent and one goal, on distinct empty
//! cells; a four-way path joins them, of length at least `difficulty` times the longest
//! shortest path from the agent.
//!
//! Difficulty knobs: the largest side (7 at 0, 25 at 1), the share of extra openings that
//! make loops (10% of cells at 0, none at 1), and the minimal agent-to-goal distance.

use rand::RngExt;

use crate::carve::{carve_depth_first, cell_tile, open_loops, side_of};
use crate::search::{UNREACHED, grid_distances, walkable};
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "maze";
/// The largest side a maze can have, in tiles.
pub const MAX_SIDE: usize = 25;
/// The smallest side a maze can have, in tiles.
pub const MIN_SIDE: usize = 5;

/// The largest side generated at difficulty `d`: 7 at 0, 25 at 1, always odd.
pub fn max_side(d: Difficulty) -> usize {
    7 + 2 * d.lerp_int(0, 9) as usize
}

/// The maze for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let mut layout = stream(seed, Stream::Layout);
    let cells_max = (max_side(d) - 1) / 2;
    let cells = layout.random_range((MIN_SIDE - 1) / 2..=cells_max);
    let side = side_of(cells);
    let mut level = Level::filled(NAME, seed, d, side, side, Tile::Wall);
    carve_depth_first(&mut level, cells, cells, &mut layout);
    open_loops(&mut level, cells, cells, d.lerp(0.10, 0.0), &mut layout);

    let mut spawns = stream(seed, Stream::Spawns);
    let agent = (cell_tile(spawns.random_range(0..cells)), cell_tile(spawns.random_range(0..cells)));
    let dist = grid_distances(&level, agent, walkable);
    let farthest = dist.iter().filter(|&&v| v != UNREACHED).max().copied().unwrap_or(0);
    let min_dist = ((d.value() * farthest as f32).ceil() as u32).max(1);
    let candidates: Vec<usize> = (0..dist.len()).filter(|&i| dist[i] != UNREACHED && dist[i] >= min_dist).collect();
    let goal = candidates[spawns.random_range(0..candidates.len())];
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, agent.0, agent.1));
    level.spawns.push(Spawn::at_tile(SpawnKind::Goal, goal % side, goal / side));
    level.meta.insert("path_length".into(), dist[goal] as f64);
    level
}

/// Checks a maze level's guarantees (the generator's, or a hand-edited file's), returning
/// the agent-to-goal path length, or why the level is not playable.
pub fn check(level: &Level) -> Result<u32, String> {
    if level.width != level.height || level.width < 3 || level.width > MAX_SIDE {
        return Err(format!(
            "maze must be square with a side in [3, {MAX_SIDE}], got {}x{}",
            level.width, level.height
        ));
    }
    let (agent, goal) = (level.single(SpawnKind::Agent)?.tile(), level.single(SpawnKind::Goal)?.tile());
    if let Some(other) = level.spawns.iter().find(|s| !matches!(s.kind, SpawnKind::Agent | SpawnKind::Goal)) {
        return Err(format!("maze has no {:?} spawns: only agent and goal are allowed", other.kind));
    }
    for (what, (x, y)) in [("agent", agent), ("goal", goal)] {
        if !walkable(level, x, y) {
            return Err(format!("maze {what} stands in a wall at ({x}, {y})"));
        }
    }
    if agent == goal {
        return Err("maze agent and goal share a cell".into());
    }
    match grid_distances(level, agent, walkable)[goal.1 * level.width + goal.0] {
        UNREACHED => Err(format!("maze goal at {goal:?} cannot be reached from the agent at {agent:?}")),
        d => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_maze_is_solvable_over_10k_seeds_per_difficulty() {
        for d in [Difficulty::MIN, Difficulty::EASY, Difficulty::new(0.5).unwrap(), Difficulty::HARD, Difficulty::MAX] {
            let mut longest = 0;
            for seed in 0..10_000 {
                let level = generate(seed, d);
                let path = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert_eq!(level.meta["path_length"], path as f64);
                assert!(level.width >= MIN_SIDE && level.width <= max_side(d) && level.width % 2 == 1);
                let border_walled = (0..level.width).all(|i| {
                    [(i, 0), (i, level.width - 1), (0, i), (level.width - 1, i)]
                        .iter()
                        .all(|&(x, y)| level.tile(x as i32, y as i32) == Tile::Wall)
                });
                assert!(border_walled, "seed {seed}: border must be wall");
                longest = longest.max(level.width);
            }
            assert_eq!(longest, max_side(d), "the largest size is reached at {d}");
        }
    }

    #[test]
    fn harder_means_larger_and_longer() {
        let mean_path = |d: Difficulty| (0..500).map(|s| generate(s, d).meta["path_length"]).sum::<f64>() / 500.0;
        assert!(mean_path(Difficulty::HARD) > 2.0 * mean_path(Difficulty::MIN));
    }

    #[test]
    fn check_rejects_unreachable_goal() {
        let mut level = generate(1, Difficulty::EASY);
        let goal = level.first(SpawnKind::Goal).unwrap().tile();
        for (x, y) in [(goal.0 - 1, goal.1), (goal.0 + 1, goal.1), (goal.0, goal.1 - 1), (goal.0, goal.1 + 1)] {
            level.set(x, y, Tile::Wall);
        }
        assert!(check(&level).unwrap_err().contains("cannot be reached"));
    }
}
