//! Falling tiles in play: the [`FallingTiles`] component (which tiles are falling, which cells
//! hold them) and the system that moves boulders and gems one step by the rules of
//! `ludica_procgen::gravity`, the ones generators settle levels with. Every change goes
//! through [`EnvTable::set_tile`], so observations redraw the moved tiles.

use bevy_ecs::prelude::*;
use ludica_procgen::Tile;
use ludica_procgen::gravity::{self, Grid, Motion};

use crate::core::engine::components::{EnvId, Player, Position};
use crate::core::engine::geometry::tile_of;
use crate::core::engine::table::{EnvTable, Outcome};
use crate::core::engine::state::StateRegistry;

/// On the player of a game whose tiles fall: which tiles are falling (only those crush) and
/// the cells nothing falls into (an exit). Saved with snapshots by the core.
#[derive(Component, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FallingTiles(pub Motion);

/// One env's level, changed only through [`EnvTable::set_tile`].
struct EnvGrid<'a> {
    table: &'a mut EnvTable,
    env: usize,
}

impl Grid for EnvGrid<'_> {
    fn size(&self) -> (usize, usize) {
        let level = &self.table.levels[self.env];
        (level.width, level.height)
    }

    fn tile(&self, x: i32, y: i32) -> Tile {
        self.table.levels[self.env].tile(x, y)
    }

    fn set_tile(&mut self, x: i32, y: i32, tile: Tile) {
        self.table.set_tile(self.env, x, y, tile);
    }
}

/// Moves each env's falling tiles one step; ends with failure the episodes whose player a
/// falling tile came down on.
pub fn drop_tiles(
    mut players: Query<(&EnvId, &Position, &mut FallingTiles), With<Player>>,
    mut table: ResMut<EnvTable>,
) {
    for (env, pos, mut falling) in &mut players {
        let e = env.0 as usize;
        let fall = gravity::fall_step(&mut EnvGrid { table: &mut table, env: e }, &mut falling.0, tile_of(*pos));
        if fall.crushed {
            table.settle(e, Outcome::Failure);
        }
    }
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<FallingTiles>();
}
