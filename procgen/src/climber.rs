//! The climber generator: a tall, [`WIDTH`]-tile-wide shaft of floating platforms, in the
//! spirit of Procgen's Climber. The agent starts on a platform at the bottom and climbs from
//! platform to platform to a star on the top one, picking up coins on the way. From about
//! difficulty 0.2 some platforms are guarded: an enemy paces a two-tile run between two
//! stumps, with a coin beside it. A `Rock` spawn at the top says rocks fall in this level, at
//! its `vy`; the game drops one every [`rock_period`] steps of the level's difficulty from
//! above the agent's view, the first after [`FIRST_ROCK_STEP`] steps.
//!
//! Guarantees (tested over 1,000 seeds at easy, medium and hard): [`WIDTH`] tiles wide; at
//! least a third of the platforms the difficulty asks for (the tallest layout laid is kept); exactly
//! one agent and one star; standing still at the start for [`SAFE_START_STEPS`] steps is safe
//! and no enemy's sweep comes within [`SPAWN_CLEARANCE`] tiles of the spawn; and the star is
//! reached within [`MAX_PATH`] steps by the search of [`crate::solver`] over the game's own
//! physics and actions, which counts every place an enemy can pace as deadly. [`check`]
//! returns that search's actions.
//!
//! By construction, no platform sits in the air a jump between two consecutive platforms
//! needs (four rows over the take-off edge, the gap and the landing edge), nor over a guarded
//! platform (three rows); laid out so, every climb tested is solvable. A level with enemies
//! is also vetted by the search when generated; if it fails, its guarded platforms are built
//! plain (meta `enemies_removed`).
//!
//! Difficulty knobs: the platforms on the climb (10 to 34, so the height; a layout that gets
//! stuck ends shorter: means of 15.3, 19.8 and 27.0 at easy, medium and hard over 1,000 seeds), the share of 2-row rises (40% to 90%), gaps between platforms (0-1
//! tiles at 0, 1-3 at 1), platform widths (4-7 at 0, 2-4 at 1), the chance a platform is
//! guarded (0 below about 0.2, 35% at 1) and enemy speed (0.04 to 0.08 tiles per step); in the
//! game, the rock period ([`rock_period`]: 120 steps at 0, 30 at 1).
//!
//! Platforms draw from the `Layout` stream; enemies, coins and the star from `Spawns`.

use rand::RngExt;

use crate::physics;
use crate::seeds::{Stream, stream};
use crate::solver::{Course, Zone, ledge_sweep};
use crate::{Difficulty, Level, Rng, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "climber";
/// Columns of every generated level (the game's view is as wide).
pub const WIDTH: usize = 16;
/// Half the side of the player's box, in tiles.
pub const PLAYER_HALF: f32 = 0.4;
/// Half the side of the star's box.
pub const GOAL_HALF: f32 = 0.4;
/// Half the side of a coin's box.
pub const COIN_HALF: f32 = 0.375;
/// Half the side of an enemy's box.
pub const ENEMY_HALF: f32 = 0.4;
/// Half the side of a rock's box.
pub const ROCK_HALF: f32 = 0.375;
/// How fast rocks fall, in tiles per step.
pub const ROCK_SPEED: f32 = 0.2;
/// The fastest rocks a level may ask for (below a tile a step, so none skips a platform).
pub const MAX_ROCK_SPEED: f32 = 0.5;
/// No rock falls before this step of an episode.
pub const FIRST_ROCK_STEP: u16 = 60;
/// The star of every checked level is reached within this many steps (the game's time limit
/// is 1000).
pub const MAX_PATH: usize = 900;
/// Noop steps from the start that [`check`] proves safe.
pub const SAFE_START_STEPS: usize = 30;
/// No enemy's sweep comes nearer the spawn than this, in tiles.
pub const SPAWN_CLEARANCE: f32 = 3.0;
/// The fastest an enemy may pace, in tiles per step.
pub const MAX_ENEMY_SPEED: f32 = 0.25;
/// The search's estimate of height gained per step: low, so that it favours height (found
/// faster than with a closer estimate).
const CLIMB_SPEED: f32 = 0.02;
/// States the generator's search may expand vetting a level with enemies.
const VETTING_EXPANSIONS: usize = 20_000;
/// Platforms placed (or taken back) at most while laying a climb out.
const LAYOUT_TRIES: usize = 400;
/// Rows of air above the top platform.
const HEADROOM: usize = 5;

/// Steps between falling rocks at difficulty `d`.
pub fn rock_period(d: Difficulty) -> u16 {
    d.lerp(120.0, 30.0).round() as u16
}

/// What difficulty sets.
struct Knobs {
    platforms: usize,
    high_rise: f64,
    gap: (i32, i32),
    width: (i32, i32),
    guard_chance: f64,
    enemy_speed: f32,
}

impl Knobs {
    fn at(d: Difficulty) -> Knobs {
        Knobs {
            platforms: d.lerp_int(10, 34) as usize,
            high_rise: d.lerp(0.4, 0.9) as f64,
            gap: (d.lerp_int(0, 1), d.lerp_int(1, 3)),
            width: (d.lerp_int(4, 2), d.lerp_int(7, 4)),
            guard_chance: d.lerp(-0.1, 0.35).max(0.0) as f64,
            enemy_speed: d.lerp(0.04, 0.08),
        }
    }
}

/// Width of a guarded platform: a tile to land on, a stump, a two-tile run an enemy paces, a
/// stump, a tile to take off from.
const GUARDED_WIDTH: i32 = 6;

/// A platform: a run of wall tiles on one row, columns `left..=right`.
#[derive(Clone, Copy, Debug)]
struct Platform {
    left: i32,
    right: i32,
    /// Height above the bottom row (0 is the bottom row).
    rise: i32,
    /// Whether an enemy paces between two stumps in its middle.
    guarded: bool,
}

/// Columns and rises (inclusive ranges) of air that must stay free of platforms.
type Space = ((i32, i32), (i32, i32));

impl Platform {
    fn overlaps(&self, (cols, rises): Space) -> bool {
        self.left <= cols.1 && cols.0 <= self.right && rises.0 <= self.rise && self.rise <= rises.1
    }

    /// The air a guarded platform needs for hopping its stumps: over all of it, three rows.
    fn guard_space(&self) -> Option<Space> {
        self.guarded.then_some(((self.left, self.right), (self.rise + 1, self.rise + 3)))
    }
}

/// The air a jump from `from` to the higher `to` needs: the columns from the take-off edge
/// over the gap to the landing edge, from `from`'s surface up to four rows above it (a jump
/// rises about 2.9 tiles, and the body is 0.8 tall).
fn jump_space(from: &Platform, to: &Platform) -> Space {
    let cols = if to.left > from.right { (from.right, to.left) } else { (to.right, from.left) };
    (cols, (from.rise + 1, from.rise + 4))
}

/// Whether `p` keeps out of the air every jump and guarded platform of `platforms` needs.
fn clear_of(platforms: &[Platform], p: &Platform) -> bool {
    let jumps = platforms.windows(2).map(|w| jump_space(&w[0], &w[1]));
    let guards = platforms.iter().filter_map(Platform::guard_space);
    jumps.chain(guards).all(|space| !p.overlaps(space))
}

/// Lays out the platforms of the climb, bottom first: each next one a rise of one or two
/// rows above the last, beside it after a gap, and never in the air a jump or a guarded
/// platform below needs ([`clear_of`]). Where nothing fits, the last platforms are taken back
/// and placed again (at most [`LAYOUT_TRIES`] placements); the tallest climb laid is kept, and
/// may end short of the target.
fn lay_platforms(rng: &mut Rng, knobs: &Knobs) -> Vec<Platform> {
    let start = rng.random_range(0..=WIDTH as i32 - 6);
    let mut platforms = vec![Platform { left: start, right: start + 5, rise: 0, guarded: false }];
    let mut direction = if rng.random_bool(0.5) { 1 } else { -1 };
    let mut options = Vec::new();
    let (mut best, mut streak) = (platforms.clone(), 0);
    for _ in 0..LAYOUT_TRIES {
        if platforms.len() >= knobs.platforms {
            break;
        }
        let from = *platforms.last().expect("the start platform");
        if rng.random_bool(0.2) {
            direction = -direction;
        }
        let rise = from.rise + if rng.random_bool(knobs.high_rise) { 2 } else { 1 };
        // Never the first platforms above the start, nor two guarded in a row.
        let guarded = platforms.len() > 2 && !from.guarded && rng.random_bool(knobs.guard_chance);
        options.clear();
        // A guarded platform where one fits, else a plain one.
        for guarded in [guarded, false] {
            let widths = if guarded { GUARDED_WIDTH..=GUARDED_WIDTH } else { knobs.width.0..=knobs.width.1 };
            for way in [direction, -direction] {
                for gap in knobs.gap.0..=knobs.gap.1 {
                    for width in widths.clone() {
                        let left = if way > 0 { from.right + 1 + gap } else { from.left - gap - width };
                        let p = Platform { left, right: left + width - 1, rise, guarded };
                        if p.left >= 0 && p.right < WIDTH as i32 && clear_of(&platforms, &p) {
                            options.push(p);
                        }
                    }
                }
                if !options.is_empty() {
                    direction = way;
                    break;
                }
            }
            if !options.is_empty() {
                break;
            }
        }
        if options.is_empty() {
            // Take back more the longer the climb stays stuck below its best.
            streak += 1;
            platforms.truncate(platforms.len().saturating_sub(streak).max(1));
            continue;
        }
        platforms.push(options[rng.random_range(0..options.len())]);
        if platforms.len() > best.len() {
            best.clone_from(&platforms);
            streak = 0;
        }
    }
    // Taking back may leave the climb shorter than it once was: keep the tallest one laid.
    best
}

/// Writes `platforms` into a level, with the agent on the first, the star on the last, an
/// enemy and a coin between the stumps of each guarded platform, and coins on some others
/// (positions, directions and coins drawn from `rng`).
fn build(seed: u64, d: Difficulty, platforms: &[Platform], knobs: &Knobs, rng: &mut Rng) -> Level {
    let top = platforms.iter().map(|p| p.rise).max().unwrap_or(0) as usize;
    let height = top + 1 + HEADROOM;
    let row = |p: &Platform| ((height - 1) as i32 - p.rise) as usize;
    let mut level = Level::filled(NAME, seed, d, WIDTH, height, Tile::Empty);
    let mut enemies = 0;
    for p in platforms {
        (p.left..=p.right).for_each(|x| level.set(x as usize, row(p), Tile::Wall));
        if p.guarded {
            level.set(p.left as usize + 1, row(p) - 1, Tile::Wall);
            level.set(p.right as usize - 1, row(p) - 1, Tile::Wall);
            // The enemy starts on one tile of the run, the coin waits on the other.
            let (enemy_x, coin_x) = if rng.random_bool(0.5) { (2, 3) } else { (3, 2) };
            let vx = if rng.random_bool(0.5) { knobs.enemy_speed } else { -knobs.enemy_speed };
            let (x, y) = ((p.left + enemy_x) as f32 + 0.5, row(p) as f32 - ENEMY_HALF);
            level.spawns.push(Spawn { kind: SpawnKind::Enemy, x, y, vx, vy: 0.0, variant: 0 });
            level.spawns.push(Spawn::at_tile(SpawnKind::Coin, (p.left + coin_x) as usize, row(p) - 1));
            enemies += 1;
        } else if p.rise > 0 && rng.random_bool(0.3) {
            let x = rng.random_range(p.left..=p.right) as usize;
            level.spawns.push(Spawn::at_tile(SpawnKind::Coin, x, row(p) - 1));
        }
    }
    let first = platforms[0];
    level
        .spawns
        .insert(0, Spawn::at_tile(SpawnKind::Agent, ((first.left + first.right) / 2) as usize, row(&first) - 1));
    let last = platforms[platforms.len() - 1];
    level.spawns.push(Spawn { vy: ROCK_SPEED, ..Spawn::at_tile(SpawnKind::Rock, WIDTH / 2, 0) });
    let gx = match (last.guarded, platforms.len().checked_sub(2).map(|i| platforms[i])) {
        // On the side it is reached from.
        (true, Some(before)) if before.left > last.right => last.right,
        (true, _) => last.left,
        (false, _) => rng.random_range(last.left..=last.right),
    };
    level.spawns.push(Spawn::at_tile(SpawnKind::Goal, gx as usize, row(&last) - 1));
    level.meta.insert("platforms".into(), platforms.len() as f64);
    level.meta.insert("enemies".into(), enemies as f64);
    level
}

/// The climber level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let knobs = Knobs::at(d);
    let mut platforms = lay_platforms(&mut stream(seed, Stream::Layout), &knobs);
    let level = build(seed, d, &platforms, &knobs, &mut stream(seed, Stream::Spawns));
    let safe = |c: &Course| {
        c.first_death_standing_still(SAFE_START_STEPS).is_none() && c.solve_coarse(VETTING_EXPANSIONS).is_some()
    };
    if !platforms.iter().any(|p| p.guarded) || course(&level).is_ok_and(|c| safe(&c)) {
        return level;
    }
    // Some enemy stands in the way: the same climb, without them.
    platforms.iter_mut().for_each(|p| p.guarded = false);
    let mut plain = build(seed, d, &platforms, &knobs, &mut stream(seed, Stream::Spawns));
    plain.meta.insert("enemies_removed".into(), 1.0);
    plain
}

/// A climber level as the search sees it: one agent and one star, every place an enemy can
/// pace deadly; or why the level is malformed.
fn course(level: &Level) -> Result<Course<'_>, String> {
    if level.width < 2 || level.height < 2 {
        return Err(format!("climber level must be at least 2x2 tiles, got {}x{}", level.width, level.height));
    }
    let (agent, goal) = (level.single(SpawnKind::Agent)?, level.single(SpawnKind::Goal)?);
    let start = physics::start_of(level, agent, PLAYER_HALF)?;
    let mut enemies = Vec::new();
    for (i, s) in level.spawns.iter().enumerate().filter(|(_, s)| s.kind == SpawnKind::Enemy) {
        if s.vy != 0.0 || s.vx.abs() > MAX_ENEMY_SPEED {
            return Err(format!(
                "climber enemy {i} moves at ({}, {}): enemies pace sideways at most {MAX_ENEMY_SPEED} tiles a step",
                s.vx, s.vy
            ));
        }
        if physics::box_hits(s.x, s.y, ENEMY_HALF, ENEMY_HALF, |c, r| level.tile(c, r).is_solid()) {
            return Err(format!("climber enemy {i} at ({}, {}) overlaps a solid tile", s.x, s.y));
        }
        let sweep = ledge_sweep(level, s, ENEMY_HALF);
        if sweep.overlaps(&start, SPAWN_CLEARANCE) {
            return Err(format!("climber enemy {i} paces within {SPAWN_CLEARANCE} tiles of the spawn"));
        }
        enemies.push(sweep);
    }
    let rocks: Vec<&Spawn> = level.spawns.iter().filter(|s| s.kind == SpawnKind::Rock).collect();
    if rocks.len() > 1 || rocks.iter().any(|r| !(r.vy > 0.0 && r.vy <= MAX_ROCK_SPEED && r.vx == 0.0)) {
        return Err(format!(
            "climber takes at most one rock spawn, falling straight down at most {MAX_ROCK_SPEED} tiles a step"
        ));
    }
    let goal = Zone { x: goal.x, y: goal.y, half_w: GOAL_HALF, half_h: GOAL_HALF };
    Ok(Course { level, start, goal, hazards: enemies, max_path: MAX_PATH, climb_speed: CLIMB_SPEED })
}

/// Checks a climber level's guarantees (the generator's, or a hand-edited file's): one agent
/// and one star, enemies that pace sideways away from the spawn, a start that is safe to stand
/// on, and a star the search reaches within [`MAX_PATH`] steps. Returns the search's action
/// ids (see [`crate::solver::ACTIONS`]), or why the level is not playable.
pub fn check(level: &Level) -> Result<Vec<u8>, String> {
    let course = course(level)?;
    if let Some(step) = course.first_death_standing_still(SAFE_START_STEPS) {
        return Err(format!("climber agent dies {step} steps after the start when standing still"));
    }
    course.solve().ok_or_else(|| {
        format!(
            "climber star at ({}, {}) cannot be reached from the agent at ({}, {}) within {MAX_PATH} steps",
            course.goal.x, course.goal.y, course.start.x, course.start.y
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks 1,000 seeds of preset `name`, printing the tallest level and longest solution.
    fn check_preset(name: &str) {
        let d: Difficulty = name.parse().unwrap();
        let (mut longest, mut tallest) = (0, 0);
        for seed in 0..1000 {
            let level = generate(seed, d);
            let path = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {name}: {e}\n{}", level.to_ascii()));
            assert_eq!(level.width, WIDTH);
            let platforms = level.meta["platforms"] as usize;
            assert!(platforms * 3 >= Knobs::at(d).platforms, "seed {seed} at {name}: only {platforms} platforms");
            longest = longest.max(path.len());
            tallest = tallest.max(level.height);
        }
        println!("{name}: tallest {tallest} rows, longest solution {longest} steps");
    }

    #[test]
    fn every_easy_level_is_solvable_over_1000_seeds() {
        check_preset("easy");
    }

    #[test]
    fn every_medium_level_is_solvable_over_1000_seeds() {
        check_preset("medium");
    }

    #[test]
    fn every_hard_level_is_solvable_over_1000_seeds() {
        check_preset("hard");
    }

    #[test]
    fn harder_means_taller_with_more_enemies() {
        let mean = |d: f32, what: &dyn Fn(&Level) -> f64| {
            (0..100).map(|s| what(&generate(s, Difficulty::new(d).unwrap()))).sum::<f64>() / 100.0
        };
        let height = |l: &Level| l.height as f64;
        let enemies = |l: &Level| l.meta["enemies"];
        assert!(mean(0.75, &height) > 1.4 * mean(0.25, &height));
        assert_eq!(mean(0.0, &enemies), 0.0);
        assert!(mean(0.75, &enemies) > 1.0);
        assert!(rock_period(Difficulty::HARD) < rock_period(Difficulty::EASY));
    }

    #[test]
    fn check_refuses_broken_levels() {
        let base = generate(2, Difficulty::EASY);
        let agent = *base.first(SpawnKind::Agent).unwrap();

        let mut walled = base.clone();
        let goal = *base.first(SpawnKind::Goal).unwrap();
        let (gx, gy) = goal.tile();
        for (x, y) in [(gx - 1, gy), (gx - 1, gy - 1), (gx, gy - 1), (gx + 1, gy - 1), (gx + 1, gy)] {
            if x < WIDTH {
                walled.set(x, y, Tile::Wall);
            }
        }
        assert!(check(&walled).unwrap_err().contains("cannot be reached"), "the star is walled in");

        let mut pit = base.clone();
        let (_, ay) = agent.tile();
        (0..WIDTH).for_each(|x| pit.set(x, ay + 1, Tile::Empty));
        assert!(check(&pit).unwrap_err().contains("dies"), "nothing under the start");

        let mut guarded = base.clone();
        guarded.spawns.push(Spawn { kind: SpawnKind::Enemy, vx: 0.05, ..agent });
        assert!(check(&guarded).unwrap_err().contains("within 3 tiles of the spawn"));

        let mut flying = base.clone();
        flying.spawns.push(Spawn { kind: SpawnKind::Enemy, x: 5.5, y: 1.5, vx: 0.0, vy: 0.1, variant: 0 });
        assert!(check(&flying).unwrap_err().contains("pace sideways"));

        let mut fast_rocks = base.clone();
        fast_rocks.spawns.iter_mut().filter(|s| s.kind == SpawnKind::Rock).for_each(|s| s.vy = 2.0);
        assert!(check(&fast_rocks).unwrap_err().contains("at most 0.5"));

        let mut two_stars = base;
        two_stars.spawns.push(goal);
        assert!(check(&two_stars).unwrap_err().contains("exactly one Goal"));
    }
}
