//! Geometry of boxes on the tile grid, shared by every mechanic: whether two bodies overlap,
//! which tiles a body covers, and the tile holding a point.

use ludica_procgen::{Level, Tile};

use super::components::{Body, Position};

/// Whether two boxes overlap (touching edges do not count).
pub fn overlaps(a: Position, ab: Body, b: Position, bb: Body) -> bool {
    (a.x - b.x).abs() < ab.half_w + bb.half_w && (a.y - b.y).abs() < ab.half_h + bb.half_h
}

/// The tiles a box overlaps, as an inclusive range of columns and rows.
pub fn tiles_under(pos: Position, body: Body) -> (std::ops::RangeInclusive<i32>, std::ops::RangeInclusive<i32>) {
    const EDGE: f32 = 1e-4;
    let cols = (pos.x - body.half_w).floor() as i32..=(pos.x + body.half_w - EDGE).floor() as i32;
    let rows = (pos.y - body.half_h).floor() as i32..=(pos.y + body.half_h - EDGE).floor() as i32;
    (cols, rows)
}

/// Whether any tile under the box satisfies `pred` (outside the grid counts as wall).
pub fn any_tile_under(level: &Level, pos: Position, body: Body, pred: impl Fn(Tile) -> bool) -> bool {
    let (cols, rows) = tiles_under(pos, body);
    rows.into_iter().any(|y| cols.clone().any(|x| pred(level.tile(x, y))))
}

/// The tile (column, row) holding `pos`.
pub fn tile_of(pos: Position) -> (i32, i32) {
    (pos.x.floor() as i32, pos.y.floor() as i32)
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
    fn a_point_lies_in_the_tile_it_floors_to() {
        assert_eq!(tile_of(Position { x: 2.99, y: 0.0 }), (2, 0));
        assert_eq!(tile_of(Position { x: -0.5, y: 3.5 }), (-1, 3));
    }
}
