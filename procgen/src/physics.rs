//! Platform physics as one pure integrator: a box with sub-tile position and velocity runs,
//! jumps and falls through a level's tiles. The platform games' ECS systems and the
//! generators' reachability searches both call [`step`], so a solver and the game it vets can
//! never disagree about where a move leads.
//!
//! Units are tiles and tiles per step; y grows downwards. Solid tiles block; the sides and
//! top of the grid count as solid, and below the bottom row is open air, so bodies fall out.
//!
//! ```
//! use ludica_procgen::physics::{self, Input, Mover};
//! use ludica_procgen::{Difficulty, Level, Tile};
//! let mut level = Level::filled("demo", 0, Difficulty::MIN, 8, 4, Tile::Empty);
//! (0..8).for_each(|x| level.set(x, 3, Tile::Wall));
//! let mut body = Mover::at(1.5, 2.5, 0.4, 0.4);
//! for _ in 0..10 {
//!     physics::step(&level, &physics::PLATFORMER, &mut body, Input::NONE);
//! }
//! assert!(body.grounded && (body.bottom() - 3.0).abs() < 1e-5, "landed on row 3");
//! ```

use crate::{Level, Spawn, Tile};

/// How far inside a tile a box edge must reach to overlap it: boxes that only touch a tile's
/// edge do not overlap it.
pub const EDGE: f32 = 1e-4;

/// The constants of one kind of platform physics, in tiles and steps.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Physics {
    /// Added to the downward velocity every step.
    pub gravity: f32,
    /// Fastest fall. Must stay below 1 (and below a body's height) so nothing tunnels.
    pub max_fall: f32,
    /// Top running speed.
    pub run_speed: f32,
    /// Change of horizontal speed per step on the ground, towards the input's target speed
    /// (this is both acceleration and friction).
    pub ground_accel: f32,
    /// The same in the air (less control).
    pub air_accel: f32,
    /// Upward speed a jump starts with.
    pub jump_speed: f32,
}

/// The physics of the side-view platformers: runs at a quarter tile per step, jumps about
/// 2.9 tiles high and 6 tiles far at full speed.
pub const PLATFORMER: Physics =
    Physics { gravity: 0.04, max_fall: 0.5, run_speed: 0.25, ground_accel: 0.05, air_accel: 0.025, jump_speed: 0.5 };

/// What the controller asks for this step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Input {
    /// Run direction: -1 left, 0 none, 1 right.
    pub run: i8,
    /// Jump (only acts while grounded).
    pub jump: bool,
}

impl Input {
    /// No input: friction slows the body, gravity pulls it.
    pub const NONE: Input = Input { run: 0, jump: false };
}

/// A moving box: centre, velocity, half extents and whether it stood on solid ground after
/// its last step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mover {
    /// Horizontal centre, in tiles.
    pub x: f32,
    /// Vertical centre, in tiles (downwards).
    pub y: f32,
    /// Horizontal velocity, tiles per step.
    pub vx: f32,
    /// Vertical velocity, tiles per step (positive downwards).
    pub vy: f32,
    /// Half the width.
    pub half_w: f32,
    /// Half the height.
    pub half_h: f32,
    /// Whether the last step ended standing on a solid tile.
    pub grounded: bool,
}

impl Mover {
    /// A still, airborne box centred at (`x`, `y`).
    pub const fn at(x: f32, y: f32, half_w: f32, half_h: f32) -> Mover {
        Mover { x, y, vx: 0.0, vy: 0.0, half_w, half_h, grounded: false }
    }

    /// The y of its bottom edge.
    pub fn bottom(&self) -> f32 {
        self.y + self.half_h
    }

    /// The y of its top edge.
    pub fn top(&self) -> f32 {
        self.y - self.half_h
    }
}

/// Whether the tile at (`col`, `row`) blocks movement: solid tiles, and outside the grid to
/// the left, right and above; below the bottom row is open.
pub fn blocks(level: &Level, col: i32, row: i32) -> bool {
    row < level.height as i32 && level.tile(col, row).is_solid()
}

/// The largest integer not above `v` (for |v| < 2^31), as `v.floor() as i32` gives it, but
/// without the call to libm's `floorf` that baseline x86-64 makes for `floor`.
pub fn floor_i32(v: f32) -> i32 {
    let truncated = v as i32;
    if (truncated as f32) > v { truncated - 1 } else { truncated }
}

/// The columns or rows (inclusive) a box from `centre - half` to `centre + half` overlaps.
pub fn cells_spanned(centre: f32, half: f32) -> (i32, i32) {
    (floor_i32(centre - half), floor_i32(centre + half - EDGE))
}

/// Whether a box centred at (`x`, `y`) with half extents (`hw`, `hh`) overlaps a tile for
/// which `pred(col, row)` holds.
pub fn box_hits(x: f32, y: f32, hw: f32, hh: f32, pred: impl Fn(i32, i32) -> bool) -> bool {
    let (c0, c1) = cells_spanned(x, hw);
    let (r0, r1) = cells_spanned(y, hh);
    (r0..=r1).any(|r| (c0..=c1).any(|c| pred(c, r)))
}

/// Advances `body` one step under `physics` with `input`: horizontal speed moves towards the
/// input's target, a grounded body may jump, gravity pulls, then the body moves along x and
/// then along y, stopping flush against any solid tile it would enter.
pub fn step(level: &Level, physics: &Physics, body: &mut Mover, input: Input) {
    let target = input.run.signum() as f32 * physics.run_speed;
    let accel = if body.grounded { physics.ground_accel } else { physics.air_accel };
    body.vx = (body.vx + (target - body.vx).clamp(-accel, accel)).clamp(-physics.run_speed, physics.run_speed);
    if input.jump && body.grounded {
        body.vy = -physics.jump_speed;
    }
    body.vy = (body.vy + physics.gravity).clamp(-physics.jump_speed, physics.max_fall);

    let solid = |c, r| blocks(level, c, r);
    let x = body.x + body.vx;
    if box_hits(x, body.y, body.half_w, body.half_h, solid) {
        // Only one new column can be entered per step (|vx| < 1): stop flush against it.
        body.x = if body.vx > 0.0 {
            floor_i32(x + body.half_w - EDGE) as f32 - body.half_w
        } else {
            floor_i32(x - body.half_w) as f32 + 1.0 + body.half_w
        };
        body.vx = 0.0;
    } else {
        body.x = x;
    }

    let y = body.y + body.vy;
    body.grounded = false;
    if box_hits(body.x, y, body.half_w, body.half_h, solid) {
        if body.vy > 0.0 {
            body.y = floor_i32(y + body.half_h - EDGE) as f32 - body.half_h;
            body.grounded = true;
        } else {
            body.y = floor_i32(y - body.half_h) as f32 + 1.0 + body.half_h;
        }
        body.vy = 0.0;
    } else {
        body.y = y;
    }
}

/// A still, airborne body of half side `half` at `agent`'s place and velocity, or why it
/// cannot start there (it overlaps a solid tile).
pub fn start_of(level: &Level, agent: &Spawn, half: f32) -> Result<Mover, String> {
    let start = Mover { vx: agent.vx, vy: agent.vy, ..Mover::at(agent.x, agent.y, half, half) };
    if box_hits(start.x, start.y, half, half, |c, r| blocks(level, c, r)) {
        return Err(format!("{} agent at ({}, {}) overlaps a solid tile", level.game, agent.x, agent.y));
    }
    Ok(start)
}

/// Whether a box overlaps any tile of kind `tile` (nothing lies outside the grid).
pub fn touches_tile(level: &Level, x: f32, y: f32, hw: f32, hh: f32, tile: Tile) -> bool {
    box_hits(x, y, hw, hh, |c, r| {
        c >= 0 && r >= 0 && (c as usize) < level.width && (r as usize) < level.height && level.tile(c, r) == tile
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Difficulty;

    /// An 12 x 8 level with a floor on row 6 (top edge at y = 6).
    fn floor_level() -> Level {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 12, 8, Tile::Empty);
        (0..12).for_each(|x| level.set(x, 6, Tile::Wall));
        level
    }

    fn run(level: &Level, body: &mut Mover, input: Input, steps: usize) {
        (0..steps).for_each(|_| step(level, &PLATFORMER, body, input));
    }

    fn standing(x: f32) -> Mover {
        let level = floor_level();
        let mut body = Mover::at(x, 5.0, 0.4, 0.4);
        run(&level, &mut body, Input::NONE, 20);
        body
    }

    #[test]
    fn a_body_falls_lands_flush_and_stays_grounded() {
        let body = standing(2.5);
        assert!(body.grounded);
        assert_eq!(body.vy, 0.0);
        assert!((body.bottom() - 6.0).abs() < 1e-5, "bottom at {}", body.bottom());
        let mut again = body;
        step(&floor_level(), &PLATFORMER, &mut again, Input::NONE);
        assert_eq!(again, body, "standing still is a fixed point");
    }

    #[test]
    fn running_accelerates_to_top_speed_and_friction_stops() {
        let level = floor_level();
        let mut body = standing(2.5);
        step(&level, &PLATFORMER, &mut body, Input { run: 1, jump: false });
        assert!((body.vx - PLATFORMER.ground_accel).abs() < 1e-6);
        run(&level, &mut body, Input { run: 1, jump: false }, 10);
        assert_eq!(body.vx, PLATFORMER.run_speed);
        run(&level, &mut body, Input::NONE, 10);
        assert_eq!(body.vx, 0.0);
    }

    #[test]
    fn walls_stop_a_runner_flush() {
        let mut level = floor_level();
        level.set(6, 5, Tile::Wall);
        let mut body = standing(2.5);
        run(&level, &mut body, Input { run: 1, jump: false }, 40);
        assert!((body.x + body.half_w - 6.0).abs() < 1e-5, "stopped against column 6 at x = {}", body.x);
        assert_eq!(body.vx, 0.0);
        run(&level, &mut body, Input { run: -1, jump: false }, 100);
        assert!((body.x - body.half_w).abs() < 1e-5, "the left edge of the grid is a wall: x = {}", body.x);
    }

    #[test]
    fn a_jump_rises_about_2_9_tiles_and_only_from_the_ground() {
        let level = floor_level();
        let mut body = standing(5.5);
        let jump = Input { run: 0, jump: true };
        step(&level, &PLATFORMER, &mut body, jump);
        assert!(body.vy < 0.0 && !body.grounded);
        let mut highest = body.bottom();
        let mut airborne_jumps_ignored = true;
        for _ in 0..40 {
            let vy = body.vy;
            step(&level, &PLATFORMER, &mut body, jump);
            airborne_jumps_ignored &= body.grounded || body.vy >= vy;
            highest = highest.min(body.bottom());
            if body.grounded {
                break;
            }
        }
        assert!(airborne_jumps_ignored, "jumping in the air does nothing");
        assert!(body.grounded, "lands again");
        let rise = 6.0 - highest;
        assert!((2.8..3.0).contains(&rise), "rise {rise}");
    }

    #[test]
    fn a_jump_clears_a_two_tile_step_but_not_three() {
        for (height, climbs) in [(2, true), (3, false)] {
            let mut level = floor_level();
            for x in 7..12 {
                (6 - height..6).for_each(|y| level.set(x, y, Tile::Wall));
            }
            let mut body = standing(3.5);
            run(&level, &mut body, Input { run: 1, jump: false }, 10);
            run(&level, &mut body, Input { run: 1, jump: true }, 60);
            assert_eq!(body.x > 7.0, climbs, "step of {height}: x = {}", body.x);
        }
    }

    #[test]
    fn the_ceiling_stops_a_jump() {
        let mut level = floor_level();
        level.set(5, 4, Tile::Wall);
        let mut body = standing(5.5);
        step(&level, &PLATFORMER, &mut body, Input { run: 0, jump: true });
        run(&level, &mut body, Input::NONE, 5);
        assert!(body.top() >= 5.0 - 1e-5, "head stops under row 4: top {}", body.top());
    }

    #[test]
    fn below_the_grid_is_open_air() {
        let mut level = floor_level();
        (3..6).for_each(|x| level.set(x, 6, Tile::Empty));
        let mut body = Mover::at(4.5, 5.0, 0.4, 0.4);
        run(&level, &mut body, Input::NONE, 60);
        assert!(body.top() > level.height as f32, "fell out: y = {}", body.y);
        assert!(!body.grounded);
    }

    #[test]
    fn floor_i32_agrees_with_floor() {
        for v in [-2.5f32, -2.0, -1e-7, 0.0, 1e-7, 0.9999999, 1.0, 3.75, 15.0, -15.3, 1e6 + 0.5] {
            assert_eq!(floor_i32(v), v.floor() as i32, "{v}");
        }
    }

    #[test]
    fn tiles_touching_only_at_an_edge_are_not_hit() {
        let level = floor_level();
        let body = standing(1.5);
        assert!(!touches_tile(&level, body.x, body.y, body.half_w, body.half_h, Tile::Wall));
        assert!(touches_tile(&level, body.x, body.y + 0.01, body.half_w, body.half_h, Tile::Wall));
    }
}
