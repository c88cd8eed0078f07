//! runner: a side-view platformer in the spirit of Procgen's CoinRun. Run and jump right
//! over gaps, lava and saws to the coin at the end. Sparse reward. Levels come from
//! `ludica_procgen::runner`; movement is the shared platform physics of `core::physics`.

use bevy_ecs::prelude::*;
use ludica_procgen::physics::PLATFORMER;
use ludica_procgen::{Level, SpawnKind, Tile, runner};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::physics::{Platformer, apply_platform_input, fall_out_of_level, move_platformers};
use crate::core::mechanics::rules::{burn_in_lava, move_patrols, resolve_touches};
use crate::core::{Body, Kind, Patrol, Player, Position, Touch, Velocity};

/// Steps before an episode is truncated (Procgen's limit).
const MAX_STEPS: u32 = 1000;
/// Reward for reaching the goal.
const GOAL_REWARD: f32 = 10.0;

/// The colours of one level theme.
struct Theme {
    sky: Rgb,
    ground: Rgb,
    lava: Rgb,
}

/// Day, dusk, night and desert.
const THEMES: [Theme; 4] = [
    Theme { sky: [150, 200, 240], ground: [110, 80, 50], lava: [230, 80, 20] },
    Theme { sky: [240, 170, 140], ground: [90, 70, 100], lava: [250, 110, 30] },
    Theme { sky: [25, 30, 60], ground: [90, 100, 110], lava: [220, 60, 40] },
    Theme { sky: [245, 225, 170], ground: [190, 140, 80], lava: [200, 50, 20] },
];

/// The runner game.
pub const GAME: GameDef = GameDef {
    name: runner::NAME,
    summary: "run and jump right past gaps, lava and saws to the coin",
    actions: &runner::ACTION_NAMES,
    max_steps: MAX_STEPS,
    success_reward: GOAL_REWARD,
    view: View::Follow { tiles: 16 },
    local_view: 8,
    scalars: &[Scalar::PlayerOffsetX, Scalar::PlayerOffsetY, Scalar::PlayerVelX, Scalar::PlayerVelY],
    tiles: &[Tile::Empty, Tile::Wall, Tile::Lava],
    kinds: &[SpawnKind::Agent, SpawnKind::Goal, SpawnKind::Saw],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: runner::generate,
    check: |level| runner::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |_| {},
    max_return: MaxReturn {
        of: |_| GOAL_REWARD,
        source: MaxSource::Solver,
        rule: "10 for the coin, which the checker's search over the game's physics reaches within 800 steps",
    },
};

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let Theme { sky, ground, lava } = THEMES[theme as usize];
    match tile {
        Tile::Empty => sky,
        // Bricks: a darker mortar line along the bottom and right of each tile.
        // A bright crust over the molten body.
        Tile::Lava if v < 0.3 => blend(lava, [255, 220, 80], 0.6),
        Tile::Lava => lava,
        // Walls (and tiles runner levels never hold): bricks.
        _ if u > 0.75 || v > 0.75 => blend(ground, [0, 0, 0], 0.2),
        _ => ground,
    }
}

fn sprite(kind: SpawnKind, _variant: u8) -> Sprite {
    match kind {
        SpawnKind::Agent => Sprite { shape: Shape::Critter, color: [220, 50, 60], accent: [255, 255, 255] },
        SpawnKind::Goal => Sprite { shape: Shape::Disc, color: [250, 200, 30], accent: [255, 245, 180] },
        _ => Sprite { shape: Shape::Saw, color: [170, 170, 180], accent: [50, 50, 60] },
    }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    for s in &level.spawns {
        let (pos, vel) = (Position { x: s.x, y: s.y }, Velocity { x: s.vx, y: s.vy });
        let kind = Kind::new(s.kind, s.variant);
        match s.kind {
            SpawnKind::Agent => {
                let body = Body::square(2.0 * runner::PLAYER_HALF);
                spawner.spawn((pos, vel, body, kind, Player, Platformer::new(&PLATFORMER)))
            }
            SpawnKind::Goal => spawner.spawn((pos, Body::square(2.0 * runner::GOAL_HALF), kind, Touch::Goal)),
            // Checked levels hold only the agent, the goal and saws.
            _ => {
                let saw = (pos, Body::square(2.0 * runner::SAW_HALF), kind, Touch::Hazard);
                if s.vx != 0.0 || s.vy != 0.0 { spawner.spawn((saw, vel, Patrol)) } else { spawner.spawn(saw) }
            }
        };
    }
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems(
        (
            apply_platform_input(&runner::ACTION_INPUTS),
            move_platformers,
            move_patrols,
            record_players,
            resolve_touches,
            burn_in_lava,
            fall_out_of_level,
        )
            .chain(),
    );
}
