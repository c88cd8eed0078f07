//! The heist generator: a perfect maze whose way from the agent to the gem is cut by up to
//! three coloured doors ([`Tile::DOORS`]), with each door's key ([`SpawnKind::Key`], variant =
//! colour) lying in the part of the maze the doors before it open.
//!
//! The doors sit on passages along the one path from the agent to the gem, so in the tree
//! maze each one cuts off everything beyond it; key `k` (for the `k`-th door along the path)
//! lies in a cell reachable once doors `0..k` are open. Colours are shuffled, so the order to
//! open them must be found, not learnt.
//!
//! Guarantees (checked by [`check`], tested over 1,000 seeds at every preset and at 0 and 1):
//! the grid is at most [`WORLD`] a side; one agent, one gem, spawns at cell centres on open
//! tiles and distinct; at most one door and one key of each colour, and a key for every door;
//! a search over (cell, keys picked, doors opened) states, with the game's rule (walking into
//! a door while holding its key opens it and uses the key up), reaches the gem, and within
//! [`MAX_STEPS`]; with any one door kept shut it cannot, so every door and key is needed. Keys
//! are used up only by their own door, so no order of play can lock the agent out.
//!
//! Difficulty knobs ([`Knobs::at`]): the maze grows (7 x 7 at 0, up to 15 x 15 at 1), the
//! doors grow in number (none at 0, 0-1 at easy, 1-2 at medium, 2-3 at hard and 1), and the
//! gem lies farther from the agent (at least half the farthest distance at 0, the farthest
//! cells at 1).

use std::collections::VecDeque;

use rand::RngExt;

use crate::carve::{carve_depth_first, cell_tile, side_of};
use crate::search::{UNREACHED, grid_distances, path_to, walkable};
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "heist";
/// The largest side a level may have (the frame the game shows), in tiles.
pub const WORLD: usize = 16;
/// The smallest side a level may have, in tiles.
pub const MIN_SIDE: usize = 3;
/// Steps before an episode is truncated; every checked level is solved within it.
pub const MAX_STEPS: u32 = 1000;
/// Door and key colours: red, green, blue (variant 0, 1, 2).
pub const COLOURS: usize = Tile::DOORS.len();
/// The colour names, by variant.
pub const COLOUR_NAMES: [&str; COLOURS] = ["red", "green", "blue"];

/// The generator's settings at one difficulty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Knobs {
    /// Most lattice cells along each side (the level is 2 cells + 1 tiles a side).
    pub max_cells: usize,
    /// Most doors; a level has this many or one fewer.
    pub max_doors: usize,
    /// The gem lies at least this share of the farthest distance from the agent.
    pub goal_share: f32,
}

impl Knobs {
    /// The knobs at difficulty `d`.
    pub fn at(d: Difficulty) -> Knobs {
        Knobs {
            max_cells: 3 + d.lerp_int(0, 4) as usize,
            max_doors: (d.value() * COLOURS as f32).ceil() as usize,
            goal_share: d.lerp(0.5, 1.0),
        }
    }
}

/// The heist level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let knobs = Knobs::at(d);
    let mut layout = stream(seed, Stream::Layout);
    let cells = (knobs.max_cells - 1).max(3)..=knobs.max_cells;
    let (cols, rows) = (layout.random_range(cells.clone()), layout.random_range(cells));
    let mut level = Level::filled(NAME, seed, d, side_of(cols), side_of(rows), Tile::Wall);
    carve_depth_first(&mut level, cols, rows, &mut layout);

    let mut spawns = stream(seed, Stream::Spawns);
    let agent = (cell_tile(spawns.random_range(0..cols)), cell_tile(spawns.random_range(0..rows)));
    let dist = grid_distances(&level, agent, walkable);
    let w = level.width;
    let lattice: Vec<(usize, usize)> =
        (0..rows).flat_map(|cy| (0..cols).map(move |cx| (cell_tile(cx), cell_tile(cy)))).collect();
    let farthest = lattice.iter().map(|&(x, y)| dist[y * w + x]).max().unwrap_or(0);
    let min_dist = ((knobs.goal_share * farthest as f32).ceil() as u32).max(1);
    let far: Vec<_> = lattice.iter().copied().filter(|&(x, y)| dist[y * w + x] >= min_dist).collect();
    let goal = far[spawns.random_range(0..far.len())];
    let path = path_to(&level, &dist, goal);

    // Doors on passages (odd path indices) from the second one on, so the agent's part of
    // the maze holds a cell besides its own for the first key.
    let mut passages: Vec<usize> = (3..path.len()).step_by(2).collect();
    let wanted = spawns.random_range(knobs.max_doors.saturating_sub(1)..=knobs.max_doors);
    let doors = wanted.min(passages.len());
    for i in 0..doors {
        let j = spawns.random_range(i..passages.len());
        passages.swap(i, j);
    }
    let mut at: Vec<usize> = passages[..doors].to_vec();
    at.sort_unstable();
    let mut colours = [0u8, 1, 2];
    for i in (1..COLOURS).rev() {
        colours.swap(i, spawns.random_range(0..=i));
    }
    for (k, &i) in at.iter().enumerate() {
        let (x, y) = path[i];
        level.set(x, y, Tile::DOORS[colours[k] as usize]);
    }

    // Key k lies in the part opened by doors 0..k: reached with them open, not without.
    let mut keys: Vec<(usize, usize)> = Vec::with_capacity(doors);
    let mut before = vec![false; lattice.len()];
    let mut choices = Vec::with_capacity(lattice.len());
    for k in 0..doors {
        let open = &colours[..k];
        let reach = grid_distances(&level, agent, |l, x, y| {
            walkable(l, x, y)
                || Tile::DOORS
                    .iter()
                    .position(|&t| t == l.tile(x as i32, y as i32))
                    .is_some_and(|c| open.contains(&(c as u8)))
        });
        choices.clear();
        for (i, &(x, y)) in lattice.iter().enumerate() {
            let now = reach[y * w + x] != UNREACHED;
            if now && !before[i] && (x, y) != agent && (x, y) != goal {
                choices.push((x, y));
            }
            before[i] = now;
        }
        keys.push(choices[spawns.random_range(0..choices.len())]);
    }

    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, agent.0, agent.1));
    for (k, &(x, y)) in keys.iter().enumerate() {
        level.spawns.push(Spawn::at_tile(SpawnKind::Key, x, y).with_variant(colours[k]));
    }
    level.spawns.push(Spawn::at_tile(SpawnKind::Goal, goal.0, goal.1));
    let way = check(&level).expect("generated heist levels keep their guarantees");
    level.meta.insert("doors".into(), doors as f64);
    level.meta.insert("solution_steps".into(), (way.len() - 1) as f64);
    level.meta.insert("goal_distance".into(), dist[goal.1 * w + goal.0] as f64);
    level
}

/// The colour (variant) of a door tile, if it is one.
pub fn door_colour(tile: Tile) -> Option<u8> {
    Tile::DOORS.iter().position(|&t| t == tile).map(|c| c as u8)
}

/// Checks a heist level's guarantees (the generator's, or a hand-edited file's), returning a
/// shortest way to the gem under the game's rules: the cells walked through, the agent's
/// first and the gem's last.
pub fn check(level: &Level) -> Result<Vec<(usize, usize)>, String> {
    let (w, h) = (level.width, level.height);
    if !(MIN_SIDE..=WORLD).contains(&w) || !(MIN_SIDE..=WORLD).contains(&h) {
        return Err(format!("heist levels have sides in [{MIN_SIDE}, {WORLD}], got {w}x{h}"));
    }
    let count = |kind: SpawnKind| level.spawns.iter().filter(|s| s.kind == kind).count();
    if count(SpawnKind::Agent) != 1 || count(SpawnKind::Goal) != 1 {
        return Err(format!(
            "heist needs exactly one agent and one goal, got {} and {}",
            count(SpawnKind::Agent),
            count(SpawnKind::Goal)
        ));
    }
    let mut taken = vec![false; w * h];
    let mut key_at = vec![None; w * h];
    let mut keys = [false; COLOURS];
    for s in &level.spawns {
        let (x, y) = s.tile();
        if s.x.fract() != 0.5 || s.y.fract() != 0.5 || !walkable(level, x, y) {
            return Err(format!("heist {:?} at ({}, {}) is not at the centre of an open tile", s.kind, s.x, s.y));
        }
        if std::mem::replace(&mut taken[y * w + x], true) {
            return Err(format!("heist has two spawns at ({x}, {y})"));
        }
        match s.kind {
            SpawnKind::Agent | SpawnKind::Goal => {}
            SpawnKind::Key if (s.variant as usize) < COLOURS && !keys[s.variant as usize] => {
                keys[s.variant as usize] = true;
                key_at[y * w + x] = Some(s.variant);
            }
            SpawnKind::Key => {
                return Err(format!(
                    "heist key variant {} is a second key or no colour: one key of 0, 1, 2 each at most",
                    s.variant
                ));
            }
            other => return Err(format!("heist has no {other:?} spawns: only agent, goal and key")),
        }
    }
    let mut doors = [0usize; COLOURS];
    level.tiles.iter().filter_map(|&t| door_colour(t)).for_each(|c| doors[c as usize] += 1);
    for c in 0..COLOURS {
        if doors[c] > 1 || (doors[c] == 1) != keys[c] {
            return Err(format!(
                "heist needs one {} door and one {} key or neither, got {} doors and {} keys",
                COLOUR_NAMES[c], COLOUR_NAMES[c], doors[c], keys[c] as usize
            ));
        }
    }
    let agent = level.first(SpawnKind::Agent).expect("counted one").tile();
    let goal = level.first(SpawnKind::Goal).expect("counted one").tile();
    let Some(way) = shortest_heist(level, agent, goal, &key_at, None) else {
        return Err(format!(
            "heist gem at {goal:?} cannot be reached from the agent at {agent:?}, even with every key"
        ));
    };
    let steps = way.len() as u32 - 1;
    if steps > MAX_STEPS {
        return Err(format!("heist gem takes {steps} steps to reach, over the {MAX_STEPS}-step limit"));
    }
    for c in (0..COLOURS as u8).filter(|&c| keys[c as usize]) {
        if shortest_heist(level, agent, goal, &key_at, Some(c)).is_some() {
            return Err(format!("heist gem can be reached without opening the {} door", COLOUR_NAMES[c as usize]));
        }
    }
    Ok(way)
}

/// A shortest way from `agent` to `goal` under the game's rules, as the cells walked through,
/// both ends included; `None` if the goal cannot be reached. The search runs over (cell, keys
/// picked, doors opened) states: a key is picked up by entering its cell (`key_at`), a door
/// is entered (and opened for good, its key used up) only while its key is held, and the door
/// of colour `shut` (if any) never opens.
fn shortest_heist(
    level: &Level,
    agent: (usize, usize),
    goal: (usize, usize),
    key_at: &[Option<u8>],
    shut: Option<u8>,
) -> Option<Vec<(usize, usize)>> {
    const MASKS: usize = 1 << (2 * COLOURS);
    const UNSEEN: usize = usize::MAX;
    let (w, h) = (level.width, level.height);
    let mut came_from = vec![UNSEEN; w * h * MASKS];
    let start_cell = agent.1 * w + agent.0;
    let start = start_cell * MASKS + key_at[start_cell].map_or(0, |c| 1 << c);
    came_from[start] = start;
    let mut queue = VecDeque::from([start]);
    while let Some(state) = queue.pop_front() {
        let (cell, mask) = (state / MASKS, state % MASKS);
        if cell == goal.1 * w + goal.0 {
            let mut path = vec![(cell % w, cell / w)];
            let mut at = state;
            while came_from[at] != at {
                at = came_from[at];
                path.push((at / MASKS % w, at / MASKS / w));
            }
            path.reverse();
            return Some(path);
        }
        let (x, y) = (cell % w, cell / w);
        for (nx, ny) in [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)] {
            if nx >= w || ny >= h {
                continue;
            }
            let (picked, opened) = (mask & 0b111, mask >> COLOURS);
            let mut next_opened = opened;
            if !walkable(level, nx, ny) {
                match door_colour(level.tile(nx as i32, ny as i32)) {
                    Some(c) if opened & (1 << c) != 0 => {}
                    Some(c) if picked & (1 << c) != 0 && shut != Some(c) => next_opened |= 1 << c,
                    _ => continue,
                }
            }
            let next_cell = ny * w + nx;
            let next_picked = picked | key_at[next_cell].map_or(0, |c| 1 << c);
            let next = next_cell * MASKS + (next_opened << COLOURS | next_picked);
            if came_from[next] == UNSEEN {
                came_from[next] = state;
                queue.push_back(next);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::difficulties;

    #[test]
    fn every_level_is_solvable_and_needs_every_door_over_1000_seeds_per_difficulty() {
        for d in difficulties() {
            let knobs = Knobs::at(d);
            let (mut most_doors, mut largest) = (0, 0);
            for seed in 0..1000 {
                let level = generate(seed, d);
                let way = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert!(way.len() as u32 - 1 <= MAX_STEPS);
                assert!(way.windows(2).all(|p| p[0].0.abs_diff(p[1].0) + p[0].1.abs_diff(p[1].1) == 1));
                let doors = level.tiles.iter().filter(|&&t| door_colour(t).is_some()).count();
                assert_eq!(doors as f64, level.meta["doors"]);
                assert!(doors <= knobs.max_doors);
                most_doors = most_doors.max(doors);
                largest = largest.max(level.width.max(level.height));
            }
            assert_eq!(most_doors, knobs.max_doors, "{d}: the most doors appear");
            assert_eq!(largest, side_of(knobs.max_cells), "{d}: the largest size appears");
        }
    }

    #[test]
    fn harder_means_more_doors_and_longer_heists() {
        let mean = |d: Difficulty, what: &str| (0..300).map(|s| generate(s, d).meta[what]).sum::<f64>() / 300.0;
        let (easy, medium, hard) = (Difficulty::EASY, Difficulty::new(0.5).unwrap(), Difficulty::HARD);
        assert!(mean(easy, "doors") < mean(medium, "doors") && mean(medium, "doors") < mean(hard, "doors"));
        assert!(mean(hard, "solution_steps") > 2.0 * mean(Difficulty::MIN, "solution_steps"));
    }

    #[test]
    fn the_search_follows_the_key_rules() {
        // A corridor: the red key, the agent, the red door, then the gem two tiles on.
        let mut level = Level::filled(NAME, 0, Difficulty::MIN, 7, 3, Tile::Wall);
        (1..6).for_each(|x| level.set(x, 1, Tile::Empty));
        level.set(3, 1, Tile::RedDoor);
        level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 2, 1));
        level.spawns.push(Spawn::at_tile(SpawnKind::Key, 1, 1));
        level.spawns.push(Spawn::at_tile(SpawnKind::Goal, 5, 1));
        let way = check(&level).unwrap();
        assert_eq!(way, [(2, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1)], "left for the key, then through the door");
        let mut bypass = level.clone();
        bypass.set(3, 0, Tile::Empty);
        bypass.set(2, 0, Tile::Empty);
        bypass.set(4, 0, Tile::Empty);
        assert!(check(&bypass).unwrap_err().contains("without opening the red door"));
        let mut wrong_key = level.clone();
        wrong_key.spawns[1].variant = 1;
        assert!(check(&wrong_key).unwrap_err().contains("one red door and one red key or neither"));
        let mut green = level.clone();
        green.spawns[1].variant = 1;
        green.set(3, 1, Tile::GreenDoor);
        assert_eq!(check(&green).map(|w| w.len()), Ok(6), "any colour, if door and key match");
    }

    #[test]
    fn check_refuses_broken_levels_naming_the_problem() {
        let level = (0..).map(|s| generate(s, Difficulty::HARD)).find(|l| l.meta["doors"] >= 2.0).unwrap();
        let mut lost_key = level.clone();
        let key = lost_key.spawns.iter().position(|s| s.kind == SpawnKind::Key).unwrap();
        lost_key.spawns.remove(key);
        assert!(check(&lost_key).unwrap_err().contains("door and one"));
        let mut on_door = level.clone();
        let door = on_door.tiles.iter().position(|&t| door_colour(t).is_some()).unwrap();
        on_door.spawns[0] = Spawn::at_tile(SpawnKind::Agent, door % on_door.width, door / on_door.width);
        assert!(check(&on_door).unwrap_err().contains("centre of an open tile"));
        let mut walled_gem = level.clone();
        let goal = walled_gem.first(SpawnKind::Goal).unwrap().tile();
        for (x, y) in [(goal.0 - 1, goal.1), (goal.0 + 1, goal.1), (goal.0, goal.1 - 1), (goal.0, goal.1 + 1)] {
            walled_gem.set(x, y, Tile::Wall);
        }
        assert!(check(&walled_gem).unwrap_err().contains("cannot be reached"));
    }
}
