//! The chaser generator: a maze with loops (carved as a tree, then a few walls opened and
//! dead ends mostly removed), an orb ([`Tile::Gem`]) on every open tile, a few power orbs spread over the
//! level's quarters, the agent, and enemies starting in their dens far from the agent.
//!
//! Guarantees (checked by [`check`], tested over 1,000 seeds at every preset and at 0 and 1):
//! the grid is at most [`WORLD`] a side and bordered by walls; the maze is not a tree (some
//! loop exists); every spawn stands on an open tile at a cell centre, the agent on a bare one;
//! every orb and power orb is reachable from the agent; no enemy starts within
//! [`SAFE_DISTANCE`] steps of the agent (and enemies move slower than the agent, so none can
//! touch it in its first [`SAFE_DISTANCE`] steps); walking every reachable tile takes at most
//! 2 (tiles - 1) steps, within the [`MAX_STEPS`] limit.
//!
//! Difficulty knobs ([`Knobs::at`]): the maze grows (9 x 9 at 0, up to 15 x 15 at 1), fewer
//! dead ends are removed, enemies grow in number (1 to 4), speed (0.5 to 0.8 cells a step)
//! and aim (how often they take the way toward the agent at a junction, 50% to 90%), and
//! the power orbs grow fewer (4 to 2) and shorter (60 to 25 steps of power).

use rand::RngExt;

use crate::carve::{carve_depth_first, cell_tile, open_closed_walls, remove_dead_ends, side_of};
use crate::search::{UNREACHED, grid_distances, walkable};
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Rng, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "chaser";
/// The largest side a level may have (the frame the game shows), in tiles.
pub const WORLD: usize = 16;
/// The smallest side a level may have, in tiles.
pub const MIN_SIDE: usize = 5;
/// Steps before an episode is truncated.
pub const MAX_STEPS: u32 = 1000;
/// No enemy starts this close to the agent, in steps along the maze.
pub const SAFE_DISTANCE: u32 = 8;
/// Most enemies a level may hold.
pub const MAX_ENEMIES: usize = 8;
/// Most power orbs a level may hold.
pub const MAX_POWER_ORBS: usize = 8;
/// Tries at a random agent cell with room for the enemies before falling back to a corner.
const AGENT_TRIES: usize = 8;

/// The generator's and the game's settings at one difficulty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Knobs {
    /// Most lattice cells along each side (the level is 2 cells + 1 tiles a side).
    pub max_cells: usize,
    /// Extra openings making loops, as a share of the cells (at least one is made).
    pub loop_share: f32,
    /// Chance that a dead end of the carved maze is opened.
    pub dead_end_share: f64,
    /// Enemies.
    pub enemies: usize,
    /// Enemy speed while hunting, in cells a step (the agent walks 1).
    pub enemy_speed: f32,
    /// Enemy speed while fleeing.
    pub flee_speed: f32,
    /// Chance that an enemy takes the best way at a junction.
    pub aim: f64,
    /// Power orbs.
    pub power_orbs: usize,
    /// Steps enemies stay vulnerable after a power orb.
    pub power_steps: u16,
}

impl Knobs {
    /// The knobs at difficulty `d`.
    pub fn at(d: Difficulty) -> Knobs {
        let enemy_speed = d.lerp(0.5, 0.8);
        Knobs {
            max_cells: 4 + d.lerp_int(0, 3) as usize,
            loop_share: d.lerp(0.2, 0.1),
            dead_end_share: d.lerp(1.0, 0.4) as f64,
            enemies: d.lerp_int(1, 4) as usize,
            enemy_speed,
            flee_speed: enemy_speed / 2.0,
            aim: d.lerp(0.5, 0.9) as f64,
            power_orbs: d.lerp_int(4, 2) as usize,
            power_steps: d.lerp_int(60, 25) as u16,
        }
    }
}

/// The chaser level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let knobs = Knobs::at(d);
    let mut layout = stream(seed, Stream::Layout);
    let cells = (knobs.max_cells - 1).max(4)..=knobs.max_cells;
    let (cols, rows) = (layout.random_range(cells.clone()), layout.random_range(cells));
    let mut level = Level::filled(NAME, seed, d, side_of(cols), side_of(rows), Tile::Wall);
    carve_depth_first(&mut level, cols, rows, &mut layout);
    let loops = ((knobs.loop_share * (cols * rows) as f32).round() as usize).max(1);
    open_closed_walls(&mut level, cols, rows, loops, &mut layout);
    remove_dead_ends(&mut level, cols, rows, knobs.dead_end_share, &mut layout);
    for tile in level.tiles.iter_mut().filter(|t| **t == Tile::Empty) {
        *tile = Tile::Gem;
    }

    let mut spawns = stream(seed, Stream::Spawns);
    let random_cell = |rng: &mut Rng| (cell_tile(rng.random_range(0..cols)), cell_tile(rng.random_range(0..rows)));
    let far_cells = |agent: (usize, usize)| {
        let dist = grid_distances(&level, agent, walkable);
        let mut far = Vec::new();
        for cy in 0..rows {
            for cx in 0..cols {
                let d = dist[cell_tile(cy) * level.width + cell_tile(cx)];
                if d != UNREACHED && d >= SAFE_DISTANCE {
                    far.push((cell_tile(cx), cell_tile(cy)));
                }
            }
        }
        far
    };
    let mut agent = random_cell(&mut spawns);
    let mut far = far_cells(agent);
    for _ in 1..AGENT_TRIES {
        if far.len() >= knobs.enemies {
            break;
        }
        agent = random_cell(&mut spawns);
        far = far_cells(agent);
    }
    if far.len() < knobs.enemies {
        // A corner: the opposite corner is at least (9 - 2) * 2 steps away.
        agent = (1, 1);
        far = far_cells(agent);
    }
    let dens: Vec<(usize, usize)> =
        (0..knobs.enemies).map(|_| far.swap_remove(spawns.random_range(0..far.len()))).collect();

    let mut quarters = [0, 1, 2, 3];
    for i in (1..4).rev() {
        quarters.swap(i, spawns.random_range(0..=i));
    }
    let mut powers: Vec<(usize, usize)> = Vec::with_capacity(knobs.power_orbs);
    let mut choices = Vec::with_capacity(cols * rows);
    for &quarter in &quarters[..knobs.power_orbs] {
        choices.clear();
        for cy in 0..rows {
            for cx in 0..cols {
                let cell = (cell_tile(cx), cell_tile(cy));
                let in_quarter = (2 * cell.0 >= level.width) as usize + 2 * (2 * cell.1 >= level.height) as usize;
                if in_quarter == quarter && cell != agent && !dens.contains(&cell) && !powers.contains(&cell) {
                    choices.push(cell);
                }
            }
        }
        if !choices.is_empty() {
            powers.push(choices[spawns.random_range(0..choices.len())]);
        }
    }

    level.set(agent.0, agent.1, Tile::Empty);
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, agent.0, agent.1));
    for &(x, y) in &powers {
        level.set(x, y, Tile::Empty);
        level.spawns.push(Spawn::at_tile(SpawnKind::PowerOrb, x, y));
    }
    for &(x, y) in &dens {
        level.spawns.push(Spawn::at_tile(SpawnKind::Enemy, x, y));
    }
    let stats = check(&level).expect("generated chaser levels keep their guarantees");
    level.meta.insert("orbs".into(), stats.orbs as f64);
    level.meta.insert("enemies".into(), dens.len() as f64);
    level.meta.insert("nearest_enemy".into(), stats.nearest_enemy as f64);
    level.meta.insert("open_tiles".into(), stats.open_tiles as f64);
    level
}

/// What [`check`] measured on a playable level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Orbs to collect: orb tiles and power orbs.
    pub orbs: usize,
    /// Open tiles the agent can reach.
    pub open_tiles: usize,
    /// Steps from the agent to the nearest enemy ([`UNREACHED`] if none can reach it).
    pub nearest_enemy: u32,
    /// Whether the open tiles hold a loop (more passages than a tree).
    pub has_loop: bool,
}

/// Checks a chaser level's guarantees (the generator's, or a hand-edited file's).
pub fn check(level: &Level) -> Result<Stats, String> {
    let (w, h) = (level.width, level.height);
    if !(MIN_SIDE..=WORLD).contains(&w) || !(MIN_SIDE..=WORLD).contains(&h) {
        return Err(format!("chaser levels have sides in [{MIN_SIDE}, {WORLD}], got {w}x{h}"));
    }
    let count = |kind: SpawnKind| level.spawns.iter().filter(|s| s.kind == kind).count();
    if count(SpawnKind::Agent) != 1 {
        return Err(format!("chaser needs exactly one agent, got {}", count(SpawnKind::Agent)));
    }
    if count(SpawnKind::Enemy) > MAX_ENEMIES || count(SpawnKind::PowerOrb) > MAX_POWER_ORBS {
        return Err(format!(
            "chaser allows at most {MAX_ENEMIES} enemies and {MAX_POWER_ORBS} power orbs, got {} and {}",
            count(SpawnKind::Enemy),
            count(SpawnKind::PowerOrb)
        ));
    }
    for s in &level.spawns {
        if !matches!(s.kind, SpawnKind::Agent | SpawnKind::Enemy | SpawnKind::PowerOrb) {
            return Err(format!("chaser has no {:?} spawns: only agent, enemy and power_orb", s.kind));
        }
        let (x, y) = s.tile();
        if s.x.fract() != 0.5 || s.y.fract() != 0.5 || !walkable(level, x, y) {
            return Err(format!("chaser {:?} at ({}, {}) is not at the centre of an open tile", s.kind, s.x, s.y));
        }
    }
    let agent = level.first(SpawnKind::Agent).expect("counted one").tile();
    if level.tile(agent.0 as i32, agent.1 as i32) != Tile::Empty {
        return Err(format!("chaser agent at {agent:?} must start on a bare tile, not an orb"));
    }
    let dist = grid_distances(level, agent, walkable);
    let reached = |(x, y): (usize, usize)| dist[y * w + x] != UNREACHED;
    let mut orbs = 0;
    for (i, &tile) in level.tiles.iter().enumerate() {
        if tile == Tile::Gem {
            orbs += 1;
            if !reached((i % w, i / w)) {
                return Err(format!("chaser orb at ({}, {}) cannot be reached from the agent", i % w, i / w));
            }
        }
    }
    for s in level.spawns.iter().filter(|s| s.kind == SpawnKind::PowerOrb) {
        orbs += 1;
        if !reached(s.tile()) {
            return Err(format!("chaser power orb at {:?} cannot be reached from the agent", s.tile()));
        }
    }
    if orbs == 0 {
        return Err("chaser level has no orb to collect".into());
    }
    let nearest_enemy =
        level.spawns.iter().filter(|s| s.kind == SpawnKind::Enemy).map(|s| dist[s.tile().1 * w + s.tile().0]).min();
    let nearest_enemy = nearest_enemy.unwrap_or(UNREACHED);
    if nearest_enemy < SAFE_DISTANCE {
        return Err(format!("chaser enemy {nearest_enemy} steps from the agent: at least {SAFE_DISTANCE} needed"));
    }
    let open_tiles = dist.iter().filter(|&&d| d != UNREACHED).count();
    let tour = 2 * (open_tiles as u32 - 1);
    if tour > MAX_STEPS {
        return Err(format!(
            "chaser level has {open_tiles} open tiles: walking them all may take {tour} steps, over {MAX_STEPS}"
        ));
    }
    // In a grid graph, a tree over n tiles has n - 1 adjacent pairs; any more make a loop.
    let pairs = (0..w * h)
        .filter(|&i| reached((i % w, i / w)))
        .map(|i| {
            usize::from(i % w + 1 < w && reached((i % w + 1, i / w)))
                + usize::from(i / w + 1 < h && reached((i % w, i / w + 1)))
        })
        .sum::<usize>();
    Ok(Stats { orbs, open_tiles, nearest_enemy, has_loop: pairs >= open_tiles })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::difficulties;

    #[test]
    fn every_level_keeps_its_guarantees_over_1000_seeds_per_difficulty() {
        for d in difficulties() {
            let knobs = Knobs::at(d);
            let mut largest = 0;
            for seed in 0..1000 {
                let level = generate(seed, d);
                let stats = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert!(stats.has_loop, "seed {seed} at {d}: the maze is a tree\n{}", level.to_ascii());
                assert!(stats.nearest_enemy >= SAFE_DISTANCE);
                assert!(2 * (stats.open_tiles - 1) <= MAX_STEPS as usize);
                let count = |k| level.spawns.iter().filter(|s| s.kind == k).count();
                assert_eq!(count(SpawnKind::Enemy), knobs.enemies);
                assert_eq!(count(SpawnKind::PowerOrb), knobs.power_orbs, "seed {seed}: one power orb a quarter");
                let border = (0..level.width).all(|x| level.tile(x as i32, 0) == Tile::Wall)
                    && (0..level.height).all(|y| level.tile(0, y as i32) == Tile::Wall);
                assert!(border, "seed {seed}: border must be wall");
                largest = largest.max(level.width.max(level.height));
            }
            assert_eq!(largest, side_of(knobs.max_cells), "the largest size is reached at {d}");
        }
    }

    #[test]
    fn enemies_are_always_slower_than_the_agent() {
        for d in difficulties() {
            let k = Knobs::at(d);
            assert!(k.enemy_speed < 1.0 && k.flee_speed < k.enemy_speed, "{d}");
        }
    }

    #[test]
    fn harder_means_larger_mazes_more_and_faster_enemies_and_shorter_power() {
        let mean_orbs = |d: Difficulty| (0..300).map(|s| generate(s, d).meta["orbs"]).sum::<f64>() / 300.0;
        assert!(mean_orbs(Difficulty::HARD) > 1.5 * mean_orbs(Difficulty::MIN));
        let (easy, hard) = (Knobs::at(Difficulty::EASY), Knobs::at(Difficulty::HARD));
        assert!(hard.enemies > easy.enemies && hard.enemy_speed > easy.enemy_speed && hard.aim > easy.aim);
        assert!(hard.power_steps < easy.power_steps);
    }

    #[test]
    fn check_refuses_broken_levels_naming_the_problem() {
        let level = generate(5, Difficulty::HARD);
        let agent = level.first(SpawnKind::Agent).unwrap().tile();

        let mut close = level.clone();
        let next = [(1i32, 0i32), (-1, 0), (0, 1), (0, -1)]
            .iter()
            .map(|(dx, dy)| ((agent.0 as i32 + dx) as usize, (agent.1 as i32 + dy) as usize))
            .find(|&(x, y)| walkable(&level, x, y))
            .unwrap();
        close.spawns.push(Spawn::at_tile(SpawnKind::Enemy, next.0, next.1));
        assert!(check(&close).unwrap_err().contains("1 steps from the agent"));

        let mut walled = level.clone();
        let orb = (0..walled.tiles.len()).rev().find(|&i| walled.tiles[i] == Tile::Gem).unwrap();
        let (x, y) = (orb % walled.width, orb / walled.width);
        for (nx, ny) in [(x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1)] {
            walled.set(nx, ny, Tile::Wall);
        }
        assert!(check(&walled).unwrap_err().contains("cannot be reached"));

        let mut off_centre = level.clone();
        off_centre.spawns[0].x += 0.25;
        assert!(check(&off_centre).unwrap_err().contains("centre"));

        let big = Level::filled(NAME, 0, Difficulty::MIN, 17, 9, Tile::Empty);
        assert!(check(&big).unwrap_err().contains("17x9"));
    }
}
