//! The miner generator: a walled cave of dirt holding boulders, gems, a few walls and empty
//! pockets, in the spirit of Procgen's Miner (Boulder Dash). The agent digs through dirt,
//! collects every gem, then leaves by the exit, which opens once no gem is left. Boulders and
//! gems fall by the rules of [`crate::gravity`]; the generator lets them settle before play.
//!
//! Guarantees (tested over 1,000 seeds at easy, medium and hard, and more at 0 and 1): the
//! level is square, 10 to [`MAX_SIDE`] tiles (checked: any sides from [`MIN_SIDE`]), walled all round, with exactly one agent
//! and one exit, each at a tile centre on an empty tile; at least one gem; the level is at rest
//! (nothing falls while the agent stands still, so nothing can crush it before it moves); no
//! boulder or gem lies in the two rows above the spawn in its column or the columns beside it;
//! every gem and the exit are reachable by digging (a search through empty, dirt and gem
//! tiles, boulders and walls blocking); and a tour from the spawn to the nearest gem left,
//! again and again, then to the exit, is at most [`MAX_TOUR`] steps (the game's time limit
//! is 1000).
//!
//! Difficulty knobs: the side (10 at 0 to 16 at 1), boulder density (8% to 26% of the
//! interior), gems (3 to 14), empty pockets where things can fall (1 to 5) and wall bars
//! (0 to 4).
//!
//! Walls, pockets, boulders and gems draw from the `Layout` stream; the spawn and exit from
//! the `Spawns` stream.

use rand::RngExt;

use crate::gravity::{self, falls};
use crate::search::{UNREACHED, grid_distances};
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Rng, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "miner";
/// Smallest side accepted, walls included.
pub const MIN_SIDE: usize = 3;
/// Largest side of any level, walls included (the game shows levels in a frame this wide).
pub const MAX_SIDE: usize = 16;
/// Longest gem tour (spawn, gems nearest first, exit) a checked level may need, in steps.
pub const MAX_TOUR: u32 = 600;
/// Most gems a level may hold (the count left is a status byte).
pub const MAX_GEMS: usize = 255;
/// Steps the generator lets tiles fall before play.
const SETTLE_STEPS: usize = 4 * MAX_SIDE * MAX_SIDE;

/// What difficulty sets.
struct Knobs {
    side: usize,
    boulder_density: f64,
    gems: usize,
    pockets: usize,
    bars: usize,
}

impl Knobs {
    fn at(d: Difficulty) -> Knobs {
        Knobs {
            side: d.lerp_int(10, MAX_SIDE as i32) as usize,
            boulder_density: d.lerp(0.08, 0.26) as f64,
            gems: d.lerp_int(3, 14) as usize,
            pockets: d.lerp_int(1, 5) as usize,
            bars: d.lerp_int(0, 4) as usize,
        }
    }
}

/// The cells above `spawn` that must hold no falling tile: two rows, its column and the two
/// beside it.
fn shelter(spawn: (i32, i32)) -> impl Iterator<Item = (i32, i32)> {
    (1..=2).flat_map(move |up| (-1..=1).map(move |dx| (spawn.0 + dx, spawn.1 - up)))
}

/// A random interior cell of a `side` square.
fn interior(rng: &mut Rng, side: usize) -> (i32, i32) {
    (rng.random_range(1..side as i32 - 1), rng.random_range(1..side as i32 - 1))
}

/// The miner level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let knobs = Knobs::at(d);
    let side = knobs.side;
    let mut level = Level::filled(NAME, seed, d, side, side, Tile::Dirt);
    for i in 0..side {
        for (x, y) in [(i, 0), (i, side - 1), (0, i), (side - 1, i)] {
            level.set(x, y, Tile::Wall);
        }
    }
    let mut spawns = stream(seed, Stream::Spawns);
    let spawn = interior(&mut spawns, side);
    let exit = loop {
        let exit = interior(&mut spawns, side);
        if (exit.0 - spawn.0).abs() + (exit.1 - spawn.1).abs() >= side as i32 / 2 {
            break exit;
        }
    };
    let reserved = |c: (i32, i32)| c == spawn || c == exit || shelter(spawn).any(|s| s == c);

    let mut layout = stream(seed, Stream::Layout);
    for _ in 0..knobs.bars {
        let (x, y) = interior(&mut layout, side);
        let (dx, dy) = if layout.random_bool(0.5) { (1, 0) } else { (0, 1) };
        for i in 0..layout.random_range(2..=4) {
            let c = (x + dx * i, y + dy * i);
            if level.tile(c.0, c.1) == Tile::Dirt && !reserved(c) {
                level.set(c.0 as usize, c.1 as usize, Tile::Wall);
            }
        }
    }
    for _ in 0..knobs.pockets {
        let mut c = interior(&mut layout, side);
        for _ in 0..layout.random_range(3..=6) {
            if level.tile(c.0, c.1) == Tile::Dirt && !reserved(c) {
                level.set(c.0 as usize, c.1 as usize, Tile::Empty);
            }
            let (dx, dy) = [(1, 0), (-1, 0), (0, 1), (0, -1)][layout.random_range(0..4)];
            c = ((c.0 + dx).clamp(1, side as i32 - 2), (c.1 + dy).clamp(1, side as i32 - 2));
        }
    }
    for y in 1..side - 1 {
        for x in 1..side - 1 {
            if layout.random_bool(knobs.boulder_density) && level.tile(x as i32, y as i32) == Tile::Dirt {
                level.set(x, y, Tile::Boulder);
            }
        }
    }
    let mut gems = 0;
    for _ in 0..8 * knobs.gems {
        let c = interior(&mut layout, side);
        if gems < knobs.gems && !reserved(c) && matches!(level.tile(c.0, c.1), Tile::Dirt | Tile::Empty) {
            level.set(c.0 as usize, c.1 as usize, Tile::Gem);
            gems += 1;
        }
    }
    for (x, y) in [spawn, exit] {
        level.set(x as usize, y as usize, Tile::Empty);
    }
    for (x, y) in shelter(spawn) {
        if matches!(level.tile(x, y), Tile::Empty | Tile::Boulder | Tile::Gem) {
            level.set(x as usize, y as usize, Tile::Dirt);
        }
    }
    gravity::settle(&mut level, spawn, &[exit], SETTLE_STEPS);
    dig_to_every_target(&mut level, spawn, exit);

    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, spawn.0 as usize, spawn.1 as usize));
    level.spawns.push(Spawn::at_tile(SpawnKind::Exit, exit.0 as usize, exit.1 as usize));
    let count = |t: Tile| level.tiles.iter().filter(|&&x| x == t).count() as f64;
    let (gems, boulders) = (count(Tile::Gem), count(Tile::Boulder));
    level.meta.insert("gems".into(), gems);
    level.meta.insert("boulders".into(), boulders);
    level.meta.insert("tour".into(), tour(&level, spawn, exit) as f64);
    level
}

/// Whether the digger can pass (`x`, `y`): dirt, gems and empty cells.
fn diggable(level: &Level, x: usize, y: usize) -> bool {
    matches!(level.tile(x as i32, y as i32), Tile::Empty | Tile::Dirt | Tile::Gem)
}

/// Turns the boulders and inner walls on a shortest path from the spawn to each gem or the
/// exit that digging cannot reach into dirt. Dirt holds up what those held, so the level
/// stays at rest.
fn dig_to_every_target(level: &mut Level, spawn: (i32, i32), exit: (i32, i32)) {
    let start = (spawn.0 as usize, spawn.1 as usize);
    let side = level.width;
    let inside = |_: &Level, x: usize, y: usize| x > 0 && y > 0 && x < side - 1 && y < side - 1;
    loop {
        let reach = grid_distances(level, start, diggable);
        let targets = (0..level.tiles.len()).filter(|&i| level.tiles[i] == Tile::Gem);
        let exit_cell = exit.1 as usize * side + exit.0 as usize;
        let Some(target) = targets.chain([exit_cell]).find(|&i| reach[i] == UNREACHED) else { return };
        let through = grid_distances(level, start, inside);
        let mut at = (target % side, target / side);
        while at != start {
            if matches!(level.tile(at.0 as i32, at.1 as i32), Tile::Boulder | Tile::Wall) {
                level.set(at.0, at.1, Tile::Dirt);
            }
            let d = through[at.1 * side + at.0];
            let steps = [(at.0 - 1, at.1), (at.0 + 1, at.1), (at.0, at.1 - 1), (at.0, at.1 + 1)];
            at = steps.into_iter().find(|&(x, y)| through[y * side + x] == d - 1).expect("a shortest path steps back");
        }
    }
}

/// Steps of the greedy tour: from the spawn to the nearest gem left, again until none is
/// left, then to the exit; [`UNREACHED`] if some target cannot be reached by digging.
fn tour(level: &Level, spawn: (i32, i32), exit: (i32, i32)) -> u32 {
    let side = level.width;
    let mut gems: Vec<usize> = (0..level.tiles.len()).filter(|&i| level.tiles[i] == Tile::Gem).collect();
    let mut at = (spawn.0 as usize, spawn.1 as usize);
    let mut total = 0u32;
    loop {
        let dist = grid_distances(level, at, diggable);
        let next = gems.iter().enumerate().min_by_key(|(_, g)| dist[**g]).map(|(i, &g)| (i, g));
        let (target, index) = match next {
            Some((i, g)) => (g, Some(i)),
            None => (exit.1 as usize * side + exit.0 as usize, None),
        };
        if dist[target] == UNREACHED {
            return UNREACHED;
        }
        total += dist[target];
        at = (target % side, target / side);
        match index {
            Some(i) => {
                gems.swap_remove(i);
            }
            None => return total,
        }
    }
}

/// The cell of a grid game's spawn, which must sit at a tile centre.
fn cell_of(s: &Spawn) -> Result<(i32, i32), String> {
    if s.x.fract() != 0.5 || s.y.fract() != 0.5 {
        return Err(format!("miner {:?} at ({}, {}) is not at a tile centre", s.kind, s.x, s.y));
    }
    Ok((s.x as i32, s.y as i32))
}

/// Checks a miner level's guarantees (see the module doc); returns the gem tour's length,
/// or why the level is not playable.
pub fn check(level: &Level) -> Result<u32, String> {
    let (w, h) = (level.width as i32, level.height as i32);
    if ![w, h].iter().all(|side| (MIN_SIDE as i32..=MAX_SIDE as i32).contains(side)) {
        return Err(format!("miner sides must be in [{MIN_SIDE}, {MAX_SIDE}], got {w}x{h}"));
    }
    let rows = (0..h).flat_map(|y| [(0, y), (w - 1, y)]);
    let mut border = (0..w).flat_map(|x| [(x, 0), (x, h - 1)]).chain(rows);
    if let Some((x, y)) = border.find(|&(x, y)| level.tile(x, y) != Tile::Wall) {
        return Err(format!("miner must be walled all round: tile ({x}, {y}) is not a wall"));
    }
    let (spawn, exit) = (cell_of(level.single(SpawnKind::Agent)?)?, cell_of(level.single(SpawnKind::Exit)?)?);
    for (what, (x, y)) in [("agent", spawn), ("exit", exit)] {
        if level.tile(x, y) != Tile::Empty {
            return Err(format!("miner {what} at ({x}, {y}) must stand on an empty tile"));
        }
    }
    if spawn == exit {
        return Err("miner agent starts on the exit".into());
    }
    let gems = level.tiles.iter().filter(|&&t| t == Tile::Gem).count();
    if !(1..=MAX_GEMS).contains(&gems) {
        return Err(format!("miner needs 1 to {MAX_GEMS} gems, got {gems}"));
    }
    if let Some((x, y)) = shelter(spawn).find(|&(x, y)| falls(level.tile(x, y))) {
        return Err(format!("miner {:?} at ({x}, {y}) hangs over the agent's start", level.tile(x, y)));
    }
    if !gravity::at_rest(level, spawn, &[exit]) {
        return Err("miner level is not at rest: some boulder or gem falls before the agent moves".into());
    }
    match tour(level, spawn, exit) {
        UNREACHED => Err("miner has a gem or the exit that digging cannot reach".into()),
        steps if steps > MAX_TOUR => Err(format!("miner gem tour takes {steps} steps: at most {MAX_TOUR} allowed")),
        steps => Ok(steps),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PRESETS;

    #[test]
    fn every_level_keeps_its_guarantees_over_1000_seeds_per_preset() {
        for d in PRESETS.iter().map(|p| p.1).chain([0.0, 1.0]).map(|v| Difficulty::new(v).unwrap()) {
            let mut longest = 0;
            for seed in 0..1000 {
                let level = generate(seed, d);
                let tour = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert_eq!(tour as f64, level.meta["tour"]);
                longest = longest.max(tour);
            }
            println!("difficulty {d}: longest gem tour {longest} steps");
        }
    }

    #[test]
    fn harder_means_larger_with_more_boulders_and_gems() {
        let mean = |d: f32, key: &str| {
            (0..200).map(|s| generate(s, Difficulty::new(d).unwrap()).meta[key]).sum::<f64>() / 200.0
        };
        let side = |d: f32| generate(0, Difficulty::new(d).unwrap()).width;
        assert!(side(0.75) > side(0.25));
        assert!(mean(0.75, "boulders") > 2.0 * mean(0.25, "boulders"));
        assert!(mean(0.75, "gems") > 1.5 * mean(0.25, "gems"));
        assert!(mean(0.75, "tour") > mean(0.25, "tour"));
    }

    #[test]
    fn check_refuses_broken_levels() {
        let base = generate(5, Difficulty::HARD);
        let spawn = cell_of(base.first(SpawnKind::Agent).unwrap()).unwrap();
        let exit = cell_of(base.first(SpawnKind::Exit).unwrap()).unwrap();
        let set = |level: &mut Level, (x, y): (i32, i32), t| level.set(x as usize, y as usize, t);

        let mut overhang = base.clone();
        set(&mut overhang, (spawn.0, spawn.1 - 1), Tile::Boulder);
        assert!(check(&overhang).unwrap_err().contains("hangs over"));

        let mut walled_exit = base.clone();
        for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
            set(&mut walled_exit, (exit.0 + dx, exit.1 + dy), Tile::Wall);
        }
        assert!(check(&walled_exit).unwrap_err().contains("cannot reach"));

        let mut unstable = base.clone();
        let hole = (1..base.width as i32 - 1)
            .flat_map(|y| (1..base.width as i32 - 1).map(move |x| (x, y)))
            .find(|&(x, y)| base.tile(x, y) == Tile::Dirt && base.tile(x, y + 1) == Tile::Dirt && (x, y + 1) != spawn)
            .unwrap();
        set(&mut unstable, hole, Tile::Boulder);
        set(&mut unstable, (hole.0, hole.1 + 1), Tile::Empty);
        let err = check(&unstable).unwrap_err();
        assert!(err.contains("not at rest") || err.contains("hangs over"), "{err}");

        let mut no_gems = base.clone();
        no_gems.tiles.iter_mut().filter(|t| **t == Tile::Gem).for_each(|t| *t = Tile::Dirt);
        assert!(check(&no_gems).unwrap_err().contains("1 to 255 gems"));

        let mut open_side = base.clone();
        set(&mut open_side, (0, 3), Tile::Dirt);
        assert!(check(&open_side).unwrap_err().contains("walled all round"));

        let mut two_exits = base.clone();
        two_exits.spawns.push(*base.first(SpawnKind::Exit).unwrap());
        assert!(check(&two_exits).unwrap_err().contains("exactly one Exit"));

        let mut off_centre = base;
        off_centre.spawns[0].x += 0.25;
        assert!(check(&off_centre).unwrap_err().contains("tile centre"));
    }
}
