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
//! Difficulty knobs: the number of sections (4 to 12, plus up to 2), gap widths (1-2 at 0, 2-4
//! at 1), lava pool widths (up to 2 at 0, 4 at 1), the highest step up (1 below 0.5, 2 from
//! 0.5), the run-up between sections (2-5 tiles at 0, 2-3 at 1), how often hazards, saws and
//! floating platforms appear (none patrol at 0), and saw speed (0.03 to 0.09 tiles per step).
//!
//! The ground and sections draw from the `Layout` stream; where each patrolling saw starts,
//! its direction and speed from the `Spawns` stream.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rand::RngExt;

use crate::physics::{self, Input, Mover, PLATFORMER};
use crate::seeds::{Stream, mix, stream};
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
/// The game's actions, in id order, with the input each one gives the physics.
pub const ACTIONS: [(&str, Input); 6] = [
    ("noop", Input::NONE),
    ("left", Input { run: -1, jump: false }),
    ("right", Input { run: 1, jump: false }),
    ("jump", Input { run: 0, jump: true }),
    ("left_jump", Input { run: -1, jump: true }),
    ("right_jump", Input { run: 1, jump: true }),
];
/// The action names alone, in id order.
pub const ACTION_NAMES: [&str; 6] = {
    let mut names = [""; 6];
    let mut i = 0;
    while i < ACTIONS.len() {
        names[i] = ACTIONS[i].0;
        i += 1;
    }
    names
};
/// The input of each action, in id order.
pub const ACTION_INPUTS: [Input; 6] = {
    let mut inputs = [Input::NONE; 6];
    let mut i = 0;
    while i < ACTIONS.len() {
        inputs[i] = ACTIONS[i].1;
        i += 1;
    }
    inputs
};
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
/// Margin by which the search inflates hazards and shrinks the goal, so that its verdicts
/// hold however the game orders its checks.
const MARGIN: f32 = 0.01;
/// The search gives up after expanding this many states.
const MAX_EXPANSIONS: usize = 200_000;

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
        let v = d.value();
        Knobs {
            sections: d.lerp_int(4, 12) as usize,
            gap: (d.lerp_int(1, 2) as usize, d.lerp_int(2, 4) as usize),
            lava_max: d.lerp_int(2, 4) as usize,
            step_up_max: if v < 0.5 { 1 } else { 2 },
            run_up_max: d.lerp_int(5, 3) as usize,
            saw_speed: d.lerp(0.03, 0.09),
            weights: [
                (Section::Step, 1.0),
                (Section::Block, 0.5),
                (Section::Gap, 1.0 + v),
                (Section::Lava, d.lerp(0.3, 1.0)),
                (Section::GroundSaw, d.lerp(0.3, 0.8)),
                (Section::HoverSaw, d.lerp(0.0, 0.6)),
                (Section::MovingSaw, d.lerp(0.0, 1.0)),
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

/// An axis-aligned box: centre and half extents, in tiles.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Zone {
    x: f32,
    y: f32,
    half_w: f32,
    half_h: f32,
}

impl Zone {
    fn from_edges(left: f32, top: f32, right: f32, bottom: f32) -> Zone {
        Zone {
            x: (left + right) / 2.0,
            y: (top + bottom) / 2.0,
            half_w: (right - left) / 2.0,
            half_h: (bottom - top) / 2.0,
        }
    }

    /// Whether `body`, grown by `grow` on every side, overlaps this zone.
    fn overlaps(&self, body: &Mover, grow: f32) -> bool {
        (body.x - self.x).abs() < body.half_w + self.half_w + grow
            && (body.y - self.y).abs() < body.half_h + self.half_h + grow
    }
}

/// Every place a saw can be: its box, stretched along its axis of motion over the free
/// columns (or rows) up to the solid tiles that turn it back (patrols reverse on meeting a
/// solid tile, and the grid's outside counts as solid to them).
fn saw_sweep(level: &Level, saw: &Spawn) -> Zone {
    let (mut c0, mut c1) = physics::cells_spanned(saw.x, SAW_HALF);
    let (mut r0, mut r1) = physics::cells_spanned(saw.y, SAW_HALF);
    let free = |cols: (i32, i32), rows: (i32, i32)| {
        (rows.0..=rows.1).all(|r| (cols.0..=cols.1).all(|c| !level.tile(c, r).is_solid()))
    };
    if saw.vx != 0.0 {
        while free((c0 - 1, c0 - 1), (r0, r1)) {
            c0 -= 1;
        }
        while free((c1 + 1, c1 + 1), (r0, r1)) {
            c1 += 1;
        }
    }
    if saw.vy != 0.0 {
        while free((c0, c1), (r0 - 1, r0 - 1)) {
            r0 -= 1;
        }
        while free((c0, c1), (r1 + 1, r1 + 1)) {
            r1 += 1;
        }
    }
    let (left, right) = if saw.vx != 0.0 { (c0 as f32, c1 as f32 + 1.0) } else { (saw.x - SAW_HALF, saw.x + SAW_HALF) };
    let (top, bottom) = if saw.vy != 0.0 { (r0 as f32, r1 as f32 + 1.0) } else { (saw.y - SAW_HALF, saw.y + SAW_HALF) };
    Zone::from_edges(left, top, right, bottom)
}

/// A checked level, ready to search: the player's start, the goal and the deadly zones.
struct Course<'a> {
    level: &'a Level,
    start: Mover,
    goal: Zone,
    saws: Vec<Zone>,
}

impl<'a> Course<'a> {
    fn of(level: &'a Level) -> Result<Course<'a>, String> {
        if level.width < 2 || level.height < 2 {
            return Err(format!("runner level must be at least 2x2 tiles, got {}x{}", level.width, level.height));
        }
        let one = |kind: SpawnKind| -> Result<&Spawn, String> {
            let mut found = level.spawns.iter().filter(|s| s.kind == kind);
            match (found.next(), found.next()) {
                (Some(s), None) => Ok(s),
                _ => Err(format!("runner needs exactly one {kind:?} spawn")),
            }
        };
        let (agent, goal) = (one(SpawnKind::Agent)?, one(SpawnKind::Goal)?);
        let start = Mover { vx: agent.vx, vy: agent.vy, ..Mover::at(agent.x, agent.y, PLAYER_HALF, PLAYER_HALF) };
        if physics::box_hits(start.x, start.y, PLAYER_HALF, PLAYER_HALF, |c, r| physics::blocks(level, c, r)) {
            return Err(format!("runner agent at ({}, {}) overlaps a solid tile", agent.x, agent.y));
        }
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
            saws.push(saw_sweep(level, s));
        }
        let goal = Zone { x: goal.x, y: goal.y, half_w: GOAL_HALF, half_h: GOAL_HALF };
        Ok(Course { level, start, goal, saws })
    }

    /// Whether the game may end the episode with a death here (erring towards yes): out of
    /// the bottom, touching lava, or anywhere a saw can be.
    fn deadly(&self, body: &Mover) -> bool {
        let (grown_w, grown_h) = (body.half_w + MARGIN, body.half_h + MARGIN);
        body.bottom() > self.level.height as f32
            || physics::touches_tile(self.level, body.x, body.y, grown_w, grown_h, Tile::Lava)
            || self.saws.iter().any(|zone| zone.overlaps(body, MARGIN))
    }

    /// Whether the game surely counts the goal as reached here.
    fn at_goal(&self, body: &Mover) -> bool {
        self.goal.overlaps(body, -MARGIN)
    }

    /// Steps from the start with no input, proving none of the first ones deadly.
    fn check_safe_start(&self) -> Result<(), String> {
        let mut body = self.start;
        for step in 0..SAFE_START_STEPS {
            physics::step(self.level, &PLATFORMER, &mut body, Input::NONE);
            if self.deadly(&body) {
                return Err(format!("runner agent dies {} steps after the start when standing still", step + 1));
            }
        }
        Ok(())
    }

    /// Best-first search over the real physics for a sequence of actions that reaches the
    /// goal within [`MAX_PATH`] steps. Each move holds one action for `hold` steps; states
    /// that [`state_key`] does not tell apart count as one.
    fn solve(&self, hold: usize) -> Option<Vec<u8>> {
        let priority = |body: &Mover, steps: usize| -> u32 {
            // Weighted A*: steps taken plus a multiple of the fewest steps left.
            let left = (self.goal.x - body.x).abs() / PLATFORMER.run_speed;
            (4.0 * (steps as f32 + HEURISTIC_WEIGHT * left)) as u32
        };
        let mut nodes = vec![Node { body: self.start, parent: u32::MAX, action: 0, held: 0, steps: 0 }];
        let mut seen: HashSet<u64, BuildHasherDefault<KeyHasher>> = HashSet::default();
        seen.insert(state_key(&self.start));
        let mut frontier = BinaryHeap::new();
        frontier.push(Reverse((priority(&self.start, 0), 0u32)));
        let mut expansions = 0;
        while let Some(Reverse((_, index))) = frontier.pop() {
            expansions += 1;
            if expansions > MAX_EXPANSIONS {
                break;
            }
            let Node { body, steps, .. } = nodes[index as usize];
            if steps as usize + hold > MAX_PATH {
                continue;
            }
            // In the air the jump actions do what their plain twins do.
            let choices = if body.grounded { ACTIONS.len() } else { 3 };
            'actions: for (action, &(_, input)) in ACTIONS.iter().enumerate().take(choices) {
                let mut next = body;
                for held in 1..=hold as u8 {
                    physics::step(self.level, &PLATFORMER, &mut next, input);
                    if self.deadly(&next) {
                        continue 'actions;
                    }
                    if self.at_goal(&next) {
                        let steps = steps + held as u16;
                        nodes.push(Node { body: next, parent: index, action: action as u8, held, steps });
                        return Some(actions_to(&nodes, nodes.len() - 1));
                    }
                }
                if seen.insert(state_key(&next)) {
                    let steps = steps + hold as u16;
                    frontier.push(Reverse((priority(&next, steps as usize), nodes.len() as u32)));
                    nodes.push(Node { body: next, parent: index, action: action as u8, held: hold as u8, steps });
                }
            }
        }
        None
    }
}

/// Steps each move of the search holds its action for: a coarse search first (fast, and
/// enough for generated levels), then a step-by-step one (for hand-made levels that need
/// finer control).
const HOLDS: [usize; 2] = [5, 1];
/// How much the search favours progress over short paths (1 would be plain A*).
const HEURISTIC_WEIGHT: f32 = 2.0;

/// A state the search reached: the body, the move that led there and the steps taken.
#[derive(Clone, Copy)]
struct Node {
    body: Mover,
    parent: u32,
    action: u8,
    held: u8,
    steps: u16,
}

/// The actions (each repeated for as long as its move held it) from the root to `leaf`.
fn actions_to(nodes: &[Node], leaf: usize) -> Vec<u8> {
    let mut actions = Vec::with_capacity(nodes[leaf].steps as usize);
    let mut at = leaf;
    while nodes[at].parent != u32::MAX {
        actions.extend(std::iter::repeat_n(nodes[at].action, nodes[at].held as usize));
        at = nodes[at].parent as usize;
    }
    actions.reverse();
    actions
}

/// The search's notion of "the same state": position to 1/16 tile, velocities to about a
/// ground-acceleration step, and whether grounded.
fn state_key(body: &Mover) -> u64 {
    let q = |v: f32, per_unit: f32| (physics::floor_i32(v * per_unit) as i64 + (1 << 19)) as u64 & 0xF_FFFF;
    let speed = |v: f32, per_unit: f32| (physics::floor_i32(v * per_unit + 0.5) as i64 + 128) as u64 & 0xFF;
    q(body.x, 16.0) << 37
        | q(body.y, 16.0) << 17
        | speed(body.vx, 20.0) << 9
        | speed(body.vy, 25.0) << 1
        | body.grounded as u64
}

/// Hashes the search's state keys, which are already well spread by [`mix`]. (Only set
/// membership is asked; no order of iteration is ever used.)
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.0 = mix(self.0 ^ b as u64));
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = mix(v);
    }
}

/// Checks a runner level's guarantees (the generator's, or a hand-edited file's): one agent
/// and one goal, saws that patrol along one axis at most [`MAX_SAW_SPEED`], a start that is
/// safe to stand on, and a goal the search reaches within [`MAX_PATH`] steps. Returns the
/// search's action ids (see [`ACTIONS`]), or why the level is not playable.
pub fn check(level: &Level) -> Result<Vec<u8>, String> {
    let course = Course::of(level)?;
    course.check_safe_start()?;
    HOLDS.iter().find_map(|&hold| course.solve(hold)).ok_or_else(|| {
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

    fn replay(level: &Level, actions: &[u8]) -> (Mover, bool) {
        let course = Course::of(level).unwrap();
        let mut body = course.start;
        for &a in actions {
            physics::step(level, &PLATFORMER, &mut body, ACTIONS[a as usize].1);
            assert!(!course.deadly(&body));
        }
        (body, course.at_goal(&body))
    }

    #[test]
    fn same_seed_same_level_and_seeds_differ() {
        crate::testing::assert_seeded(generate, Difficulty::HARD);
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
            let (_, arrived) = replay(&level, &path);
            assert!(arrived, "seed {seed}");
            let (_, early) = replay(&level, &path[..path.len() - 1]);
            assert!(!early, "the path stops at the first step on the goal");
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
    fn a_sweep_covers_the_whole_patrol_between_walls() {
        let mut level = Level::filled(NAME, 0, Difficulty::MIN, 10, 4, Tile::Empty);
        (0..10).for_each(|x| level.set(x, 3, Tile::Wall));
        level.set(2, 2, Tile::Wall);
        level.set(7, 2, Tile::Wall);
        let saw = Spawn { kind: SpawnKind::Saw, x: 4.5, y: 2.5, vx: 0.1, vy: 0.0, variant: 0 };
        let edges = |z: Zone| [z.x - z.half_w, z.y - z.half_h, z.x + z.half_w, z.y + z.half_h];
        let near = |a: [f32; 4], b: [f32; 4]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5);
        let sweep = edges(saw_sweep(&level, &saw));
        assert!(near(sweep, [3.0, 2.5 - SAW_HALF, 7.0, 2.5 + SAW_HALF]), "between the walls: {sweep:?}");
        let rising = Spawn { vx: 0.0, vy: -0.1, ..saw };
        let sweep = edges(saw_sweep(&level, &rising));
        assert!(near(sweep, [4.5 - SAW_HALF, 0.0, 4.5 + SAW_HALF, 3.0]), "from the ceiling to the floor: {sweep:?}");
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
