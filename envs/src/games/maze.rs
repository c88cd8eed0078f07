//! maze: a top-down grid maze; walk to the goal before time runs out. Sparse reward.
//! Levels come from `ludica_procgen::maze` and are shown whole, centred in a 25 x 25 frame.

use bevy_ecs::schedule::{IntoScheduleConfigs, Schedule};
use ludica_procgen::{Level, SpawnKind, Tile, maze};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::state::StateRegistry;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::grid::{GRID_ACTIONS, GRID_MOVES, walk_on_grid};
use crate::core::mechanics::rules::resolve_touches;
use crate::core::{Body, Kind, Player, Position, Touch};

/// Steps before an episode is truncated.
const MAX_STEPS: u32 = 500;
/// Reward for reaching the goal.
const GOAL_REWARD: f32 = 10.0;
/// Wall and floor colours of the level themes.
const THEMES: [(Rgb, Rgb); 4] = [
    ([46, 94, 64], [196, 186, 150]),
    ([70, 70, 110], [170, 176, 190]),
    ([120, 64, 40], [214, 196, 160]),
    ([40, 40, 40], [150, 150, 140]),
];

/// The maze game.
pub const GAME: GameDef = GameDef {
    name: maze::NAME,
    summary: "walk through a maze to the goal",
    actions: &GRID_ACTIONS,
    max_steps: MAX_STEPS,
    success_reward: GOAL_REWARD,
    view: View::Fit { world: maze::MAX_SIDE },
    local_view: 8,
    scalars: &[],
    tiles: &[Tile::Empty, Tile::Wall],
    kinds: &[SpawnKind::Agent, SpawnKind::Goal],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: maze::generate,
    check: |level| maze::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |_: &mut StateRegistry| {},
    max_return: MaxReturn {
        of: |_| GOAL_REWARD,
        source: MaxSource::Solver,
        rule: "10 for the goal, which the checker's shortest path reaches within the time limit",
    },
};

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let (wall, floor) = THEMES[theme as usize];
    match tile {
        Tile::Empty => floor,
        _ => bevel(wall, u, v),
    }
}

fn sprite(kind: SpawnKind, _variant: u8) -> Sprite {
    match kind {
        SpawnKind::Agent => Sprite { shape: Shape::Critter, color: [40, 110, 230], accent: [255, 255, 255] },
        _ => Sprite { shape: Shape::Diamond, color: [250, 200, 30], accent: [255, 250, 210] },
    }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    for s in &level.spawns {
        let pos = Position { x: s.x, y: s.y };
        match s.kind {
            SpawnKind::Agent => spawner.spawn((pos, Body::square(0.8), Kind::new(s.kind, s.variant), Player)),
            // Checked levels hold only the agent and the goal.
            _ => spawner.spawn((pos, Body::square(0.6), Kind::new(s.kind, s.variant), Touch::Goal)),
        };
    }
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems((walk_on_grid(&GRID_MOVES), record_players, resolve_touches).chain());
}
