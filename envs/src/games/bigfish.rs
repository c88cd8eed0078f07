//! bigfish: in the spirit of Procgen's BigFish. The player's fish swims freely (8 ways, with
//! momentum) in a tank seen from the side; other fish cross it from the left and right edges.
//! Eating a smaller fish rewards and grows the player; touching one as large or larger ends
//! the episode; growing to the level's target size wins. Levels come from
//! `ludica_procgen::bigfish`; this file owns the eating, growing and releasing of fish.

use bevy_ecs::prelude::*;
use ludica_procgen::bigfish::{self, FISH_SIZES, Release, START_SIZE, TANK, half_extents, water_rows};
use ludica_procgen::{Level, SpawnKind, Tile};
use rand::RngExt;

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::geometry::overlaps;
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::entity_pool::{EntityPool, fly_projectiles, revive, spawn_pool};
use crate::core::mechanics::steer::{STEER_ACTIONS, STEER_DIRECTIONS, move_steered, steer_players};
use crate::core::mechanics::timers::Countdown;
use crate::core::{Body, EnvId, EnvTable, Kind, Live, Outcome, Player, Position, Projectile, Steered, Velocity};

/// Reward for reaching the target size.
const WIN_REWARD: f32 = 10.0;
/// Reward for each fish eaten.
const EAT_REWARD: f32 = 1.0;
/// Fish each env can have in play at once, beyond those a level starts with.
const POOL: usize = 16;
/// How the player swims.
const SWIM: Steered = Steered { accel: 0.025, max_speed: 0.16, drag: 0.85 };
/// Released fish start this far inside the edge they enter by, in tiles.
const ENTRY: f32 = 0.01;

/// Water and rock colours of the level themes: lagoon, kelp forest, deep sea, murky pond.
const THEMES: [(Rgb, Rgb); 4] = [
    ([40, 120, 190], [150, 130, 100]),
    ([30, 110, 100], [90, 100, 70]),
    ([15, 30, 80], [80, 80, 110]),
    ([90, 110, 80], [110, 90, 60]),
];
/// Colours of the fish classes, smallest first.
const FISH_COLORS: [Rgb; 4] = [[150, 230, 120], [80, 220, 230], [190, 110, 230], [235, 60, 60]];

/// The bigfish game.
pub const GAME: GameDef = GameDef {
    name: bigfish::NAME,
    summary: "eat smaller fish to grow, avoid bigger ones, reach the target size",
    actions: &STEER_ACTIONS,
    max_steps: bigfish::MAX_STEPS,
    success_reward: WIN_REWARD,
    view: View::Fit { world: TANK },
    local_view: 8,
    scalars: &[
        Scalar::PlayerOffsetX,
        Scalar::PlayerOffsetY,
        Scalar::PlayerVelX,
        Scalar::PlayerVelY,
        Scalar::Status { slot: 0, name: "size" },
    ],
    tiles: &[Tile::Empty, Tile::Wall],
    kinds: &[SpawnKind::Agent, SpawnKind::Fish],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: bigfish::generate,
    check: |level| bigfish::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |r| {
        r.add::<Growth>();
        r.add::<Shoal>();
    },
    max_return: MaxReturn {
        of: |level| {
            EAT_REWARD * (level.meta.get("target_size").map_or(0.0, |t| *t as f32) - f32::from(START_SIZE)) + WIN_REWARD
        },
        source: MaxSource::Documented,
        rule: "1 per fish eaten until the target size (each grows the player by one) plus 10 for reaching it; eating two fish in the winning step pays one more",
    },
};

/// The player's size and the size that wins.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Growth {
    size: u8,
    target: u8,
}

/// How and when this env releases fish from the tank's edges.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct Shoal {
    release: Release,
    clock: Countdown,
}

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let (water, rock) = THEMES[theme as usize];
    match tile {
        // Faint light bands ripple across open water.
        Tile::Empty if ((u + 2.0 * v) * 3.0).fract() < 0.12 => blend(water, [255, 255, 255], 0.06),
        Tile::Empty => water,
        _ => bevel(rock, u, v),
    }
}

fn sprite(kind: SpawnKind, variant: u8) -> Sprite {
    match kind {
        SpawnKind::Agent => Sprite { shape: Shape::Fish, color: [255, 190, 40], accent: [20, 20, 20] },
        _ => {
            let color = FISH_COLORS[(variant as usize).min(FISH_COLORS.len() - 1)];
            Sprite { shape: Shape::Fish, color, accent: [20, 20, 20] }
        }
    }
}

/// The box of a fish of `size`.
fn body_of(size: u8) -> Body {
    let (half_w, half_h) = half_extents(size);
    Body { half_w, half_h }
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    let release = Release::of(level).expect("levels are checked before they are played");
    let swimming = Projectile { through_walls: true };
    for s in &level.spawns {
        let (pos, vel) = (Position { x: s.x, y: s.y }, Velocity { x: s.vx, y: s.vy });
        match s.kind {
            SpawnKind::Agent => {
                let growth = Growth { size: START_SIZE, target: release.target_size };
                let clock =
                    Countdown::between(release.every, release.every.saturating_add(release.every / 2), release.every);
                let shoal = Shoal { release, clock };
                spawner.spawn((pos, vel, body_of(START_SIZE), Kind::new(s.kind, 0), Player, SWIM, growth, shoal))
            }
            // Checked levels hold only the agent and fish of known classes.
            _ => {
                let body = body_of(FISH_SIZES[s.variant as usize]);
                spawner.spawn((pos, vel, body, Kind::new(s.kind, s.variant), Live(true), swimming))
            }
        };
    }
    spawn_pool(spawner, Kind::new(SpawnKind::Fish, 0), body_of(FISH_SIZES[0]), POOL, swimming);
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems(
        (
            steer_players(&STEER_DIRECTIONS),
            move_steered,
            fly_projectiles,
            record_players,
            eat_or_be_eaten,
            grow_players,
            release_fish,
        )
            .chain(),
    );
}

/// Live fish, and what eating one changes.
type Prey<'w, 's> = Query<
    'w,
    's,
    (&'static EnvId, &'static Kind, &'static Position, &'static Body, &'static mut Live),
    Without<Player>,
>;

/// Each fish touching its env's player is eaten if smaller than the player (reward, and the
/// player grows by one) and kills the player otherwise. Sizes are those at the step's
/// start, so the order fish are met in does not matter.
fn eat_or_be_eaten(
    mut fish: Prey,
    mut players: Query<(&EnvId, &mut Growth), With<Player>>,
    mut table: ResMut<EnvTable>,
    mut sizes: Local<Vec<u8>>,
    mut eaten: Local<Vec<u8>>,
) {
    let n = table.players.len();
    sizes.resize(n, 0);
    eaten.clear();
    eaten.resize(n, 0);
    for (env, growth) in &players {
        sizes[env.0 as usize] = growth.size;
    }
    for (env, kind, pos, body, mut live) in &mut fish {
        let e = env.0 as usize;
        let player = table.players[e];
        if !live.0 || !overlaps(player.pos, player.body, *pos, *body) {
            continue;
        }
        if FISH_SIZES[kind.variant as usize] < sizes[e] {
            live.0 = false;
            eaten[e] += 1;
            table.bonus[e] += EAT_REWARD;
        } else {
            table.settle(e, Outcome::Failure);
        }
    }
    for (env, mut growth) in &mut players {
        growth.size = growth.size.saturating_add(eaten[env.0 as usize]);
    }
}

/// Fits each player's body to its size, keeping it inside the tank and above the rocks,
/// publishes the size, and ends the episode with success at the target size.
fn grow_players(
    mut players: Query<(&EnvId, &Growth, &mut Body, &mut Position), With<Player>>,
    mut table: ResMut<EnvTable>,
) {
    for (env, growth, mut body, mut pos) in &mut players {
        let e = env.0 as usize;
        let grown = body_of(growth.size);
        if *body != grown {
            *body = grown;
            *pos = room_for(&table.levels[e], *pos, grown);
        }
        let view = &mut table.players[e];
        view.pos = *pos;
        view.body = grown;
        view.status[0] = growth.size - START_SIZE;
        if growth.size >= growth.target {
            table.settle(e, Outcome::Success);
        }
    }
}

/// The nearest place to `pos` where `body` lies inside the tank and above the rocks of every
/// column under it (checked levels keep rocks in stacks on the bottom, below open water).
fn room_for(level: &Level, pos: Position, body: Body) -> Position {
    let (w, h) = (level.width as f32, level.height as f32);
    let x = pos.x.clamp(body.half_w, w - body.half_w);
    let first_rock = |column: i32| (0..level.height as i32).find(|&y| level.tile(column, y).is_solid());
    let columns = (x - body.half_w).floor() as i32..=((x + body.half_w).ceil() as i32 - 1);
    let floor = columns.filter_map(first_rock).min().map_or(h, |y| y as f32);
    Position { x, y: pos.y.clamp(body.half_h, floor - body.half_h) }
}

/// When its env's release clock runs out, brings a fish into play at the left or right edge,
/// swimming inward, sized for the player's current size (see [`Release::draw_class`]).
fn release_fish(
    mut players: Query<(&EnvId, &Growth, &mut Shoal), With<Player>>,
    mut pool: EntityPool,
    mut bodies: Query<&mut Body, Without<Player>>,
    mut table: ResMut<EnvTable>,
) {
    let table = &mut *table;
    for (env, growth, mut shoal) in &mut players {
        let e = env.0 as usize;
        let rng = &mut table.rng[e];
        let Shoal { release, clock } = &mut *shoal;
        if !clock.due(rng) {
            continue;
        }
        let class = release.draw_class(growth.size, rng);
        let speed = release.draw_speed(rng);
        let body = body_of(FISH_SIZES[class as usize]);
        let level = &table.levels[e];
        let y = rng.random_range(body.half_h..water_rows(level.height) as f32 - body.half_h);
        let (x, vx) = if rng.random_bool(0.5) {
            (ENTRY - body.half_w, speed)
        } else {
            (level.width as f32 - ENTRY + body.half_w, -speed)
        };
        let fish = revive(
            &table.entities[e],
            &mut pool,
            SpawnKind::Fish,
            class,
            Position { x, y },
            Velocity { x: vx, y: 0.0 },
        );
        if let Some(mut fish_body) = fish.and_then(|f| bodies.get_mut(f).ok()) {
            *fish_body = body;
        }
    }
}
