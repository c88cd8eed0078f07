//! Geometry of boxes on the tile grid, shared by every mechanic: whether two bodies overlap,
//! which tiles a body covers, and the tile holding a point; and the float-to-integer roundings
//! they and the rasterizer use.

use ludica_procgen::{Level, Tile};

use super::components::{Body, Position};

/// Whether two boxes overlap (touching edges do not count).
pub fn overlaps(a: Position, ab: Body, b: Position, bb: Body) -> bool {
    (a.x - b.x).abs() < ab.half_w + bb.half_w && (a.y - b.y).abs() < ab.half_h + bb.half_h
}

/// The tiles a box overlaps, as an inclusive range of columns and rows.
pub fn tiles_under(pos: Position, body: Body) -> (std::ops::RangeInclusive<i32>, std::ops::RangeInclusive<i32>) {
    const EDGE: f32 = 1e-4;
    let cols = floor_i32(pos.x - body.half_w)..=floor_i32(pos.x + body.half_w - EDGE);
    let rows = floor_i32(pos.y - body.half_h)..=floor_i32(pos.y + body.half_h - EDGE);
    (cols, rows)
}

/// Whether any tile under the box satisfies `pred` (outside the grid counts as wall).
pub fn any_tile_under(level: &Level, pos: Position, body: Body, pred: impl Fn(Tile) -> bool) -> bool {
    let (cols, rows) = tiles_under(pos, body);
    rows.into_iter().any(|y| cols.clone().any(|x| pred(level.tile(x, y))))
}

/// The tile (column, row) holding `pos`.
pub fn tile_of(pos: Position) -> (i32, i32) {
    (floor_i32(pos.x), floor_i32(pos.y))
}

/// `x.floor() as i32` for every `x` (NaN and values beyond `i32` included), without the call
/// to libm that `f32::floor` compiles to on the baseline x86-64 target (it has no rounding
/// instruction).
pub fn floor_i32(x: f32) -> i32 {
    let truncated = x as i32;
    if truncated as f32 > x { truncated.saturating_sub(1) } else { truncated }
}

/// `x.round() as i32` (halves away from zero) for every `x`, without a call to libm, as
/// [`floor_i32`].
pub fn round_i32(x: f32) -> i32 {
    let truncated = x as i32;
    // Exact: below 2^23 the fraction is representable, above it `x` is whole.
    let fraction = x - truncated as f32;
    if fraction >= 0.5 {
        truncated.saturating_add(1)
    } else if fraction <= -0.5 {
        truncated.saturating_sub(1)
    } else {
        truncated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_touching_at_an_edge_do_not_overlap() {
        let b = Body::square(1.0);
        assert!(!overlaps(Position { x: 0.5, y: 0.5 }, b, Position { x: 1.5, y: 0.5 }, b));
        assert!(overlaps(Position { x: 0.5, y: 0.5 }, b, Position { x: 1.4, y: 0.9 }, b));
    }

    #[test]
    fn a_box_on_tile_edges_covers_only_its_tiles() {
        let (cols, rows) = tiles_under(Position { x: 1.5, y: 2.5 }, Body::square(1.0));
        assert_eq!((cols, rows), (1..=1, 2..=2));
        let (cols, _) = tiles_under(Position { x: 1.6, y: 2.5 }, Body::square(1.0));
        assert_eq!(cols, 1..=2);
    }

    #[test]
    fn integer_roundings_match_the_float_ones() {
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.49999997,
            -0.49999997,
            8_388_607.5,
            -8_388_607.5,
            16_777_217.0,
            2_147_483_520.0,
            2_147_483_648.0,
            -2_147_483_648.0,
            -2_147_483_904.0,
            3e9,
            -3e9,
            f32::MAX,
            f32::MIN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::EPSILON,
            -f32::EPSILON,
        ];
        // Every pixel-scale value a body or sprite edge takes, in steps of 1/1024, and beyond.
        values.extend((-200_000..200_000).map(|i| i as f32 / 1024.0));
        values.extend((-1_000..1_000).map(|i| i as f32 * 0.37 + 0.1));
        for x in values {
            assert_eq!(floor_i32(x), x.floor() as i32, "floor of {x}");
            assert_eq!(round_i32(x), x.round() as i32, "round of {x}");
        }
    }

    #[test]
    fn a_point_lies_in_the_tile_it_floors_to() {
        assert_eq!(tile_of(Position { x: 2.99, y: 0.0 }), (2, 0));
        assert_eq!(tile_of(Position { x: -0.5, y: 3.5 }), (-1, 3));
    }
}
