//! The runner generator: side-view platform levels read left to right, in the spirit of
//! Procgen's CoinRun. The ground is a row of columns broken by sections (steps, blocks,
//! gaps, lava pools, floating platforms, still and patrolling saws); the player starts at the
//! left and the goal waits at the right end.
//!
//! Guarantees (tested over 10,000 seeds at difficulty 0, easy, medium, hard and 1): the level
//! is [`HEIGHT`] tiles tall with exactly one agent and one goal; standing still at the start
//! for [`SAFE_START_STEPS`] steps is safe; and the goal is reached within [`MAX_PATH`] steps by
//! a search over the real physics ([`crate::physics::step`]) with the game's actions, which
//! treats every place a saw can sweep as deadly. [`check`] returns that search's actions, so
//! they can be replayed in the game.
//!
//! Difficulty knobs, each linear in a course scale ([`course_scale`]: -0.95 at difficulty 0,
//! -0.35 at easy, 0.25 at medium, 0.75 at hard, 1 at 1; medium, hard and 1 make exactly the
//! levels the old easy, hard and 1 made, before easy was shortened so that a random policy
//! reaches the coin in about 16% of episodes): the number of sections (0 at difficulty 0, 1
//! at easy, 6 at medium, 12 at 1, each plus up to 2), gap widths, lava pool widths, the
//! highest step up, the run-up between sections, how often hazards, saws and floating
//! platforms appear (none below medium but steps, blocks, a few gaps, lava pools and still
//! saws; none patrol below medium), and saw speed (up to 0.09 tiles per step).
//!
//! The ground and sections draw from the `Layout` stream; where each patrolling saw starts,
//! its direction and speed from the `Spawns` stream.

use rand::RngExt;

use crate::difficulty::PRESETS;
use crate::physics;
use crate::seeds::{Stream, stream};
pub use crate::solver::{ACTION_INPUTS, ACTION_NAMES, ACTIONS};
use crate::solver::{Course, Zone, patrol_sweep};
use crate::{Difficulty, Level, Rng, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "runner";
/// Rows of every generated level.
pub const HEIGHT: usize = 16;
/// Half the side of the player's box, in tiles.
pub const PLAYER_HALF: f32 = 0.4;
/// Half the side of a saw's box.
pub const SAW_HALF: f32 = 0.4;
/// Half the side of the goal's box.
pub const GOAL_HALF: f32 = 0.3;
/// The goal of every checked level is reached within this many steps (the game's time limit
/// is longer).
pub const MAX_PATH: usize = 800;
/// Noop steps from the start that [`check`] proves safe.
pub const SAFE_START_STEPS: usize = 30;
/// The fastest a saw may patrol, in tiles per step (faster ones could skip through walls).
pub const MAX_SAW_SPEED: f32 = 0.5;

/// The highest ground row (smallest index) a generated level uses: leaves headroom to jump.
const TOP_GROUND: usize = 6;
/// The lowest ground row: at least three rows of ground below the surface.
const BOTTOM_GROUND: usize = 13;

/// The sections a level is built from, after a run-up of flat ground each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    /// The ground steps up or down.
    Step,
    /// A block of wall to climb over.
    Block,
    /// A bottomless pit, the far side possibly higher or lower.
    Gap,
    /// A pool of lava set into the ground.
    Lava,
    /// A still saw on the ground, to jump over.
    GroundSaw,
    /// A still saw hanging at head height over flat ground: do not jump under it.
    HoverSaw,
    /// A saw patrolling between two stumps.
    MovingSaw,
    /// A wide pit crossed by a floating platform.
    Platform,
}

/// Where difficulty `d` sits on the scale the knobs are linear in. From medium up it is the
/// scale runner had before its `easy` was made learnable (medium is that old easy, 0.25,
/// hard is still 0.75, 1 still 1); below medium it falls to [`SCALE_AT_0`], past the old 0, to
/// short courses that a uniformly random policy can finish (docs/games/runner.md).
fn course_scale(d: Difficulty) -> f32 {
    let v = d.value();
    if v >= HARD {
        v
    } else if v >= MEDIUM {
        OLD_EASY + (HARD - OLD_EASY) * (v - MEDIUM) / (HARD - MEDIUM)
    } else {
        SCALE_AT_0 + (OLD_EASY - SCALE_AT_0) * v / MEDIUM
    }
}

/// The old easy's place on the scale, where medium now sits.
const OLD_EASY: f32 = 0.25;
/// The medium preset's value.
const MEDIUM: f32 = PRESETS[1].1;
/// The hard preset's value.
const HARD: f32 = PRESETS[2].1;
/// The scale at difficulty 0.
const SCALE_AT_0: f32 = -0.95;

/// What difficulty sets.
struct Knobs {
    sections: usize,
    gap: (usize, usize),
    lava_max: usize,
    step_up_max: usize,
    run_up_max: usize,
    saw_speed: f32,
    weights: [(Section, f32); 8],
}

impl Knobs {
    fn at(d: Difficulty) -> Knobs {
        let v = course_scale(d);
        let lerp = |easiest: f32, hardest: f32| easiest + (hardest - easiest) * v;
        let lerp_int = |easiest: f32, hardest: f32| lerp(easiest, hardest).round().max(0.0) as usize;
        Knobs {
            sections: lerp_int(4.0, 12.0),
            gap: (lerp_int(1.0, 2.0).max(1), lerp_int(2.0, 4.0).max(1)),
            lava_max: lerp_int(2.0, 4.0).max(1),
            step_up_max: if v < 0.5 { 1 } else { 2 },
            run_up_max: lerp_int(5.0, 3.0),
            saw_speed: lerp(0.03, 0.09),
            weights: [
                (Section::Step, 1.0),
                (Section::Block, 0.5),
                (Section::Gap, (1.0 + v).max(0.0)),
                (Section::Lava, lerp(0.3, 1.0).max(0.0)),
                (Section::GroundSaw, lerp(0.3, 0.8).max(0.0)),
                (Section::HoverSaw, lerp(0.0, 0.6).max(0.0)),
                (Section::MovingSaw, lerp(0.0, 1.0).max(0.0)),
                (Section::Platform, (2.0 * v - 0.6).max(0.0)),
            ],
        }
    }

    fn pick(&self, rng: &mut Rng) -> Section {
        let total: f32 = self.weights.iter().map(|(_, w)| w).sum();
        let mut at = rng.random_range(0.0..total);
        for &(section, w) in &self.weights {
            if at < w {
                return section;
            }
            at -= w;
        }
        Section::Step
    }
}

/// Lays a level out column by column, left to right.
struct Builder {
    columns: Vec<[Tile; HEIGHT]>,
    spawns: Vec<Spawn>,
    /// Row of the ground's surface tile at the build cursor.
    ground: usize,
    /// Draws for the ground and the sections.
    layout: Rng,
    /// Draws for the saws' starts and motion.
    placement: Rng,
    gaps: usize,
    lava: usize,
}

impl Builder {
    fn x(&self) -> usize {
        self.columns.len()
    }

    /// A column of wall from row `top` down, with `surface` as its top tile.
    fn column(&mut self, top: usize, surface: Tile) {
        let mut column = [Tile::Empty; HEIGHT];
        column[top..].fill(Tile::Wall);
        column[top] = surface;
        self.columns.push(column);
    }

    fn flat(&mut self, n: usize) {
        (0..n).for_each(|_| self.column(self.ground, Tile::Wall));
    }

    fn pit(&mut self, n: usize) {
        self.columns.extend(std::iter::repeat_n([Tile::Empty; HEIGHT], n));
    }

    /// A saw centred in column `x`, `lift` tiles above the ground's surface row.
    fn saw(&mut self, x: usize, lift: f32, vx: f32) {
        let y = self.ground as f32 - lift;
        self.spawns.push(Spawn { kind: SpawnKind::Saw, x: x as f32 + 0.5, y, vx, vy: 0.0, variant: 0 });
    }

    /// Moves the ground by `delta` rows (negative is up), kept between the allowed rows.
    fn shift_ground(&mut self, delta: i32) {
        self.ground = (self.ground as i32 + delta).clamp(TOP_GROUND as i32, BOTTOM_GROUND as i32) as usize;
    }

    fn section(&mut self, section: Section, knobs: &Knobs) {
        let rng = &mut self.layout;
        match section {
            Section::Step => {
                let up = rng.random_range(1..=knobs.step_up_max) as i32;
                let down = rng.random_range(1..=3);
                let delta = if rng.random_bool(0.5) { -up } else { down };
                self.shift_ground(delta);
                self.flat(1);
            }
            Section::Block => {
                let (width, height) = (rng.random_range(1..=2), rng.random_range(1..=knobs.step_up_max));
                (0..width).for_each(|_| self.column(self.ground - height, Tile::Wall));
            }
            Section::Gap => {
                let width = rng.random_range(knobs.gap.0..=knobs.gap.1);
                // The far side may be one higher, except across the widest gaps.
                let highest = if knobs.step_up_max > 1 && width < 4 { -1 } else { 0 };
                let rise = rng.random_range(highest..=2);
                self.pit(width);
                self.gaps += 1;
                self.shift_ground(rise);
                self.flat(1);
            }
            Section::Lava => {
                let width = rng.random_range(1..=knobs.lava_max);
                (0..width).for_each(|_| self.column(self.ground, Tile::Lava));
                self.lava += width;
                self.flat(1);
            }
            Section::GroundSaw => {
                self.saw(self.x() + 1, 0.5, 0.0);
                self.flat(3);
            }
            Section::HoverSaw => {
                self.saw(self.x() + 2, 1.6, 0.0);
                self.flat(5);
            }
            Section::MovingSaw => {
                let run = rng.random_range(2..=3);
                let speed = knobs.saw_speed * self.placement.random_range(0.8..1.2);
                let direction = if self.placement.random_bool(0.5) { 1.0 } else { -1.0 };
                let x = self.x() + 1 + self.placement.random_range(0..run);
                self.saw(x, 0.5, direction * speed);
                self.column(self.ground - 1, Tile::Wall);
                self.flat(run);
                self.column(self.ground - 1, Tile::Wall);
            }
            Section::Platform => {
                let (before, after) = (rng.random_range(2..=3), rng.random_range(2..=3));
                let top = self.ground - rng.random_range(0..=1);
                self.pit(before);
                let mut platform = [Tile::Empty; HEIGHT];
                platform[top] = Tile::Wall;
                self.columns.extend([platform; 2]);
                self.pit(after);
                self.gaps += 1;
                self.flat(1);
            }
        }
    }

    fn into_level(self, seed: u64, d: Difficulty, sections: usize) -> Level {
        let width = self.columns.len();
        let mut level = Level::filled(NAME, seed, d, width, HEIGHT, Tile::Empty);
        for (x, column) in self.columns.iter().enumerate() {
            for (y, &tile) in column.iter().enumerate() {
                level.set(x, y, tile);
            }
        }
        let saws = self.spawns.iter().filter(|s| s.kind == SpawnKind::Saw);
        let moving = saws.clone().filter(|s| s.vx != 0.0).count();
        level.meta.insert("sections".into(), sections as f64);
        level.meta.insert("gaps".into(), self.gaps as f64);
        level.meta.insert("lava_tiles".into(), self.lava as f64);
        level.meta.insert("saws".into(), saws.count() as f64);
        level.meta.insert("moving_saws".into(), moving as f64);
        level.spawns = self.spawns;
        level
    }
}

/// The runner level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let knobs = Knobs::at(d);
    let mut layout = stream(seed, Stream::Layout);
    let sections = knobs.sections + layout.random_range(0..=2);
    let ground = layout.random_range(9..=12);
    let placement = stream(seed, Stream::Spawns);
    let mut b = Builder { columns: Vec::new(), spawns: Vec::new(), ground, layout, placement, gaps: 0, lava: 0 };
    b.flat(3);
    b.spawns.push(Spawn { kind: SpawnKind::Agent, x: 1.5, y: b.ground as f32 - 0.5, vx: 0.0, vy: 0.0, variant: 0 });
    for _ in 0..sections {
        let run_up = b.layout.random_range(2..=knobs.run_up_max);
        b.flat(run_up);
        let section = knobs.pick(&mut b.layout);
        b.section(section, &knobs);
    }
    b.flat(3);
    let goal_x = b.x() - 2;
    b.spawns.push(Spawn::at_tile(SpawnKind::Goal, goal_x, b.ground - 1));
    b.into_level(seed, d, sections)
}

/// A runner level as the search sees it: one agent and one goal, every place a saw can sweep
/// deadly; or why the level is malformed.
fn course(level: &Level) -> Result<Course<'_>, String> {
    if level.width < 2 || level.height < 2 {
        return Err(format!("runner level must be at least 2x2 tiles, got {}x{}", level.width, level.height));
    }
    let (agent, goal) = (level.single(SpawnKind::Agent)?, level.single(SpawnKind::Goal)?);
    let start = physics::start_of(level, agent, PLAYER_HALF)?;
    let mut saws = Vec::new();
    for (i, s) in level.spawns.iter().enumerate().filter(|(_, s)| s.kind == SpawnKind::Saw) {
        if s.vx != 0.0 && s.vy != 0.0 {
            return Err(format!("runner saw {i} moves at ({}, {}): saws patrol along one axis only", s.vx, s.vy));
        }
        if s.vx.abs().max(s.vy.abs()) > MAX_SAW_SPEED {
            return Err(format!(
                "runner saw {i} moves at {} tiles per step: at most {MAX_SAW_SPEED} is allowed",
                s.vx.abs().max(s.vy.abs())
            ));
        }
        if physics::box_hits(s.x, s.y, SAW_HALF, SAW_HALF, |c, r| level.tile(c, r).is_solid()) {
            return Err(format!("runner saw {i} at ({}, {}) overlaps a solid tile", s.x, s.y));
        }
        saws.push(patrol_sweep(level, s, SAW_HALF));
    }
    let goal = Zone { x: goal.x, y: goal.y, half_w: GOAL_HALF, half_h: GOAL_HALF };
    Ok(Course { level, start, goal, hazards: saws, max_path: MAX_PATH, climb_speed: f32::INFINITY })
}

/// Checks a runner level's guarantees (the generator's, or a hand-edited file's): one agent
/// and one goal, saws that patrol along one axis at most [`MAX_SAW_SPEED`], a start that is
/// safe to stand on, and a goal the search reaches within [`MAX_PATH`] steps. Returns the
/// search's action ids (see [`ACTIONS`]), or why the level is not playable.
pub fn check(level: &Level) -> Result<Vec<u8>, String> {
    let course = course(level)?;
    if let Some(step) = course.first_death_standing_still(SAFE_START_STEPS) {
        return Err(format!("runner agent dies {step} steps after the start when standing still"));
    }
    course.solve().ok_or_else(|| {
        format!(
            "runner goal at ({}, {}) cannot be reached from the agent at ({}, {}) within {MAX_PATH} steps",
            course.goal.x, course.goal.y, course.start.x, course.start.y
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIFFICULTIES: [f32; 5] = [0.0, 0.25, 0.5, 0.75, 1.0];

    fn replay(level: &Level, actions: &[u8]) -> bool {
        course(level).unwrap().replay(actions).expect("no step of a solution is deadly")
    }

    #[test]
    fn every_level_is_solvable_over_10k_seeds_per_difficulty() {
        for d in DIFFICULTIES.map(|v| Difficulty::new(v).unwrap()) {
            let (mut longest_path, mut narrowest, mut widest) = (0, usize::MAX, 0);
            for seed in 0..10_000 {
                let level = generate(seed, d);
                let path = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert!(path.len() <= MAX_PATH);
                assert_eq!(level.height, HEIGHT);
                longest_path = longest_path.max(path.len());
                narrowest = narrowest.min(level.width);
                widest = widest.max(level.width);
            }
            println!(
                "difficulty {d}: levels {narrowest} to {widest} tiles wide, longest solution {longest_path} steps"
            );
        }
    }

    #[test]
    fn the_solution_replays_to_the_goal_without_danger() {
        for seed in 0..50 {
            let level = generate(seed, Difficulty::MAX);
            let path = check(&level).unwrap();
            assert!(replay(&level, &path), "seed {seed}");
            assert!(!replay(&level, &path[..path.len() - 1]), "the path stops at the first step on the goal");
        }
    }

    #[test]
    fn harder_means_wider_with_more_gaps_and_hazards() {
        let mean = |d: f32, what: &dyn Fn(&Level) -> f64| {
            (0..300).map(|s| what(&generate(s, Difficulty::new(d).unwrap()))).sum::<f64>() / 300.0
        };
        let width = |l: &Level| l.width as f64;
        let hazards = |l: &Level| l.meta["gaps"] + l.meta["saws"] + l.meta["lava_tiles"];
        let moving = |l: &Level| l.meta["moving_saws"];
        assert!(mean(1.0, &width) > 2.0 * mean(0.0, &width));
        assert!(mean(1.0, &hazards) > 3.0 * mean(0.0, &hazards));
        assert_eq!(mean(0.0, &moving), 0.0, "no saw patrols at difficulty 0");
        assert!(mean(0.75, &moving) > 1.0);
        let speed = |d: f32| {
            let levels = (0..300).map(|s| generate(s, Difficulty::new(d).unwrap()));
            levels.flat_map(|l| l.spawns).map(|s| s.vx.abs()).fold(0.0, f32::max)
        };
        assert!(speed(1.0) > 1.5 * speed(0.25));
    }

    #[test]
    fn medium_hard_and_1_keep_the_old_scale_and_easy_is_short() {
        assert_eq!(course_scale(Difficulty::MEDIUM), OLD_EASY, "medium makes the levels easy made before");
        assert_eq!(course_scale(Difficulty::HARD), 0.75);
        assert_eq!(course_scale(Difficulty::MAX), 1.0);
        let widest = |d: Difficulty| (0..300).map(|s| generate(s, d).width).max().unwrap();
        assert!(widest(Difficulty::EASY) <= 32 && widest(Difficulty::MIN) <= 24, "short courses below medium");
        let easy_sections = (0..300).map(|s| generate(s, Difficulty::EASY).meta["sections"]).fold(0.0, f64::max);
        assert_eq!(easy_sections, 3.0, "1 section at easy, plus up to 2");
    }

    #[test]
    fn check_rejects_an_unreachable_goal() {
        let mut level = generate(1, Difficulty::EASY);
        let (gx, gy) = level.first(SpawnKind::Goal).unwrap().tile();
        for (x, y) in [(gx - 1, gy), (gx - 1, gy - 1), (gx, gy - 1), (gx + 1, gy - 1), (gx + 1, gy)] {
            level.set(x, y, Tile::Wall);
        }
        assert!(check(&level).unwrap_err().contains("cannot be reached"), "the goal is walled in");
    }

    #[test]
    fn check_rejects_a_deadly_start_and_bad_saws() {
        let base = generate(2, Difficulty::EASY);
        let agent = *base.first(SpawnKind::Agent).unwrap();

        let mut pit = base.clone();
        (0..3).for_each(|x| (0..HEIGHT).for_each(|y| pit.set(x, y, Tile::Empty)));
        assert!(check(&pit).unwrap_err().contains("dies"), "the start falls into a pit");

        let mut crowded = base.clone();
        crowded.spawns.push(Spawn { kind: SpawnKind::Saw, ..agent });
        assert!(check(&crowded).unwrap_err().contains("dies 1 steps"));

        let mut diagonal = base.clone();
        diagonal.spawns.push(Spawn { kind: SpawnKind::Saw, x: 5.5, y: 2.5, vx: 0.1, vy: 0.1, variant: 0 });
        assert!(check(&diagonal).unwrap_err().contains("one axis"));

        let mut fast = base.clone();
        fast.spawns.push(Spawn { kind: SpawnKind::Saw, x: 5.5, y: 2.5, vx: 2.0, vy: 0.0, variant: 0 });
        assert!(check(&fast).unwrap_err().contains("at most 0.5"));

        let mut two_goals = base.clone();
        two_goals.spawns.push(*base.first(SpawnKind::Goal).unwrap());
        assert!(check(&two_goals).unwrap_err().contains("exactly one Goal"));

        let mut buried = base;
        buried.spawns[0].y = HEIGHT as f32 - 0.5;
        assert!(check(&buried).unwrap_err().contains("overlaps a solid tile"));
    }

    #[test]
    fn a_hand_made_level_is_solved_and_a_lava_floor_is_not() {
        let mut level = Level::filled(NAME, 0, Difficulty::MIN, 12, 6, Tile::Empty);
        (0..12).for_each(|x| level.set(x, 5, Tile::Wall));
        level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 4));
        level.spawns.push(Spawn::at_tile(SpawnKind::Goal, 10, 4));
        let path = check(&level).unwrap();
        assert!((35..60).contains(&path.len()), "about 9 tiles at a quarter tile a step: {}", path.len());
        (3..9).for_each(|x| level.set(x, 5, Tile::Lava));
        (3..9).for_each(|x| level.set(x, 1, Tile::Wall));
        assert!(check(&level).is_err(), "6 tiles of lava under a low ceiling cannot be jumped");
    }
}
