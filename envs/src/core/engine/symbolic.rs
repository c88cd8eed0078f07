//! The `symbolic` observation: a grid of tile and entity-kind ids over the game's view, then a
//! few scalars quantized to bytes. Compact and cheap, for MLP agents and for speed.

use ludica_procgen::{Level, SpawnKind, Tile};

use super::geometry::floor_i32;
use super::table::PlayerView;
use super::view::{OUTSIDE_ID, View};

/// Symbolic id of an entity of kind `k` and variant `v` is
/// `ENTITY_ID_BASE + VARIANTS * k + min(v, VARIANTS - 1)`; tile ids are the tile's
/// discriminant, below this.
pub const ENTITY_ID_BASE: u8 = 16;

/// Variants told apart in symbolic ids (larger variants share the last id).
pub const VARIANTS: u8 = 4;

/// The id an entity of `kind` and `variant` has in symbolic observations.
pub const fn entity_id(kind: SpawnKind, variant: u8) -> u8 {
    let v = if variant < VARIANTS { variant } else { VARIANTS - 1 };
    ENTITY_ID_BASE + VARIANTS * kind as u8 + v
}

/// The kind and variant of a symbolic entity id; `None` for tile ids and unused ids.
pub fn entity_of(id: u8) -> Option<(SpawnKind, u8)> {
    let offset = id.checked_sub(ENTITY_ID_BASE)?;
    SpawnKind::ALL.get((offset / VARIANTS) as usize).map(|&k| (k, offset % VARIANTS))
}

/// A number appended after the grid, quantized to one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// Where the player's centre lies inside its tile, horizontally: 0..=255 across the tile.
    PlayerOffsetX,
    /// Where the player's centre lies inside its tile, vertically.
    PlayerOffsetY,
    /// Horizontal velocity: 128 + 128 x tiles/step, clamped to 0..=255.
    PlayerVelX,
    /// Vertical velocity (positive downwards), encoded like `PlayerVelX`.
    PlayerVelY,
    /// A byte of game state the game's systems keep in [`PlayerView::status`]`[slot]`
    /// (keys held, power time left, size, ...), named for cards and `ludica games`.
    Status {
        /// Index into `PlayerView::status`.
        slot: usize,
        /// What the byte means.
        name: &'static str,
    },
}

impl Scalar {
    /// The scalar's name, as game cards and `ludica games` list it.
    pub const fn name(self) -> &'static str {
        match self {
            Scalar::PlayerOffsetX => "player_offset_x",
            Scalar::PlayerOffsetY => "player_offset_y",
            Scalar::PlayerVelX => "player_vel_x",
            Scalar::PlayerVelY => "player_vel_y",
            Scalar::Status { name, .. } => name,
        }
    }

    /// The byte this scalar takes for `player`.
    pub fn encode(self, player: &PlayerView) -> u8 {
        let fraction = |v: f32| ((v - v.floor()) * 256.0).clamp(0.0, 255.0) as u8;
        let velocity = |v: f32| (128.0 + 128.0 * v).round().clamp(0.0, 255.0) as u8;
        match self {
            Scalar::PlayerOffsetX => fraction(player.pos.x),
            Scalar::PlayerOffsetY => fraction(player.pos.y),
            Scalar::PlayerVelX => velocity(player.vel.x),
            Scalar::PlayerVelY => velocity(player.vel.y),
            Scalar::Status { slot, .. } => player.status[slot],
        }
    }
}

/// Length of a symbolic observation for `view` with `scalars`.
pub const fn symbolic_len(view: View, scalars: &[Scalar]) -> usize {
    view.grid_side() * view.grid_side() + scalars.len()
}

/// Writes the tile ids of the grid whose top-left tile is `origin` (whole tiles) into `grid`
/// (side x side); cells outside the level are walls.
pub fn paint_tiles(level: &Level, view: View, origin: (i32, i32), grid: &mut [u8]) {
    let side = view.grid_side();
    for (gy, row) in grid.chunks_exact_mut(side).enumerate() {
        for (gx, cell) in row.iter_mut().enumerate() {
            *cell = level.tile(origin.0 + gx as i32, origin.1 + gy as i32) as u8;
        }
    }
}

/// Writes the tile ids of a local view's grid (side x side) whose top-left tile is `corner`:
/// tiles inside `seen` (inclusive column and row ranges, [`View::seen_tiles`]) and inside the
/// level keep their id, every other cell is [`OUTSIDE_ID`].
pub fn paint_seen_tiles(level: &Level, side: usize, corner: (i32, i32), seen: ([i32; 2], [i32; 2]), grid: &mut [u8]) {
    let last = |end: i32, extent: usize| end.min(extent as i32 - 1);
    let xs = seen.0[0].max(0)..=last(seen.0[1], level.width);
    let ys = seen.1[0].max(0)..=last(seen.1[1], level.height);
    let inside = |x: i32, y: i32| xs.contains(&x) && ys.contains(&y);
    for (gy, row) in grid.chunks_exact_mut(side).enumerate() {
        let y = corner.1 + gy as i32;
        for (gx, cell) in row.iter_mut().enumerate() {
            let x = corner.0 + gx as i32;
            *cell = if inside(x, y) { level.tile(x, y) as u8 } else { OUTSIDE_ID };
        }
    }
}

/// Whether world point (`x`, `y`) lies in a tile of `seen` (see [`paint_seen_tiles`]); every
/// point is seen when there is no such range (full views).
pub fn is_seen(seen: Option<([i32; 2], [i32; 2])>, x: f32, y: f32) -> bool {
    let Some(([x0, x1], [y0, y1])) = seen else { return true };
    let (tx, ty) = (floor_i32(x), floor_i32(y));
    (x0..=x1).contains(&tx) && (y0..=y1).contains(&ty)
}

/// The grid cell (inside a `side` grid whose top-left tile is `origin`) holding world point
/// (`x`, `y`), if it is in view.
pub fn grid_index(side: usize, origin: (i32, i32), x: f32, y: f32) -> Option<usize> {
    let gx = floor_i32(x) - origin.0;
    let gy = floor_i32(y) - origin.1;
    (gx >= 0 && gy >= 0 && (gx as usize) < side && (gy as usize) < side).then(|| gy as usize * side + gx as usize)
}

const _: () = assert!((Tile::ALL.len() as u8) < ENTITY_ID_BASE, "tile ids must stay below entity ids");
const _: () = assert!(
    (ENTITY_ID_BASE as usize + VARIANTS as usize * SpawnKind::ALL.len()) <= 256,
    "entity ids must fit in a byte"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::components::{Position, Velocity};

    #[test]
    fn scalars_quantize_into_bytes() {
        let p = PlayerView {
            pos: Position { x: 3.5, y: 2.25 },
            vel: Velocity { x: 0.5, y: -2.0 },
            ..PlayerView::default()
        };
        assert_eq!(Scalar::PlayerOffsetX.encode(&p), 128);
        assert_eq!(Scalar::PlayerOffsetY.encode(&p), 64);
        assert_eq!(Scalar::PlayerVelX.encode(&p), 192);
        assert_eq!(Scalar::PlayerVelY.encode(&p), 0, "clamped");
    }

    #[test]
    fn entity_ids_round_trip_and_clamp_variants() {
        for kind in SpawnKind::ALL {
            for variant in 0..VARIANTS {
                let id = entity_id(kind, variant);
                assert!(id >= ENTITY_ID_BASE);
                assert_eq!(entity_of(id), Some((kind, variant)));
            }
        }
        assert_eq!(entity_id(SpawnKind::Fish, 9), entity_id(SpawnKind::Fish, VARIANTS - 1));
        assert_eq!(entity_of(Tile::Wall as u8), None);
    }

    #[test]
    fn status_scalars_read_their_slot() {
        let mut p = PlayerView::default();
        p.status[2] = 7;
        assert_eq!(Scalar::Status { slot: 2, name: "keys" }.encode(&p), 7);
        assert_eq!(Scalar::Status { slot: 2, name: "keys" }.name(), "keys");
    }

    #[test]
    fn a_local_grid_hides_what_lies_beyond_its_window_and_the_level() {
        use ludica_procgen::Difficulty;
        let mut level = Level::filled("t", 0, Difficulty::MIN, 6, 6, Tile::Empty);
        level.set(1, 1, Tile::Wall);
        let mut grid = vec![0; 16];
        paint_seen_tiles(&level, 4, (-1, 0), ([0, 1], [0, 5]), &mut grid);
        let o = OUTSIDE_ID;
        let (e, w) = (Tile::Empty as u8, Tile::Wall as u8);
        assert_eq!(grid, [o, e, e, o, o, e, w, o, o, e, e, o, o, e, e, o]);
        assert!(is_seen(Some(([0, 1], [0, 5])), 1.9, 5.5));
        assert!(!is_seen(Some(([0, 1], [0, 5])), 2.0, 5.5));
        assert!(is_seen(None, 99.0, -3.0));
    }

    #[test]
    fn cells_outside_the_grid_are_none() {
        assert_eq!(grid_index(5, (0, 0), 4.5, 4.5), Some(24));
        assert_eq!(grid_index(5, (0, 0), 5.5, 0.5), None);
        assert_eq!(grid_index(5, (-2, -2), 0.5, 0.5), Some(2 * 5 + 2));
    }
}
