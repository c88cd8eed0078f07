//! starpilot: a side-scrolling shooter in the spirit of Procgen's StarPilot. The ship flies
//! right at a constant scroll plus its own steering, through asteroids (wall tiles), past
//! turrets that aim at it and waves of flyers that fire ahead; its shots kill enemies; an
//! enemy, an enemy shot or an asteroid kills it; the goal line at the end wins. Levels come
//! from `ludica_procgen::starpilot`; flight, guns and hits are the core's (`core::flight`,
//! `core::shooting`, `core::timers`); this file only arms and dresses the level.

use bevy_ecs::prelude::*;
use ludica_procgen::starpilot::{self, ENEMY_HALF, FLYER, HEIGHT, SCROLL, SHIP_HALF, STEER_MAX};
use ludica_procgen::{Level, SpawnKind, Tile};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::entity_pool::{fly_projectiles, spawn_pool};
use crate::core::mechanics::flight::{Scroll, crash_into_walls, fly_scrolling, steer_scrolling_players};
use crate::core::mechanics::rules::resolve_touches;
use crate::core::mechanics::shooting::{Aim, Gun, fire_guns, shots_hit};
use crate::core::mechanics::steer::{STEER_FIRE, STEER_FIRE_ACTIONS, STEER_FIRE_DIRECTIONS};
use crate::core::mechanics::timers::{Countdown, Lifetime, burn_lifetimes};
use crate::core::{Body, EnvId, EnvTable, Kind, Live, Player, Position, Projectile, Steered, Touch, Velocity};

/// Reward for crossing the goal line.
const WIN_REWARD: f32 = 10.0;
/// Reward for each enemy shot down.
const KILL_REWARD: f32 = 1.0;
/// How the ship steers on top of the scroll.
const FLIGHT: Steered = Steered { accel: 0.03, max_speed: STEER_MAX, drag: 0.8 };
/// The ship's gun: straight ahead, every 6 steps; a shot lives 16 steps, reaching about 9
/// tiles ahead of a ship at the scroll speed (enemies fire from 8).
const SHIP_GUN: Gun = Gun {
    shot: SpawnKind::Shot,
    speed: 0.8,
    aim: Aim::Ahead(1.0, 0.0),
    reload: Countdown::every(6, 0),
    range: f32::INFINITY,
    lifetime: Some(16),
};
/// Shots of the ship in play at once, at most.
const SHOTS: usize = 4;
/// Enemy shots in play at once per env, at most.
const ENEMY_SHOTS: usize = 12;
/// Speed of enemy shots, tiles per step.
const ENEMY_SHOT_SPEED: f32 = 0.25;
/// Enemies fire when the ship is this close (the view shows 8 tiles either side).
const ENEMY_RANGE: f32 = 8.0;
/// Steps an enemy shot lives.
const ENEMY_SHOT_LIFETIME: u16 = 60;

/// Space and asteroid colours of the level themes.
const THEMES: [(Rgb, Rgb); 4] = [
    ([10, 10, 30], [120, 100, 90]),
    ([30, 10, 40], [110, 110, 130]),
    ([5, 30, 40], [140, 120, 80]),
    ([40, 20, 15], [100, 90, 80]),
];

/// The starpilot game.
pub const GAME: GameDef = GameDef {
    name: starpilot::NAME,
    summary: "fly right through asteroids, shoot turrets and flyers, reach the goal line",
    actions: &STEER_FIRE_ACTIONS,
    max_steps: starpilot::MAX_STEPS,
    success_reward: WIN_REWARD,
    view: View::Follow { tiles: 16 },
    local_view: 8,
    scalars: &[
        Scalar::PlayerOffsetX,
        Scalar::PlayerOffsetY,
        Scalar::PlayerVelX,
        Scalar::PlayerVelY,
        Scalar::Status { slot: 0, name: "reload" },
    ],
    tiles: &[Tile::Empty, Tile::Wall],
    kinds: &[SpawnKind::Agent, SpawnKind::Goal, SpawnKind::Enemy],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: starpilot::generate,
    check: starpilot::check,
    spawn,
    systems,
    saved_components: |_| {},
    max_return: MaxReturn {
        of: |level| KILL_REWARD * level.count(SpawnKind::Enemy) as f32 + WIN_REWARD,
        source: MaxSource::Documented,
        rule: "1 per enemy shot down plus 10 for the goal line; the checker proves a corridor to the goal, not the kills",
    },
};

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let (space, rock) = THEMES[theme as usize];
    match tile {
        // A faint star in one corner of every tile.
        Tile::Empty if (u - 0.2).abs() < 0.13 && (v - 0.3).abs() < 0.13 => blend(space, [255, 255, 255], 0.25),
        Tile::Empty => space,
        _ => bevel(rock, u, v),
    }
}

fn sprite(kind: SpawnKind, variant: u8) -> Sprite {
    let (shape, color, accent) = match kind {
        SpawnKind::Agent => (Shape::Ship, [90, 200, 255], [255, 255, 255]),
        SpawnKind::Goal => (Shape::Block, [60, 230, 90], [255, 255, 255]),
        SpawnKind::Enemy if variant == FLYER => (Shape::Ship, [240, 80, 60], [255, 220, 80]),
        SpawnKind::Enemy => (Shape::Disc, [200, 60, 200], [255, 200, 255]),
        SpawnKind::Shot => (Shape::Diamond, [255, 240, 90], [255, 255, 255]),
        _ => (Shape::Disc, [255, 130, 40], [255, 230, 120]),
    };
    Sprite { shape, color, accent }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    let period = starpilot::fire_period(level).expect("levels are checked before they are played");
    for s in &level.spawns {
        let pos = Position { x: s.x, y: s.y };
        let kind = Kind::new(s.kind, s.variant);
        match s.kind {
            SpawnKind::Agent => {
                let body = Body { half_w: SHIP_HALF.0, half_h: SHIP_HALF.1 };
                let flight = (Velocity { x: SCROLL, y: 0.0 }, FLIGHT, Scroll(SCROLL));
                spawner.spawn((pos, body, kind, Player, flight, SHIP_GUN))
            }
            SpawnKind::Goal => {
                let line = Body { half_w: 0.25, half_h: HEIGHT as f32 / 2.0 };
                spawner.spawn((pos, line, kind, Touch::Goal))
            }
            // Checked levels hold only the agent, the goal and enemies.
            _ => {
                let flyer = s.variant == FLYER;
                let gun = Gun {
                    shot: SpawnKind::EnemyShot,
                    speed: ENEMY_SHOT_SPEED,
                    aim: if flyer { Aim::Ahead(-1.0, 0.0) } else { Aim::LeadPlayer },
                    reload: Countdown::every(period, period / 2),
                    range: ENEMY_RANGE,
                    lifetime: Some(ENEMY_SHOT_LIFETIME),
                };
                let enemy = (pos, Body::square(2.0 * ENEMY_HALF), kind, Live(true), Touch::Hazard, gun);
                let vel = Velocity { x: s.vx, y: s.vy };
                if flyer {
                    spawner.spawn((enemy, vel, Projectile { through_walls: false }))
                } else {
                    spawner.spawn(enemy)
                }
            }
        };
    }
    let shot = Body { half_w: 0.4, half_h: 0.2 };
    spawn_pool(spawner, Kind::new(SpawnKind::Shot, 0), shot, SHOTS, (Projectile { through_walls: false }, Lifetime(0)));
    let enemy_shot = (Projectile { through_walls: false }, Lifetime(0), Touch::Hazard);
    spawn_pool(spawner, Kind::new(SpawnKind::EnemyShot, 0), Body::square(0.7), ENEMY_SHOTS, enemy_shot);
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems(
        (
            steer_scrolling_players(&STEER_FIRE_DIRECTIONS),
            fly_scrolling,
            fly_projectiles,
            burn_lifetimes,
            fire_guns(&STEER_FIRE),
            shots_hit(SpawnKind::Shot, SpawnKind::Enemy, KILL_REWARD),
            record_players,
            resolve_touches,
            crash_into_walls,
            publish_reload,
        )
            .chain(),
    );
}

/// Publishes the steps until each ship's gun can fire again (its `reload` scalar).
fn publish_reload(players: Query<(&EnvId, &Gun), With<Player>>, mut table: ResMut<EnvTable>) {
    for (env, gun) in &players {
        table.players[env.0 as usize].status[0] = gun.reload.left.min(255) as u8;
    }
}
