//! dodgeball: a top-down room in the spirit of Procgen's Dodgeball. The player moves eight
//! ways with momentum and throws balls the way it faces; enemies wander and close in, throwing
//! balls at it. Knock every enemy out to open the exit, then reach it; one enemy ball or one
//! touch of an enemy ends the episode. Levels come from `ludica_procgen::dodgeball`; moving,
//! approaching, throwing and hits are the core's (`steer`, `approach`, `shooting`, `pool`).

use bevy_ecs::prelude::*;
use ludica_procgen::seeds::mix;
use ludica_procgen::{Level, SpawnKind, Tile, dodgeball};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::approach::{Approach, approach_player};
use crate::core::mechanics::entity_pool::{EntityPool, count_live, fly_projectiles, spawn_pool};
use crate::core::mechanics::rules::{open_exits_when_cleared, resolve_touches};
use crate::core::mechanics::shooting::{Aim, Facing, Gun, face_steering, fire_guns, shots_hit};
use crate::core::mechanics::steer::{
    STEER_FIRE, STEER_FIRE_ACTIONS, STEER_FIRE_DIRECTIONS, Steered, move_steered, steer_players,
};
use crate::core::mechanics::timers::Countdown;
use crate::core::{Body, EnvId, EnvTable, Kind, Live, Player, Position, Projectile, Status, Touch, Velocity};

/// Reward for reaching the open exit.
const EXIT_REWARD: f32 = 10.0;
/// Reward for each enemy knocked out.
const KNOCKOUT_REWARD: f32 = 1.0;
/// Facing directions in the order the `facing` scalar numbers them: clockwise from right.
const FACINGS: [(i8, i8); 8] = [(1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1)];
/// The player's steering: a quarter tile a step at most.
const PLAYER_STEER: Steered = Steered { accel: 0.05, max_speed: 0.25, drag: 0.6 };
/// Speed of the player's balls, in tiles per step.
const PLAYER_BALL_SPEED: f32 = 0.5;
/// Steps between the player's throws.
const PLAYER_RELOAD: u16 = 10;
/// The player's balls in flight at most.
const PLAYER_BALLS: usize = 3;
/// Enemy balls in flight at most, per enemy.
const BALLS_PER_ENEMY: usize = 2;
/// Side of a ball, in tiles (3 pixels in a 16-tile frame).
const BALL_SIDE: f32 = 0.7;
/// Chance that an enemy's new heading points at the player.
const ENEMY_CHASE: f32 = 0.5;
/// Nearer than this to the player (tiles), an enemy backs off.
const ENEMY_KEEP_OFF: f32 = 2.5;
/// Steps between an enemy's changes of heading.
const ENEMY_TURN_EVERY: (u16, u16) = (15, 45);
/// Status slots of the symbolic scalars.
const ENEMIES_LEFT: usize = 0;
const FACING: usize = 1;
const RELOAD: usize = 2;
/// Wall and floor colours of the level themes.
const THEMES: [(Rgb, Rgb); 4] = [
    ([120, 60, 50], [205, 180, 140]),
    ([60, 80, 120], [180, 190, 200]),
    ([70, 100, 60], [200, 200, 170]),
    ([90, 70, 110], [210, 190, 200]),
];

/// The dodgeball game.
pub const GAME: GameDef = GameDef {
    name: dodgeball::NAME,
    summary: "knock out every enemy with thrown balls, dodge theirs, then reach the exit",
    actions: &STEER_FIRE_ACTIONS,
    max_steps: dodgeball::TIME_LIMIT,
    success_reward: EXIT_REWARD,
    view: View::Fit { world: dodgeball::MAX_SIDE },
    local_view: 8,
    scalars: &[
        Scalar::PlayerVelX,
        Scalar::PlayerVelY,
        Scalar::Status { slot: ENEMIES_LEFT, name: "enemies_left" },
        Scalar::Status { slot: FACING, name: "facing" },
        Scalar::Status { slot: RELOAD, name: "reload" },
    ],
    tiles: &[Tile::Empty, Tile::Wall],
    kinds: &[SpawnKind::Agent, SpawnKind::Enemy, SpawnKind::Exit],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: dodgeball::generate,
    check: |level| dodgeball::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |_| {},
    max_return: MaxReturn {
        of: |level| KNOCKOUT_REWARD * level.count(SpawnKind::Enemy) as f32 + EXIT_REWARD,
        source: MaxSource::Documented,
        rule: "1 per enemy knocked out plus 10 for the exit; the checker proves a walk past every enemy to the exit, not the hits",
    },
};

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let (wall, floor) = THEMES[theme as usize];
    match tile {
        // A court: a faint line along each tile's top and left edge.
        Tile::Empty if u < 0.08 || v < 0.08 => blend(floor, [0, 0, 0], 0.08),
        Tile::Empty => floor,
        _ => bevel(wall, u, v),
    }
}

fn sprite(kind: SpawnKind, _variant: u8) -> Sprite {
    let (shape, color, accent) = match kind {
        SpawnKind::Agent => (Shape::Critter, [40, 110, 230], [255, 255, 255]),
        SpawnKind::Enemy => (Shape::Critter, [220, 60, 40], [255, 230, 120]),
        SpawnKind::Shot => (Shape::Disc, [250, 220, 40], [255, 255, 200]),
        SpawnKind::EnemyShot => (Shape::Disc, [200, 30, 140], [255, 160, 220]),
        SpawnKind::Exit => (Shape::Ring, [90, 90, 90], [40, 40, 40]),
        _ => (Shape::Star, [60, 220, 90], [230, 255, 230]),
    };
    Sprite { shape, color, accent }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    let d = level.difficulty;
    let body = Body::square(dodgeball::BODY_SIDE);
    let enemies = level.spawns.iter().filter(|s| s.kind == SpawnKind::Enemy).count();
    let enemy_steer =
        Steered { accel: dodgeball::enemy_speed(d) / 4.0, max_speed: dodgeball::enemy_speed(d), drag: 0.8 };
    let (reload_min, reload_max) = dodgeball::throw_interval(d);
    for (i, s) in level.spawns.iter().enumerate() {
        let (pos, kind) = (Position { x: s.x, y: s.y }, Kind::new(s.kind, s.variant));
        match s.kind {
            SpawnKind::Agent => {
                let facing = if s.x < level.width as f32 / 2.0 { FACINGS[0] } else { FACINGS[4] };
                let gun = Gun {
                    shot: SpawnKind::Shot,
                    speed: PLAYER_BALL_SPEED,
                    aim: Aim::Facing,
                    reload: Countdown::every(PLAYER_RELOAD, 0),
                    range: f32::INFINITY,
                    lifetime: None,
                };
                let status = Status([enemies as u8, facing_index(facing), 0, 0]);
                let player = (pos, Velocity::default(), body, kind, Player, PLAYER_STEER);
                spawner.spawn((player, Facing { dx: facing.0, dy: facing.1 }, gun, status))
            }
            SpawnKind::Enemy => {
                // Enemies' first throws are spread over one reload after the safe start.
                let jitter = (mix(level.seed ^ i as u64) % reload_min as u64) as u16;
                let gun = Gun {
                    shot: SpawnKind::EnemyShot,
                    speed: dodgeball::enemy_ball_speed(d),
                    aim: Aim::AtPlayer,
                    reload: Countdown::between(reload_min, reload_max, dodgeball::FIRST_THROW + jitter),
                    range: f32::INFINITY,
                    lifetime: None,
                };
                let approach = Approach::new(ENEMY_CHASE, ENEMY_KEEP_OFF, ENEMY_TURN_EVERY);
                let mover = (pos, Velocity::default(), body, kind, Live(true), enemy_steer);
                spawner.spawn((mover, approach, gun, Touch::Hazard))
            }
            // Checked levels hold only the agent, enemies and the exit.
            _ => spawner.spawn((pos, Velocity::default(), body, kind, Live(true))),
        };
    }
    let ball = Body::square(BALL_SIDE);
    let flying = Projectile { through_walls: false };
    spawn_pool(spawner, Kind::new(SpawnKind::Shot, 0), ball, PLAYER_BALLS, flying);
    spawn_pool(spawner, Kind::new(SpawnKind::EnemyShot, 0), ball, BALLS_PER_ENEMY * enemies, (flying, Touch::Hazard));
    spawn_pool(spawner, Kind::new(SpawnKind::Goal, 0), body, 1, Touch::Goal);
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems(
        (
            steer_players(&STEER_FIRE_DIRECTIONS),
            face_steering(&STEER_FIRE_DIRECTIONS),
            approach_player,
            move_steered,
            record_players,
            fire_guns(&STEER_FIRE),
            fly_projectiles,
            shots_hit(SpawnKind::Shot, SpawnKind::Enemy, KNOCKOUT_REWARD),
            open_exits_when_cleared(SpawnKind::Enemy),
            record_status,
            resolve_touches,
        )
            .chain(),
    );
}

/// The `facing` scalar's number for a facing direction.
fn facing_index(dir: (i8, i8)) -> u8 {
    FACINGS.iter().position(|&f| f == dir).unwrap_or(0) as u8
}

/// Publishes enemies left, the player's facing and its reload in the status scalars.
fn record_status(players: Query<(&EnvId, &Facing, &Gun), With<Player>>, pool: EntityPool, mut table: ResMut<EnvTable>) {
    for (env, facing, gun) in &players {
        let e = env.0 as usize;
        let left = count_live(&table.entities[e], &pool, SpawnKind::Enemy) as u8;
        let status = &mut table.players[e].status;
        status[ENEMIES_LEFT] = left;
        status[FACING] = facing_index((facing.dx, facing.dy));
        status[RELOAD] = gun.reload.left.min(u8::MAX as u16) as u8;
    }
}
