//! The outlines of sprite shapes ([`super::render::Shape`]), each split into what depends on
//! the pixel's column alone, what on its row alone, and a cheap test combining the two, so
//! that drawing a sprite computes divisions and squares once a column or a row, never once a
//! pixel. Coordinates (`u`, `v`) lie in [-1, 1]² across the sprite's box, `v` downwards.

/// A shape's inside test, separated by axis. The combined test must do the same float
/// operations on the same operands as the unseparated formula, so that every pixel is the same.
pub(crate) trait Outline {
    /// The terms of a column's `u`.
    type Column: Copy + Default;
    /// The terms of a row's `v`.
    type Row: Copy;
    /// The column terms at `u`.
    fn column(u: f32) -> Self::Column;
    /// The row terms at `v`.
    fn row(v: f32) -> Self::Row;
    /// Whether the pixel lies inside the shape, and if so whether on its accent.
    fn pixel(column: Self::Column, row: Self::Row) -> Option<bool>;
}

/// A filled box with an accent rim.
pub(crate) struct Block;

impl Outline for Block {
    type Column = bool;
    type Row = bool;
    fn column(u: f32) -> bool {
        u.abs() > 0.7
    }
    fn row(v: f32) -> bool {
        v.abs() > 0.7
    }
    fn pixel(rim_u: bool, rim_v: bool) -> Option<bool> {
        Some(rim_u || rim_v)
    }
}

/// A disc with an accent centre.
pub(crate) struct Disc;

impl Outline for Disc {
    type Column = f32;
    type Row = f32;
    fn column(u: f32) -> f32 {
        u * u
    }
    fn row(v: f32) -> f32 {
        v * v
    }
    fn pixel(uu: f32, vv: f32) -> Option<bool> {
        let r2 = uu + vv;
        (r2 <= 1.0).then_some(r2 <= 0.16)
    }
}

/// A diamond (a gem) with an accent core.
pub(crate) struct Diamond;

impl Outline for Diamond {
    type Column = f32;
    type Row = f32;
    fn column(u: f32) -> f32 {
        u.abs()
    }
    fn row(v: f32) -> f32 {
        v.abs()
    }
    fn pixel(abs_u: f32, abs_v: f32) -> Option<bool> {
        let taxicab = abs_u + abs_v;
        (taxicab <= 1.0).then_some(taxicab <= 0.4)
    }
}

/// A toothed blade: a hub, and teeth in the two quadrant halves where the sign of `u * v`
/// disagrees with which of |u| and |v| is larger.
pub(crate) struct Saw;

/// A coordinate, its magnitude and its square.
#[derive(Clone, Copy, Default)]
pub(crate) struct Axis {
    at: f32,
    abs: f32,
    square: f32,
}

impl Axis {
    fn of(x: f32) -> Axis {
        Axis { at: x, abs: x.abs(), square: x * x }
    }
}

impl Outline for Saw {
    type Column = Axis;
    type Row = Axis;
    fn column(u: f32) -> Axis {
        Axis::of(u)
    }
    fn row(v: f32) -> Axis {
        Axis::of(v)
    }
    fn pixel(u: Axis, v: Axis) -> Option<bool> {
        let r2 = u.square + v.square;
        let tooth = (u.at * v.at > 0.0) != (u.abs > v.abs);
        (r2 <= 0.45 || (r2 <= 1.0 && tooth)).then_some(r2 <= 0.1)
    }
}

/// A body with two accent eyes looking ahead.
pub(crate) struct Critter;

/// Where the critter's eyes are (u of each; v of both).
const CRITTER_EYES: (f32, f32, f32) = (-0.35, 0.35, -0.3);

impl Outline for Critter {
    /// u², and the squared distance along u to the left and the right eye.
    type Column = (f32, f32, f32);
    /// v², and the squared distance along v to the eyes.
    type Row = (f32, f32);
    fn column(u: f32) -> (f32, f32, f32) {
        (u * u, (u - CRITTER_EYES.0).powi(2), (u - CRITTER_EYES.1).powi(2))
    }
    fn row(v: f32) -> (f32, f32) {
        (v * v, (v - CRITTER_EYES.2).powi(2))
    }
    fn pixel((uu, left, right): (f32, f32, f32), (vv, eyes): (f32, f32)) -> Option<bool> {
        let eye = |du: f32| du + eyes <= 0.06;
        (uu + vv <= 1.3).then_some(eye(left) || eye(right))
    }
}

/// A fish facing right: an oval body, a tail behind, an accent eye ahead.
pub(crate) struct Fish;

/// The column terms of a fish.
#[derive(Clone, Copy, Default)]
pub(crate) struct FishColumn {
    /// The body oval's u term.
    body: f32,
    /// Whether the column is behind the body, where the tail is.
    behind: bool,
    /// The tail's half height at this column.
    tail: f32,
    /// The squared distance along u to the eye.
    eye: f32,
}

/// The row terms of a fish: the body oval's v term, |v| and the squared distance to the eye.
type FishRow = (f32, f32, f32);

impl Outline for Fish {
    type Column = FishColumn;
    type Row = FishRow;
    fn column(u: f32) -> FishColumn {
        FishColumn {
            body: ((u - 0.15) / 0.85).powi(2),
            behind: u < -0.55,
            tail: (-0.55 - u) * 1.6,
            eye: (u - 0.45).powi(2),
        }
    }
    fn row(v: f32) -> FishRow {
        ((v / 0.6).powi(2), v.abs(), (v + 0.15).powi(2))
    }
    fn pixel(u: FishColumn, (body_v, abs_v, eye_v): FishRow) -> Option<bool> {
        let body = u.body + body_v <= 1.0;
        let tail = u.behind && abs_v <= u.tail;
        (body || tail).then_some(u.eye + eye_v <= 0.02)
    }
}

/// A ship: an arrowhead pointing right, an accent cockpit.
pub(crate) struct Ship;

impl Outline for Ship {
    /// Whether the column is inside the box's left edge, the arrowhead's half height there,
    /// and the squared distance along u to the cockpit.
    type Column = (bool, f32, f32);
    /// |v| and v².
    type Row = (f32, f32);
    fn column(u: f32) -> (bool, f32, f32) {
        (u >= -1.0, (1.0 - u) / 2.0, (u + 0.1).powi(2))
    }
    fn row(v: f32) -> (f32, f32) {
        (v.abs(), v * v)
    }
    fn pixel((inside_u, half_height, cockpit_u): (bool, f32, f32), (abs_v, vv): (f32, f32)) -> Option<bool> {
        (inside_u && abs_v <= half_height).then_some(cockpit_u + vv <= 0.05)
    }
}

/// A key: an accent ring on the left, a toothed shaft to the right.
pub(crate) struct Key;

impl Outline for Key {
    /// The squared distance along u to the ring's centre, whether the column crosses the
    /// shaft, and whether it crosses a tooth.
    type Column = (f32, bool, bool);
    /// v², whether the row crosses the shaft, and whether it crosses the teeth.
    type Row = (f32, bool, bool);
    fn column(u: f32) -> (f32, bool, bool) {
        ((u + 0.55).powi(2), u > -0.2, u > 0.35 && ((u * 5.0) as i32) % 2 == 0)
    }
    fn row(v: f32) -> (f32, bool, bool) {
        (v * v, v.abs() <= 0.15, v > 0.0 && v <= 0.5)
    }
    fn pixel((ring_u, shaft_u, tooth_u): (f32, bool, bool), (vv, shaft_v, tooth_v): (f32, bool, bool)) -> Option<bool> {
        if (0.06..=0.2).contains(&(ring_u + vv)) {
            Some(true)
        } else {
            ((shaft_u && shaft_v) || (tooth_u && tooth_v)).then_some(false)
        }
    }
}

/// A five-pointed star with an accent centre: inside when the radius is under a five-lobed
/// bound of the angle, which does not separate by axis.
pub(crate) struct Star;

impl Outline for Star {
    type Column = f32;
    type Row = f32;
    fn column(u: f32) -> f32 {
        u
    }
    fn row(v: f32) -> f32 {
        v
    }
    fn pixel(u: f32, v: f32) -> Option<bool> {
        let r2 = u * u + v * v;
        let angle = v.atan2(u) + std::f32::consts::FRAC_PI_2;
        let lobe = (angle * 5.0 / (2.0 * std::f32::consts::PI)).rem_euclid(1.0);
        let bound = 0.45 + 0.55 * (1.0 - 2.0 * (lobe - 0.5).abs()).powi(2);
        (r2.sqrt() <= bound).then_some(r2 <= 0.08)
    }
}

/// A ring: an accent rim around an empty centre (a closed exit, a portal).
pub(crate) struct Ring;

impl Outline for Ring {
    type Column = f32;
    type Row = f32;
    fn column(u: f32) -> f32 {
        u * u
    }
    fn row(v: f32) -> f32 {
        v * v
    }
    fn pixel(uu: f32, vv: f32) -> Option<bool> {
        let r2 = uu + vv;
        (0.36..=1.0).contains(&r2).then_some(r2 >= 0.7)
    }
}
