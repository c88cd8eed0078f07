//! The proof that a platform level can be won: a best-first search over the real platform
//! physics ([`crate::physics::step`]) with the platform games' actions, avoiding deadly zones,
//! until the body overlaps the goal. Shared by the platform generators' checkers (runner,
//! climber); since the games call the same integrator, a plan the search finds wins in the game.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::physics::{self, Input, Mover, PLATFORMER};
use crate::seeds::mix;
use crate::{Level, Spawn, Tile};

/// The platform games' actions, in id order, with the input each one gives the physics.
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

/// Margin by which the search inflates hazards and shrinks the goal, so that its verdicts
/// hold however the game orders its checks.
pub const MARGIN: f32 = 0.01;
/// The search gives up after expanding this many states.
const MAX_EXPANSIONS: usize = 200_000;
/// Steps each move of the search holds its action for: a coarse search first (fast, and
/// enough for generated levels), then a step-by-step one (for hand-made levels that need
/// finer control).
const HOLDS: [usize; 2] = [5, 1];
/// How much the search favours progress over short paths (1 would be plain A*).
const HEURISTIC_WEIGHT: f32 = 2.0;

/// An axis-aligned box: centre and half extents, in tiles.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Zone {
    /// Horizontal centre.
    pub x: f32,
    /// Vertical centre (downwards).
    pub y: f32,
    /// Half the width.
    pub half_w: f32,
    /// Half the height.
    pub half_h: f32,
}

impl Zone {
    /// The box between two edges on each axis.
    pub fn from_edges(left: f32, top: f32, right: f32, bottom: f32) -> Zone {
        Zone {
            x: (left + right) / 2.0,
            y: (top + bottom) / 2.0,
            half_w: (right - left) / 2.0,
            half_h: (bottom - top) / 2.0,
        }
    }

    /// Whether `body`, grown by `grow` on every side, overlaps this zone.
    pub fn overlaps(&self, body: &Mover, grow: f32) -> bool {
        (body.x - self.x).abs() < body.half_w + self.half_w + grow
            && (body.y - self.y).abs() < body.half_h + self.half_h + grow
    }
}

/// Every place a patroller (a box of half side `half` that reverses on meeting a solid tile,
/// the grid's outside included) starting as `spawn` can be: its box stretched along its axis
/// of motion over the free columns (or rows) up to the solid tiles that turn it back.
pub fn patrol_sweep(level: &Level, spawn: &Spawn, half: f32) -> Zone {
    let (mut c0, mut c1) = physics::cells_spanned(spawn.x, half);
    let (mut r0, mut r1) = physics::cells_spanned(spawn.y, half);
    let free = |cols: (i32, i32), rows: (i32, i32)| {
        (rows.0..=rows.1).all(|r| (cols.0..=cols.1).all(|c| !level.tile(c, r).is_solid()))
    };
    if spawn.vx != 0.0 {
        while free((c0 - 1, c0 - 1), (r0, r1)) {
            c0 -= 1;
        }
        while free((c1 + 1, c1 + 1), (r0, r1)) {
            c1 += 1;
        }
    }
    if spawn.vy != 0.0 {
        while free((c0, c1), (r0 - 1, r0 - 1)) {
            r0 -= 1;
        }
        while free((c0, c1), (r1 + 1, r1 + 1)) {
            r1 += 1;
        }
    }
    let (left, right) = if spawn.vx != 0.0 { (c0 as f32, c1 as f32 + 1.0) } else { (spawn.x - half, spawn.x + half) };
    let (top, bottom) = if spawn.vy != 0.0 { (r0 as f32, r1 as f32 + 1.0) } else { (spawn.y - half, spawn.y + half) };
    Zone::from_edges(left, top, right, bottom)
}

/// Every place a walker (a box of half side `half` pacing its platform at its height, turning
/// back at walls and at the platform's ends, as the core's `Walker` does) starting as `spawn`
/// can be: the span of floor it stands on, at its height.
pub fn ledge_sweep(level: &Level, spawn: &Spawn, half: f32) -> Zone {
    let (r0, r1) = physics::cells_spanned(spawn.y, half);
    let floor = physics::floor_i32(spawn.y + half + physics::EDGE);
    let walkable = |c: i32| level.tile(c, floor).is_solid() && (r0..=r1).all(|r| !level.tile(c, r).is_solid());
    let (mut c0, mut c1) = physics::cells_spanned(spawn.x, half);
    while walkable(c0 - 1) {
        c0 -= 1;
    }
    while walkable(c1 + 1) {
        c1 += 1;
    }
    Zone::from_edges(c0 as f32, spawn.y - half, c1 as f32 + 1.0, spawn.y + half)
}

/// A platform level ready to search: the player's start, the goal, the zones where the game
/// may kill (besides lava and the open bottom), and how long a plan may be.
pub struct Course<'a> {
    /// The level's tiles.
    pub level: &'a Level,
    /// The player's body at the start.
    pub start: Mover,
    /// Touching this wins.
    pub goal: Zone,
    /// Touching these may kill.
    pub hazards: Vec<Zone>,
    /// The longest plan accepted, in steps.
    pub max_path: usize,
    /// The search's estimate of vertical progress per step, for its heuristic (infinite:
    /// height does not count, only horizontal distance).
    pub climb_speed: f32,
}

impl Course<'_> {
    /// Whether the game may end the episode with a death here (erring towards yes): out of
    /// the bottom, touching lava, or anywhere a hazard zone covers.
    pub fn deadly(&self, body: &Mover) -> bool {
        let (grown_w, grown_h) = (body.half_w + MARGIN, body.half_h + MARGIN);
        body.bottom() > self.level.height as f32
            || physics::touches_tile(self.level, body.x, body.y, grown_w, grown_h, Tile::Lava)
            || self.hazards.iter().any(|zone| zone.overlaps(body, MARGIN))
    }

    /// Whether the game surely counts the goal as reached here.
    pub fn at_goal(&self, body: &Mover) -> bool {
        self.goal.overlaps(body, -MARGIN)
    }

    /// Steps from the start with no input for `steps` steps; the first step (1-based) that may
    /// be deadly, if any.
    pub fn first_death_standing_still(&self, steps: usize) -> Option<usize> {
        let mut body = self.start;
        (1..=steps).find(|_| {
            physics::step(self.level, &PLATFORMER, &mut body, Input::NONE);
            self.deadly(&body)
        })
    }

    /// Plays `actions` (ids into [`ACTIONS`]) from the start: whether the body ends on the
    /// goal, or `None` if some step may be deadly.
    pub fn replay(&self, actions: &[u8]) -> Option<bool> {
        let mut body = self.start;
        for &a in actions {
            physics::step(self.level, &PLATFORMER, &mut body, ACTION_INPUTS[a as usize]);
            if self.deadly(&body) {
                return None;
            }
        }
        Some(self.at_goal(&body))
    }

    /// A sequence of action ids (see [`ACTIONS`]) that reaches the goal within `max_path`
    /// steps without danger: a coarse search first, then a step-by-step one.
    pub fn solve(&self) -> Option<Vec<u8>> {
        HOLDS.iter().find_map(|&hold| self.search(hold, MAX_EXPANSIONS))
    }

    /// The coarse search alone (the first [`Course::solve`] tries), giving up after
    /// `max_expansions` states: cheap, for generators vetting a candidate; whatever it finds,
    /// `solve` finds too.
    pub fn solve_coarse(&self, max_expansions: usize) -> Option<Vec<u8>> {
        self.search(HOLDS[0], max_expansions.min(MAX_EXPANSIONS))
    }

    /// Best-first search for a plan. Each move holds one action for `hold` steps; states that
    /// [`state_key`] does not tell apart count as one.
    fn search(&self, hold: usize, max_expansions: usize) -> Option<Vec<u8>> {
        let priority = |body: &Mover, steps: usize| -> u32 {
            // Weighted A*: steps taken plus a multiple of an estimate of the steps left.
            let left =
                (self.goal.x - body.x).abs() / PLATFORMER.run_speed + (self.goal.y - body.y).abs() / self.climb_speed;
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
            if expansions > max_expansions {
                break;
            }
            let Node { body, steps, .. } = nodes[index as usize];
            if steps as usize + hold > self.max_path {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Difficulty, SpawnKind};

    #[test]
    fn a_sweep_covers_the_whole_patrol_between_walls() {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 10, 4, Tile::Empty);
        (0..10).for_each(|x| level.set(x, 3, Tile::Wall));
        level.set(2, 2, Tile::Wall);
        level.set(7, 2, Tile::Wall);
        let saw = Spawn { kind: SpawnKind::Saw, x: 4.5, y: 2.5, vx: 0.1, vy: 0.0, variant: 0 };
        let edges = |z: Zone| [z.x - z.half_w, z.y - z.half_h, z.x + z.half_w, z.y + z.half_h];
        let near = |a: [f32; 4], b: [f32; 4]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5);
        let sweep = edges(patrol_sweep(&level, &saw, 0.4));
        assert!(near(sweep, [3.0, 2.1, 7.0, 2.9]), "between the walls: {sweep:?}");
        let rising = Spawn { vx: 0.0, vy: -0.1, ..saw };
        let sweep = edges(patrol_sweep(&level, &rising, 0.4));
        assert!(near(sweep, [4.1, 0.0, 4.9, 3.0]), "from the ceiling to the floor: {sweep:?}");
    }

    #[test]
    fn the_search_climbs_a_two_tile_step_and_not_a_three_tile_one() {
        for (height, solvable) in [(2, true), (3, false)] {
            let mut level = Level::filled("t", 0, Difficulty::MIN, 12, 10, Tile::Empty);
            (0..12).for_each(|x| level.set(x, 9, Tile::Wall));
            (6..12).for_each(|x| (9 - height..9).for_each(|y| level.set(x, y, Tile::Wall)));
            let course = Course {
                level: &level,
                start: Mover::at(1.5, 8.5, 0.4, 0.4),
                goal: Zone { x: 10.5, y: 8.5 - height as f32, half_w: 0.3, half_h: 0.3 },
                hazards: vec![],
                max_path: 200,
                climb_speed: 0.1,
            };
            assert_eq!(course.solve().is_some(), solvable, "a step of {height}");
        }
    }
}
