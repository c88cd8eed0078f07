//! miner: Procgen's Miner (Boulder Dash). Dig through dirt one cell a step, collect every gem,
//! then leave by the exit, which opens once none is left. Boulders and gems fall (the core's
//! falling tiles); one that falls onto the miner kills it; a boulder can be pushed sideways
//! into an empty cell. The game owns the digging walk, the push and the opening exit; levels
//! come from `ludica_procgen::miner`.

use bevy_ecs::prelude::*;
use ludica_procgen::gravity::Motion;
use ludica_procgen::{Level, SpawnKind, Tile, miner};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::geometry::tile_of;
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::entity_pool::{EntityPool, spawn_pool};
use crate::core::mechanics::gravity_tiles::{FallingTiles, drop_tiles};
use crate::core::mechanics::grid::{GRID_ACTIONS, GRID_MOVES, aimed_cell, cell_centre};
use crate::core::mechanics::rules::{open_exits, resolve_touches};
use crate::core::{Body, EnvId, EnvTable, Kind, Live, Player, Position, Status, Touch, Velocity};

/// Steps before an episode is truncated.
const MAX_STEPS: u32 = 1000;
/// Reward for leaving by the open exit.
const EXIT_REWARD: f32 = 10.0;
/// Reward for each gem.
const GEM_REWARD: f32 = 1.0;
/// The status byte holding the gems left.
const GEMS_LEFT: usize = 0;

/// The colours of one level theme: dirt, rock (walls and boulders), tunnel, gem.
struct Theme {
    dirt: Rgb,
    rock: Rgb,
    tunnel: Rgb,
    gem: Rgb,
}

/// Clay, peat, slate and sandstone.
const THEMES: [Theme; 4] = [
    Theme { dirt: [150, 95, 50], rock: [120, 120, 130], tunnel: [30, 22, 18], gem: [80, 230, 250] },
    Theme { dirt: [95, 70, 45], rock: [150, 140, 120], tunnel: [20, 20, 26], gem: [120, 250, 110] },
    Theme { dirt: [110, 100, 120], rock: [70, 80, 95], tunnel: [15, 15, 20], gem: [250, 90, 200] },
    Theme { dirt: [200, 160, 100], rock: [140, 95, 70], tunnel: [45, 30, 20], gem: [90, 150, 255] },
];

/// The miner game.
pub const GAME: GameDef = GameDef {
    name: miner::NAME,
    summary: "dig for every gem, dodging falling boulders, then leave by the exit",
    actions: &GRID_ACTIONS,
    max_steps: MAX_STEPS,
    success_reward: EXIT_REWARD,
    view: View::Fit { world: miner::MAX_SIDE },
    local_view: 8,
    scalars: &[Scalar::Status { slot: GEMS_LEFT, name: "gems_left" }],
    tiles: &[Tile::Empty, Tile::Wall, Tile::Dirt, Tile::Boulder, Tile::Gem],
    kinds: &[SpawnKind::Agent, SpawnKind::Exit],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: miner::generate,
    check: |level| miner::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |_| {},
    max_return: MaxReturn {
        of: |level| GEM_REWARD * level.count_tiles(Tile::Gem) as f32 + EXIT_REWARD,
        source: MaxSource::Solver,
        rule: "1 per gem plus 10 for the exit; the generator's tour (nearest gem, again and again, then the exit) fits the time limit",
    },
};

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let Theme { dirt, rock, tunnel, gem } = THEMES[theme as usize];
    let (du, dv) = (u - 0.5, v - 0.5);
    match tile {
        Tile::Empty => tunnel,
        Tile::Dirt if (u * 7.0 + v * 3.0).fract() < 0.2 => blend(dirt, [0, 0, 0], 0.3),
        Tile::Dirt => dirt,
        Tile::Boulder if du * du + dv * dv < 0.2 => bevel(rock, u, v),
        Tile::Gem if du.abs() + dv.abs() < 0.45 => gem,
        Tile::Boulder | Tile::Gem => tunnel,
        // Walls (and tiles miner levels never hold).
        _ => bevel(blend(rock, [0, 0, 0], 0.4), u, v),
    }
}

fn sprite(kind: SpawnKind, _variant: u8) -> Sprite {
    match kind {
        SpawnKind::Agent => Sprite { shape: Shape::Critter, color: [240, 200, 40], accent: [40, 40, 40] },
        SpawnKind::Exit => Sprite { shape: Shape::Ring, color: [90, 90, 90], accent: [160, 160, 160] },
        _ => Sprite { shape: Shape::Star, color: [90, 250, 120], accent: [255, 255, 255] },
    }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    let exits: Vec<(i32, i32)> =
        level.spawns.iter().filter(|s| s.kind == SpawnKind::Exit).map(|s| (s.x as i32, s.y as i32)).collect();
    let gems = level.tiles.iter().filter(|&&t| t == Tile::Gem).count().min(u8::MAX as usize) as u8;
    for s in &level.spawns {
        let pos = Position { x: s.x, y: s.y };
        let body = Body::square(0.8);
        match s.kind {
            SpawnKind::Agent => spawner.spawn((
                (pos, body, Kind::new(s.kind, s.variant), Player),
                Status([gems, 0, 0, 0]),
                FallingTiles(Motion::new(level.width, level.height, &exits)),
            )),
            // Checked levels hold only the agent and the exit: closed, and (below) its open twin.
            _ => spawner.spawn((pos, body, Velocity::default(), Kind::new(SpawnKind::Exit, 0), Live(true))),
        };
    }
    spawn_pool(spawner, Kind::new(SpawnKind::Goal, 0), Body::square(0.8), 1, Touch::Goal);
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems((dig_walk_and_push, drop_tiles, open_exit, record_players, resolve_touches).chain());
}

/// Moves each miner one cell the chosen way: into empty cells, through dirt (dug out), onto
/// gems (collected), and sideways against a still boulder with an empty cell beyond (pushed).
/// Walls and other boulders stop it.
fn dig_walk_and_push(
    mut players: Query<(&EnvId, &mut Position, &mut Status, &FallingTiles), With<Player>>,
    mut table: ResMut<EnvTable>,
) {
    for (env, mut pos, mut status, falling) in &mut players {
        let e = env.0 as usize;
        let Some((tx, ty)) = aimed_cell(*pos, &GRID_MOVES, table.actions[e]) else { continue };
        let dx = tx - tile_of(*pos).0;
        let moves = match table.levels[e].tile(tx, ty) {
            Tile::Empty => true,
            Tile::Dirt => {
                table.set_tile(e, tx, ty, Tile::Empty);
                true
            }
            Tile::Gem => {
                table.set_tile(e, tx, ty, Tile::Empty);
                table.bonus[e] += GEM_REWARD;
                status.0[GEMS_LEFT] = status.0[GEMS_LEFT].saturating_sub(1);
                true
            }
            Tile::Boulder => {
                let beyond = (tx + dx, ty);
                let pushable = dx != 0
                    && !falling.0.is_falling(tx, ty)
                    && table.levels[e].tile(beyond.0, beyond.1) == Tile::Empty
                    && !falling.0.holds(beyond.0, beyond.1);
                if pushable {
                    table.set_tile(e, beyond.0, beyond.1, Tile::Boulder);
                    table.set_tile(e, tx, ty, Tile::Empty);
                }
                pushable
            }
            _ => false,
        };
        if moves {
            *pos = cell_centre((tx, ty));
        }
    }
}

/// Opens the exit of every env with no gem left (the core's [`open_exits`]).
fn open_exit(players: Query<(&EnvId, &Status), With<Player>>, mut pool: EntityPool, table: Res<EnvTable>) {
    for (env, status) in &players {
        if status.0[GEMS_LEFT] == 0 {
            open_exits(&table.entities[env.0 as usize], &mut pool);
        }
    }
}
