//! climber: Procgen's Climber. Climb a tall shaft of platforms to the star at the top,
//! collecting coins, while rocks drop from above and enemies pace guarded platforms. The
//! game owns only its spawning and look: movement is the core's platform physics, enemies are
//! core walkers, coins core pickups, and rocks pooled projectiles dropped by a core emitter.
//! Levels come from `ludica_procgen::climber`.

use bevy_ecs::prelude::*;
use ludica_procgen::physics::PLATFORMER;
use ludica_procgen::solver::ACTION_INPUTS;
use ludica_procgen::{Level, SpawnKind, Tile, climber};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::entity_pool::{Projectile, fly_projectiles, spawn_pool};
use crate::core::mechanics::physics::{Platformer, apply_platform_input, fall_out_of_level, move_platformers};
use crate::core::mechanics::pickups::{Pickup, collect_pickups};
use crate::core::mechanics::rules::resolve_touches;
use crate::core::mechanics::timers::{Anchor, Countdown, Emitter, emit_on_timer};
use crate::core::mechanics::walkers::{Walker, walk_platforms};
use crate::core::{Body, Kind, Live, Player, Position, Touch, Velocity};

/// Steps before an episode is truncated (Procgen's limit).
const MAX_STEPS: u32 = 1000;
/// Reward for reaching the star.
const GOAL_REWARD: f32 = 10.0;
/// Reward for each coin.
const COIN_REWARD: f32 = 1.0;
/// Side of the view, in tiles.
const VIEW_TILES: usize = 16;
/// Rocks in play at once, at most.
const ROCK_POOL: usize = 4;
/// Rocks appear this far above the player (just above the view) ...
const ROCK_RISE: f32 = VIEW_TILES as f32 / 2.0 + 1.0;
/// ... and up to this far to either side of it.
const ROCK_SPREAD: f32 = 5.0;

/// The colours of one level theme.
struct Theme {
    sky: Rgb,
    platform: Rgb,
}

/// Dawn, day, dusk and night.
const THEMES: [Theme; 4] = [
    Theme { sky: [250, 200, 170], platform: [120, 90, 140] },
    Theme { sky: [140, 200, 245], platform: [90, 130, 70] },
    Theme { sky: [200, 120, 110], platform: [70, 60, 90] },
    Theme { sky: [20, 25, 55], platform: [110, 110, 130] },
];

/// The climber game.
pub const GAME: GameDef = GameDef {
    name: climber::NAME,
    summary: "climb platforms to the star, grabbing coins, dodging rocks and enemies",
    actions: &ludica_procgen::solver::ACTION_NAMES,
    max_steps: MAX_STEPS,
    success_reward: GOAL_REWARD,
    view: View::Follow { tiles: VIEW_TILES },
    local_view: 8,
    scalars: &[Scalar::PlayerOffsetX, Scalar::PlayerOffsetY, Scalar::PlayerVelX, Scalar::PlayerVelY],
    tiles: &[Tile::Empty, Tile::Wall],
    kinds: &[SpawnKind::Agent, SpawnKind::Goal, SpawnKind::Coin, SpawnKind::Enemy, SpawnKind::Rock],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: climber::generate,
    check: |level| climber::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |_| {},
    max_return: MaxReturn {
        of: |level| COIN_REWARD * level.count(SpawnKind::Coin) as f32 + GOAL_REWARD,
        source: MaxSource::Documented,
        rule: "1 per coin plus 10 for the star; the checker's search proves the star reachable, not every coin",
    },
};

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let Theme { sky, platform } = THEMES[theme as usize];
    match tile {
        Tile::Empty => sky,
        // Platforms (and tiles climber levels never hold): a lit top edge.
        _ if v < 0.25 => blend(platform, [255, 255, 255], 0.35),
        _ => bevel(platform, u, v),
    }
}

fn sprite(kind: SpawnKind, _variant: u8) -> Sprite {
    match kind {
        SpawnKind::Agent => Sprite { shape: Shape::Critter, color: [40, 120, 230], accent: [255, 255, 255] },
        SpawnKind::Goal => Sprite { shape: Shape::Star, color: [255, 215, 40], accent: [255, 255, 200] },
        SpawnKind::Coin => Sprite { shape: Shape::Disc, color: [240, 180, 30], accent: [255, 240, 150] },
        SpawnKind::Enemy => Sprite { shape: Shape::Critter, color: [210, 40, 50], accent: [255, 230, 0] },
        _ => Sprite { shape: Shape::Block, color: [110, 100, 95], accent: [60, 55, 50] },
    }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    let square = |half: f32| Body::square(2.0 * half);
    for s in &level.spawns {
        let (pos, vel) = (Position { x: s.x, y: s.y }, Velocity { x: s.vx, y: s.vy });
        let kind = Kind::new(s.kind, s.variant);
        match s.kind {
            SpawnKind::Agent => {
                let body = square(climber::PLAYER_HALF);
                spawner.spawn((pos, vel, body, kind, Player, Platformer::new(&PLATFORMER)))
            }
            SpawnKind::Goal => spawner.spawn((pos, square(climber::GOAL_HALF), kind, Touch::Goal)),
            SpawnKind::Coin => {
                spawner.spawn((pos, square(climber::COIN_HALF), kind, Live(true), Pickup { reward: COIN_REWARD }))
            }
            SpawnKind::Enemy => spawner.spawn((pos, vel, square(climber::ENEMY_HALF), kind, Walker, Touch::Hazard)),
            // Checked levels hold at most one rock spawn: the source of the falling rocks.
            _ => {
                let rock = Kind::new(SpawnKind::Rock, 0);
                let falling = (Projectile { through_walls: false }, Touch::Hazard);
                spawn_pool(spawner, rock, square(climber::ROCK_HALF), ROCK_POOL, falling);
                spawner.spawn(Emitter {
                    kind: SpawnKind::Rock,
                    variant: 0,
                    clock: Countdown::every(climber::rock_period(level.difficulty), climber::FIRST_ROCK_STEP),
                    anchor: Anchor::Player { dx: 0.0, dy: -ROCK_RISE },
                    spread: (ROCK_SPREAD, 0.0),
                    velocity: vel,
                })
            }
        };
    }
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems(
        (
            apply_platform_input(&ACTION_INPUTS),
            move_platformers,
            walk_platforms,
            emit_on_timer,
            fly_projectiles,
            record_players,
            collect_pickups,
            resolve_touches,
            fall_out_of_level,
        )
            .chain(),
    );
}
