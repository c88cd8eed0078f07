//! heist: Procgen's Heist on a grid. Steal the gem from a maze whose way is barred by red,
//! green and blue doors; a key opens only its colour's door, and is used up doing it. Sparse
//! reward. Levels come from `ludica_procgen::heist` (solvable, every door needed); movement
//! and pickups are `core::grid`'s. The game owns the keys held and the door rule.

use bevy_ecs::prelude::*;
use ludica_procgen::heist::{self, door_colour};
use ludica_procgen::{Level, SpawnKind, Tile};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::geometry::tile_of;
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::grid::{GRID_ACTIONS, GRID_MOVES, Pickups, aimed_cell, pick_up_at, walk_on_grid};
use crate::core::mechanics::rules::resolve_touches;
use crate::core::{Body, EnvId, EnvTable, Kind, Live, Player, Position, Touch};

/// Reward for stealing the gem.
const GEM_REWARD: f32 = 10.0;
/// Key and door colours, by variant: red, green, blue.
const COLOURS: [Rgb; heist::COLOURS] = [[220, 50, 50], [40, 180, 70], [50, 110, 240]];
/// Wall and floor colours of the level themes.
const THEMES: [(Rgb, Rgb); 4] = [
    ([90, 90, 100], [205, 200, 190]),
    ([110, 80, 60], [215, 205, 175]),
    ([60, 80, 90], [185, 200, 200]),
    ([75, 60, 95], [200, 190, 210]),
];

/// The heist game.
pub const GAME: GameDef = GameDef {
    name: heist::NAME,
    summary: "steal the gem: pick up coloured keys to open the doors of their colour",
    actions: &GRID_ACTIONS,
    max_steps: heist::MAX_STEPS,
    success_reward: GEM_REWARD,
    view: View::Fit { world: heist::WORLD },
    local_view: 8,
    scalars: &[
        Scalar::Status { slot: 0, name: "red_key" },
        Scalar::Status { slot: 1, name: "green_key" },
        Scalar::Status { slot: 2, name: "blue_key" },
    ],
    tiles: &[Tile::Empty, Tile::Wall, Tile::RedDoor, Tile::GreenDoor, Tile::BlueDoor],
    kinds: &[SpawnKind::Agent, SpawnKind::Goal, SpawnKind::Key],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: heist::generate,
    check: |level| heist::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |r| r.add::<Keys>(),
    max_return: MaxReturn {
        of: |_| GEM_REWARD,
        source: MaxSource::Solver,
        rule: "10 for the gem, which the checker's search over doors and keys reaches within the time limit",
    },
};

/// The keys the player holds: bit `c` for colour `c`.
#[derive(Component, Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Keys(pub u8);

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let (wall, floor) = THEMES[theme as usize];
    match (tile, door_colour(tile)) {
        (Tile::Empty, _) => floor,
        // A door: its colour, with a dark keyhole in the middle.
        (_, Some(c)) if (u - 0.5).abs() < 0.2 && (v - 0.5).abs() < 0.2 => blend(COLOURS[c as usize], [0, 0, 0], 0.6),
        (_, Some(c)) => COLOURS[c as usize],
        _ => bevel(wall, u, v),
    }
}

fn sprite(kind: SpawnKind, variant: u8) -> Sprite {
    match kind {
        SpawnKind::Agent => Sprite { shape: Shape::Critter, color: [30, 30, 40], accent: [255, 255, 255] },
        SpawnKind::Goal => Sprite { shape: Shape::Diamond, color: [80, 230, 250], accent: [230, 255, 255] },
        _ => {
            let color = COLOURS[(variant as usize).min(heist::COLOURS - 1)];
            Sprite { shape: Shape::Key, color, accent: blend(color, [0, 0, 0], 0.4) }
        }
    }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    for s in &level.spawns {
        let kind = Kind::new(s.kind, s.variant);
        let pos = Position { x: s.x, y: s.y };
        match s.kind {
            SpawnKind::Agent => spawner.spawn((pos, Body::square(0.8), kind, Player, Keys::default())),
            SpawnKind::Goal => spawner.spawn((pos, Body::square(0.8), kind, Touch::Goal)),
            // Checked levels hold only the agent, the goal and keys.
            _ => spawner.spawn((pos, Body::square(0.9), kind, Live(true))),
        };
    }
}

fn systems(schedule: &mut Schedule) {
    schedule
        .add_systems((unlock_doors, walk_on_grid(&GRID_MOVES), record_players, pick_up_keys, resolve_touches).chain());
}

/// A player walking into a door whose key it holds opens it (the door's tile becomes floor,
/// and the key is used up); the walk that follows goes through.
fn unlock_doors(mut players: Query<(&EnvId, &Position, &mut Keys)>, mut table: ResMut<EnvTable>) {
    for (env, pos, mut keys) in &mut players {
        let e = env.0 as usize;
        let Some((x, y)) = aimed_cell(*pos, &GRID_MOVES, table.actions[e]) else { continue };
        if let Some(c) = door_colour(table.levels[e].tile(x, y))
            && keys.0 & (1 << c) != 0
        {
            keys.0 &= !(1 << c);
            table.set_tile(e, x, y, Tile::Empty);
            table.players[e].status[c as usize] = 0;
        }
    }
}

/// The player picks up the key in its cell.
fn pick_up_keys(mut players: Query<(&EnvId, &Position, &mut Keys)>, mut items: Pickups, mut table: ResMut<EnvTable>) {
    for (env, pos, mut keys) in &mut players {
        let e = env.0 as usize;
        if let Some(c) = pick_up_at(&table.entities[e], &mut items, SpawnKind::Key, tile_of(*pos)) {
            keys.0 |= 1 << c;
            table.players[e].status[c as usize] = 1;
        }
    }
}
