//! The starpilot generator: a side-scrolling shooter level in the spirit of Procgen's
//! StarPilot. A long strip of space, [`HEIGHT`] tiles tall, strewn with asteroids (wall
//! blocks) around a winding corridor; stationary turrets and waves of flyers wait along it;
//! the ship starts at the left and the goal line stands at the right end.
//!
//! Guarantees (tested over 1,000 seeds per preset): exactly one agent and one goal line, the
//! goal to the right; a corridor [`CORRIDOR`] rows tall (the ship is 0.8) free of asteroids
//! runs from the ship's start to the goal, changing by at most one row every two columns (at
//! its slowest the ship can climb a row in 1.25 columns), found by a search over the grid
//! ([`corridor_exists`]); the first [`START_COLUMNS`] columns hold no asteroid, so flying
//! straight on is safe for [`SAFE_START_STEPS`]; no enemy starts within [`SAFE_DISTANCE`]
//! tiles of the ship, nor inside an asteroid; and even at its slowest the ship reaches the
//! goal line within [`MAX_STEPS`] steps minus a margin.
//!
//! Difficulty knobs: the level's length (40 to 100 tiles of course, plus up to 12), the
//! chance an asteroid starts in a column (0.1 to 0.4), the number of enemy groups (3 to 14,
//! plus up to 2) and how many are waves of flyers rather than turrets (30% to 60%), flyer
//! speed (0.03 to 0.09 tiles per step), and the steps between an enemy's shots
//! (`fire_period` in `meta`, 60 to 20).
//!
//! Asteroids and the corridor draw from the `Layout` stream; enemies from `Spawns`.

use rand::RngExt;

use crate::checks::parameter;
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Rng, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "starpilot";
/// Rows of every level.
pub const HEIGHT: usize = 16;
/// Rows of the asteroid-free corridor.
pub const CORRIDOR: usize = 3;
/// Columns at the start that hold no asteroid.
pub const START_COLUMNS: usize = 14;
/// Columns after the goal line.
const END_COLUMNS: usize = 4;
/// Half the width and half the height of the ship.
pub const SHIP_HALF: (f32, f32) = (0.6, 0.4);
/// Half the side of an enemy.
pub const ENEMY_HALF: f32 = 0.5;
/// Forward speed of the scroll, in tiles per step; the ship's own x speed adds steering.
pub const SCROLL: f32 = 0.25;
/// The most steering changes the ship's speed along each axis, in tiles per step.
pub const STEER_MAX: f32 = 0.12;
/// The slowest the ship moves forward.
pub const MIN_SPEED: f32 = SCROLL - STEER_MAX;
/// The game's time limit, in steps.
pub const MAX_STEPS: u32 = 1000;
/// Steps of the time limit left over when the ship flies its slowest to the goal.
const STEP_MARGIN: f32 = 50.0;
/// No enemy starts within this many tiles (to the right) of the ship.
pub const SAFE_DISTANCE: f32 = 14.0;
/// Steps of flying straight on at the scroll speed that the start leaves safe.
pub const SAFE_START_STEPS: f32 = 30.0;
/// The fastest a flyer may move, in tiles per step.
pub const MAX_FLYER_SPEED: f32 = 0.2;
/// Enemy variants.
pub const TURRET: u8 = 0;
/// A flyer: moves left at its speed; dies on meeting an asteroid.
pub const FLYER: u8 = 1;

/// What difficulty sets.
struct Knobs {
    course: usize,
    asteroid_chance: f64,
    groups: usize,
    wave_share: f64,
    flyer_speed: f32,
    fire_period: u32,
}

impl Knobs {
    fn at(d: Difficulty) -> Knobs {
        Knobs {
            course: d.lerp_int(40, 100) as usize,
            asteroid_chance: d.lerp(0.1, 0.4) as f64,
            groups: d.lerp_int(3, 14) as usize,
            wave_share: d.lerp(0.3, 0.6) as f64,
            flyer_speed: d.lerp(0.03, 0.09),
            fire_period: d.lerp_int(60, 20) as u32,
        }
    }
}

/// The steps between an enemy's shots in `level` (its `fire_period` play parameter).
pub fn fire_period(level: &Level) -> Result<u16, String> {
    parameter(level, "fire_period", 8.0..=400.0).map(|v| v.round() as u16)
}

/// The top row of the corridor in each column: flat over the start, then wandering by one
/// row at a time, at least two columns apart, within the level.
fn wind_corridor(width: usize, first: usize, rng: &mut Rng) -> Vec<usize> {
    let (mut top, mut since_shift) = (first, 0);
    let mut tops = Vec::with_capacity(width);
    for x in 0..width {
        since_shift += 1;
        if x > START_COLUMNS && since_shift >= 2 && rng.random_bool(0.35) {
            let up = top > 1 && (top + CORRIDOR + 1 >= HEIGHT || rng.random_bool(0.5));
            top = if up { top - 1 } else { top + 1 };
            since_shift = 0;
        }
        tops.push(top);
    }
    tops
}

/// Whether row `y` of column `x` must stay clear: inside the corridor at `x` or at a
/// neighbouring column (so the corridor's steps can be flown diagonally).
fn in_corridor(tops: &[usize], x: usize, y: usize) -> bool {
    let near = &tops[x.saturating_sub(1)..(x + 2).min(tops.len())];
    near.iter().any(|&top| (top..top + CORRIDOR).contains(&y))
}

/// The starpilot level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let knobs = Knobs::at(d);
    let mut layout = stream(seed, Stream::Layout);
    let width = START_COLUMNS + knobs.course + layout.random_range(0..=12) + END_COLUMNS;
    let mut level = Level::filled(NAME, seed, d, width, HEIGHT, Tile::Empty);
    let tops = wind_corridor(width, layout.random_range(3..=HEIGHT - CORRIDOR - 3), &mut layout);
    let goal_x = width - END_COLUMNS;
    for x in START_COLUMNS..goal_x {
        if !layout.random_bool(knobs.asteroid_chance) {
            continue;
        }
        let (w, h) = (layout.random_range(1..=3), layout.random_range(1..=4));
        let y0 = layout.random_range(0..=HEIGHT - h);
        for (ax, ay) in (x..(x + w).min(goal_x)).flat_map(|ax| (y0..y0 + h).map(move |ay| (ax, ay))) {
            if !in_corridor(&tops, ax, ay) {
                level.set(ax, ay, Tile::Wall);
            }
        }
    }
    let asteroid_tiles = level.tiles.iter().filter(|&&t| t == Tile::Wall).count();

    let ship_y = tops[0] as f32 + CORRIDOR as f32 / 2.0;
    level.spawns.push(Spawn { kind: SpawnKind::Agent, x: 3.0, y: ship_y, vx: 0.0, vy: 0.0, variant: 0 });
    let goal = Spawn { kind: SpawnKind::Goal, x: goal_x as f32 + 0.5, y: HEIGHT as f32 / 2.0, ..level.spawns[0] };
    level.spawns.push(goal);
    let mut spawns = stream(seed, Stream::Spawns);
    let groups = knobs.groups + spawns.random_range(0..=2);
    let first = (3.0 + SAFE_DISTANCE).ceil() as usize;
    for _ in 0..groups {
        let x = spawns.random_range(first..goal_x - 2);
        let wave = spawns.random_bool(knobs.wave_share);
        let members = if wave { spawns.random_range(2..=3) } else { 1 };
        let y = spawns.random_range(1..HEIGHT - 2 * members);
        for row in (0..members).map(|i| y + 2 * i) {
            if level.tile(x as i32, row as i32) != Tile::Empty {
                continue;
            }
            let (variant, vx) = if wave { (FLYER, -knobs.flyer_speed) } else { (TURRET, 0.0) };
            let (cx, cy) = (x as f32 + 0.5, row as f32 + 0.5);
            level.spawns.push(Spawn { kind: SpawnKind::Enemy, x: cx, y: cy, vx, vy: 0.0, variant });
        }
    }
    let enemies = level.spawns.len() - 2;
    level.meta.insert("fire_period".into(), knobs.fire_period as f64);
    level.meta.insert("enemies".into(), enemies as f64);
    level.meta.insert("asteroid_tiles".into(), asteroid_tiles as f64);
    level.meta.insert("course".into(), (goal_x - START_COLUMNS) as f64);
    level
}

/// Whether a band of [`CORRIDOR`] rows, starting at one holding the whole ship box at
/// (`ship_x`, `ship_y`), runs free of solid tiles column by column to `goal_column`, moving
/// one row up or down at most once per two columns (a diagonal step needs both bands free in
/// the column it crosses).
pub fn corridor_exists(level: &Level, ship_x: f32, ship_y: f32, goal_column: usize) -> bool {
    let rows = level.height.saturating_sub(CORRIDOR) + 1;
    let free = |x: usize, top: usize| (top..top + CORRIDOR).all(|y| !level.tile(x as i32, y as i32).is_solid());
    let (first_row, last_row) = ((ship_y - SHIP_HALF.1).floor(), (ship_y + SHIP_HALF.1).ceil());
    let start = ship_x.floor().max(0.0) as usize;
    if start >= goal_column || goal_column >= level.width || level.height < CORRIDOR {
        return false;
    }
    // reach[x * rows + top]: the band with `top` at column x is reachable.
    let mut reach = vec![false; level.width * rows];
    for top in 0..rows {
        reach[start * rows + top] = top as f32 <= first_row && (top + CORRIDOR) as f32 >= last_row && free(start, top);
    }
    for x in start..goal_column {
        for top in 0..rows {
            if !reach[x * rows + top] || !free(x + 1, top) {
                continue;
            }
            reach[(x + 1) * rows + top] = true;
            if x + 2 > goal_column {
                continue;
            }
            for next in [top.wrapping_sub(1), top + 1].into_iter().filter(|&n| n < rows) {
                if free(x + 1, next) && free(x + 2, next) {
                    reach[(x + 2) * rows + next] = true;
                }
            }
        }
    }
    (0..rows).any(|top| reach[goal_column * rows + top])
}

/// Checks a starpilot level's guarantees (the generator's, or a hand-edited file's): one
/// ship and one goal line to its right, a safe start, enemies of known sorts away from the
/// start, a corridor to the goal, and a goal reached in time at the slowest speed.
pub fn check(level: &Level) -> Result<(), String> {
    if level.height != HEIGHT || level.width < START_COLUMNS + END_COLUMNS {
        return Err(format!(
            "starpilot levels are {HEIGHT} tiles tall and at least {} wide, got {}x{}",
            START_COLUMNS + END_COLUMNS,
            level.width,
            level.height
        ));
    }
    fire_period(level)?;
    let ship = level.single(SpawnKind::Agent)?;
    let goal = level.single(SpawnKind::Goal)?;
    let flight = goal.x - ship.x;
    if flight <= 0.0 {
        return Err(format!("starpilot goal line at x = {} must lie right of the ship at x = {}", goal.x, ship.x));
    }
    if flight / MIN_SPEED > MAX_STEPS as f32 - STEP_MARGIN {
        return Err(format!(
            "starpilot goal is {flight} tiles away: at {MIN_SPEED} tiles a step it takes over {} steps",
            MAX_STEPS as f32 - STEP_MARGIN
        ));
    }
    // Flying straight on at the scroll speed for the safe start touches no asteroid.
    let reach = ship.x + SHIP_HALF.0 + SCROLL * SAFE_START_STEPS;
    let (top, bottom) = ((ship.y - SHIP_HALF.1).floor() as i32, (ship.y + SHIP_HALF.1).ceil() as i32);
    let inside = ship.y - SHIP_HALF.1 >= 0.0 && ship.y + SHIP_HALF.1 <= HEIGHT as f32 && ship.x - SHIP_HALF.0 >= 0.0;
    let columns = (ship.x - SHIP_HALF.0).floor() as i32..reach.ceil() as i32;
    if !inside || columns.into_iter().any(|x| (top..bottom).any(|y| level.tile(x, y).is_solid())) {
        return Err(format!("starpilot ship at ({}, {}) must start clear of asteroids and edges", ship.x, ship.y));
    }
    for (i, enemy) in level.spawns.iter().enumerate() {
        match enemy.kind {
            SpawnKind::Agent | SpawnKind::Goal => continue,
            SpawnKind::Enemy => {}
            other => return Err(format!("starpilot spawn {i} is a {other:?}: only agent, goal and enemies")),
        }
        let moves_right = enemy.variant == TURRET && (enemy.vx != 0.0 || enemy.vy != 0.0);
        let bad_flyer = enemy.variant == FLYER && (enemy.vy != 0.0 || !(-MAX_FLYER_SPEED..0.0).contains(&enemy.vx));
        if enemy.variant > FLYER || moves_right || bad_flyer {
            return Err(format!(
                "starpilot enemy {i} (variant {}, velocity ({}, {})) must be a still turret (0) or a flyer (1) \
                 moving left at most {MAX_FLYER_SPEED}",
                enemy.variant, enemy.vx, enemy.vy
            ));
        }
        if enemy.x - ship.x < SAFE_DISTANCE {
            return Err(format!(
                "starpilot enemy {i} starts {} tiles from the ship, under {SAFE_DISTANCE}",
                enemy.x - ship.x
            ));
        }
        if level.tile(enemy.x.floor() as i32, enemy.y.floor() as i32).is_solid() {
            return Err(format!("starpilot enemy {i} at ({}, {}) starts inside an asteroid", enemy.x, enemy.y));
        }
    }
    if !corridor_exists(level, ship.x, ship.y, goal.x.floor() as usize) {
        return Err(format!("starpilot has no corridor {CORRIDOR} rows tall from the ship to the goal line"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_refused, presets};

    #[test]
    fn every_level_keeps_its_guarantees_over_1000_seeds_per_preset() {
        for d in presets() {
            for seed in 0..1000 {
                let level = generate(seed, d);
                check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                let ship = level.first(SpawnKind::Agent).unwrap();
                let goal = level.first(SpawnKind::Goal).unwrap();
                assert!((goal.x - ship.x) / MIN_SPEED <= MAX_STEPS as f32, "seed {seed}: goal too far");
                let start_clear =
                    (0..START_COLUMNS as i32).all(|x| (0..HEIGHT as i32).all(|y| level.tile(x, y) == Tile::Empty));
                assert!(start_clear, "seed {seed}: asteroid at the start");
                for enemy in level.spawns.iter().filter(|s| s.kind == SpawnKind::Enemy) {
                    assert!(enemy.x - ship.x >= SAFE_DISTANCE, "seed {seed}: enemy near the start");
                }
            }
        }
    }

    #[test]
    fn harder_means_longer_denser_with_more_enemies_firing_faster() {
        let mean = |d: Difficulty, key: &str| (0..300).map(|s| generate(s, d).meta[key]).sum::<f64>() / 300.0;
        let (easy, hard) = (Difficulty::EASY, Difficulty::HARD);
        assert!(mean(hard, "course") > mean(easy, "course") + 20.0);
        assert!(
            mean(hard, "asteroid_tiles") / mean(hard, "course")
                > 1.5 * mean(easy, "asteroid_tiles") / mean(easy, "course")
        );
        assert!(mean(hard, "enemies") > 1.5 * mean(easy, "enemies"));
        assert!(mean(hard, "fire_period") < mean(easy, "fire_period"));
    }

    #[test]
    fn the_corridor_search_follows_one_row_steps_and_stops_at_walls() {
        let mut level = Level::filled(NAME, 0, Difficulty::MIN, 30, HEIGHT, Tile::Empty);
        assert!(corridor_exists(&level, 3.0, 8.0, 25));
        // A wall with a 3-row gap two rows lower, reached over enough columns: passable.
        for y in (0..HEIGHT).filter(|y| !(8..11).contains(y)) {
            level.set(20, y, Tile::Wall);
        }
        assert!(corridor_exists(&level, 3.0, 7.5, 25));
        // A 2-row gap is too narrow.
        level.set(20, 10, Tile::Wall);
        assert!(!corridor_exists(&level, 3.0, 8.0, 25));
        // A staircase shifting a row every column is too steep.
        let mut steep = Level::filled(NAME, 0, Difficulty::MIN, 30, HEIGHT, Tile::Empty);
        for (i, x) in (10..16).enumerate() {
            (0..HEIGHT).filter(|&y| !(2 + i..5 + i).contains(&y)).for_each(|y| steep.set(x, y, Tile::Wall));
        }
        assert!(!corridor_exists(&steep, 3.0, 3.5, 25));
    }

    #[test]
    fn check_refuses_broken_levels() {
        let good = generate(7, Difficulty::HARD);
        let refuse = |level: &Level, want: &str| assert_refused(check, level, want);
        let mut blocked = good.clone();
        (0..HEIGHT).for_each(|y| blocked.set(40, y, Tile::Wall));
        refuse(&blocked, "no corridor");
        let ship = *good.first(SpawnKind::Agent).unwrap();
        let mut ambush = good.clone();
        ambush.spawns.push(Spawn { kind: SpawnKind::Enemy, x: ship.x + 5.0, ..ship });
        refuse(&ambush, "from the ship");
        let mut rock = good.clone();
        rock.set(8, ship.y as usize, Tile::Wall);
        refuse(&rock, "clear of asteroids");
        let mut fast = good.clone();
        fast.spawns.push(Spawn { kind: SpawnKind::Enemy, x: ship.x + 30.0, vx: -1.0, variant: FLYER, ..ship });
        refuse(&fast, "flyer");
        let mut far = good.clone();
        far.spawns[1].x = 200.0;
        far.width = 210;
        far.tiles.resize(210 * HEIGHT, Tile::Empty);
        refuse(&far, "steps");
        let mut no_period = good;
        no_period.meta.remove("fire_period");
        refuse(&no_period, "'fire_period'");
    }
}
