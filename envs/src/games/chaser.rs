//! chaser: Procgen's Chaser on a grid. Eat every orb of a looping maze while enemies hunt you
//! through its corridors; a power orb turns them for a while (they flee, slower, and can be
//! eaten for a bonus, then come back at their den). Touching a hunting enemy ends the episode.
//! Levels come from `ludica_procgen::chaser`; movement and chasing are `core::grid`'s. The
//! game owns the orb, power and catching rules.

use bevy_ecs::prelude::*;
use ludica_procgen::chaser::{self, Knobs};
use ludica_procgen::{Level, SpawnKind, Tile};

use crate::core::engine::game::{GameDef, MaxReturn, MaxSource};
use crate::core::engine::geometry::tile_of;
use crate::core::engine::render::{Rgb, Shape, Sprite, Style, bevel, blend};
use crate::core::engine::spawner::Spawner;
use crate::core::engine::symbolic::Scalar;
use crate::core::engine::table::record_players;
use crate::core::engine::view::View;
use crate::core::mechanics::grid::{
    Den, GRID_ACTIONS, GRID_MOVES, GridChaser, Pickups, move_chasers, pick_up_at, return_to_dens, walk_on_grid,
};
use crate::core::{Body, EnvId, EnvTable, Kind, Live, Outcome, Player, Position};

/// Reward for each orb and power orb.
const ORB_REWARD: f32 = 0.1;
/// Reward for eating a fleeing enemy.
const ENEMY_REWARD: f32 = 1.0;
/// Reward for taking the last orb.
const CLEAR_REWARD: f32 = 10.0;
/// Steps an eaten enemy waits before coming back at its den.
const DEN_DELAY: u16 = 30;
/// An eaten enemy waits while the player is this close to its den (Manhattan, in cells).
const DEN_CLEARANCE: i32 = 3;
/// The status slot holding the power steps left.
const POWER_SLOT: usize = 0;
/// Enemy variants: hunting, fleeing.
const HUNTING: u8 = 0;
const FLEEING: u8 = 1;
/// Wall and floor colours of the level themes.
const THEMES: [(Rgb, Rgb); 4] = [
    ([40, 60, 170], [12, 12, 28]),
    ([150, 40, 110], [20, 10, 20]),
    ([30, 120, 110], [10, 24, 24]),
    ([120, 110, 40], [24, 22, 12]),
];
/// Colour of the small orbs.
const ORB: Rgb = [250, 220, 170];
/// Colour of the power orbs.
const POWER_ORB: Rgb = [255, 90, 200];

/// The chaser game.
pub const GAME: GameDef = GameDef {
    name: chaser::NAME,
    summary: "eat every orb of the maze; power orbs let you eat the enemies that chase you",
    actions: &GRID_ACTIONS,
    max_steps: chaser::MAX_STEPS,
    success_reward: CLEAR_REWARD,
    view: View::Fit { world: chaser::WORLD },
    local_view: 8,
    scalars: &[Scalar::Status { slot: POWER_SLOT, name: "power_left" }],
    tiles: &[Tile::Empty, Tile::Wall, Tile::Gem],
    kinds: &[SpawnKind::Agent, SpawnKind::Enemy, SpawnKind::PowerOrb],
    style: Style { themes: THEMES.len() as u8, tile: paint_tile, sprite },
    generate: chaser::generate,
    check: |level| chaser::check(level).map(|_| ()),
    spawn,
    systems,
    saved_components: |r| r.add::<Appetite>(),
    max_return: MaxReturn {
        of: max_return,
        source: MaxSource::Documented,
        rule: "0.1 per orb and power orb, 10 for clearing them, 1 per enemy eaten (each enemy at most once per power orb)",
    },
};

/// The player's progress: orbs still to eat and steps of power left.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Appetite {
    /// Orbs and power orbs not yet eaten.
    pub orbs_left: u16,
    /// Steps the enemies stay vulnerable.
    pub power_left: u16,
}

fn paint_tile(tile: Tile, theme: u8, u: f32, v: f32) -> Rgb {
    let (wall, floor) = THEMES[theme as usize];
    let near_centre = (u - 0.5).abs() < 0.25 && (v - 0.5).abs() < 0.25;
    match tile {
        Tile::Empty => floor,
        Tile::Gem if near_centre => ORB,
        Tile::Gem => floor,
        _ => bevel(wall, u, v),
    }
}

fn sprite(kind: SpawnKind, variant: u8) -> Sprite {
    match (kind, variant) {
        (SpawnKind::Agent, _) => Sprite { shape: Shape::Disc, color: [255, 220, 0], accent: [120, 80, 0] },
        (SpawnKind::Enemy, FLEEING) => Sprite { shape: Shape::Critter, color: [60, 90, 255], accent: [255, 255, 255] },
        (SpawnKind::Enemy, _) => Sprite { shape: Shape::Critter, color: [235, 40, 40], accent: [255, 255, 255] },
        _ => Sprite { shape: Shape::Disc, color: POWER_ORB, accent: blend(POWER_ORB, [255, 255, 255], 0.6) },
    }
}

/// Every orb and power orb, the clearing reward, and each enemy eaten once per power orb.
fn max_return(level: &Level) -> f32 {
    let orbs = level.count_tiles(Tile::Gem) + level.count(SpawnKind::PowerOrb);
    let meals = level.count(SpawnKind::Enemy) * level.count(SpawnKind::PowerOrb);
    ORB_REWARD * orbs as f32 + CLEAR_REWARD + ENEMY_REWARD * meals as f32
}

fn spawn(level: &Level, spawner: &mut Spawner) {
    let knobs = Knobs::at(level.difficulty);
    let orbs = level.tiles.iter().filter(|&&t| t == Tile::Gem).count()
        + level.spawns.iter().filter(|s| s.kind == SpawnKind::PowerOrb).count();
    for s in &level.spawns {
        let pos = Position { x: s.x, y: s.y };
        match s.kind {
            SpawnKind::Agent => {
                let appetite = Appetite { orbs_left: orbs as u16, power_left: 0 };
                spawner.spawn((pos, Body::square(0.8), Kind::new(s.kind, 0), Player, appetite))
            }
            SpawnKind::Enemy => {
                let chaser = GridChaser::new(knobs.enemy_speed, knobs.flee_speed, knobs.aim);
                let den = Den { cell: tile_of(pos), delay: DEN_DELAY, wait: 0, clearance: DEN_CLEARANCE };
                spawner.spawn((pos, Body::square(0.8), Kind::new(s.kind, HUNTING), Live(true), chaser, den))
            }
            // Checked levels hold only the agent, enemies and power orbs.
            _ => spawner.spawn((pos, Body::square(0.9), Kind::new(s.kind, 0), Live(true))),
        };
    }
}

fn systems(schedule: &mut Schedule) {
    schedule.add_systems(
        (
            walk_on_grid(&GRID_MOVES),
            record_players,
            eat_orbs,
            eat_power_orbs,
            clear_when_no_orb_is_left,
            meet_enemies,
            move_chasers,
            meet_enemies,
            wear_off_power,
            return_to_dens,
            show_fear,
        )
            .chain(),
    );
}

/// The player eats the orb of its cell.
fn eat_orbs(mut players: Query<(&EnvId, &Position, &mut Appetite)>, mut table: ResMut<EnvTable>) {
    for (env, pos, mut appetite) in &mut players {
        let (e, (x, y)) = (env.0 as usize, tile_of(*pos));
        if table.levels[e].tile(x, y) == Tile::Gem {
            table.set_tile(e, x, y, Tile::Empty);
            table.bonus[e] += ORB_REWARD;
            appetite.orbs_left = appetite.orbs_left.saturating_sub(1);
        }
    }
}

/// The player eats the power orb of its cell: enemies turn back and flee for the level's
/// power time (a second power orb restarts it).
fn eat_power_orbs(
    mut players: Query<(&EnvId, &Position, &mut Appetite)>,
    mut items: Pickups,
    mut chasers: Query<&mut GridChaser>,
    mut table: ResMut<EnvTable>,
) {
    for (env, pos, mut appetite) in &mut players {
        let e = env.0 as usize;
        if pick_up_at(&table.entities[e], &mut items, SpawnKind::PowerOrb, tile_of(*pos)).is_none() {
            continue;
        }
        table.bonus[e] += ORB_REWARD;
        appetite.orbs_left = appetite.orbs_left.saturating_sub(1);
        appetite.power_left = Knobs::at(table.levels[e].difficulty).power_steps;
        for &entity in &table.entities[e] {
            if let Ok(mut chaser) = chasers.get_mut(entity)
                && !chaser.flee
            {
                chaser.flee = true;
                chaser.turn_back();
            }
        }
    }
}

/// The level is cleared when the last orb is eaten.
fn clear_when_no_orb_is_left(players: Query<(&EnvId, &Appetite)>, mut table: ResMut<EnvTable>) {
    for (env, appetite) in &players {
        if appetite.orbs_left == 0 {
            table.settle(env.0 as usize, Outcome::Success);
        }
    }
}

/// A live enemy in the player's cell eats the player, unless it flees: then the player eats
/// it, and it waits to come back at its den.
fn meet_enemies(
    mut enemies: Query<(&EnvId, &Position, &mut GridChaser, &mut Live, &mut Den)>,
    mut table: ResMut<EnvTable>,
) {
    for (env, pos, mut chaser, mut live, mut den) in &mut enemies {
        let e = env.0 as usize;
        if !live.0 || tile_of(*pos) != tile_of(table.players[e].pos) {
            continue;
        }
        if chaser.flee {
            live.0 = false;
            chaser.flee = false;
            den.wait = den.delay;
            table.bonus[e] += ENEMY_REWARD;
        } else {
            table.settle(e, Outcome::Failure);
        }
    }
}

/// Power runs down; when it is out, fleeing enemies hunt again.
fn wear_off_power(
    mut players: Query<(&EnvId, &mut Appetite)>,
    mut chasers: Query<&mut GridChaser>,
    mut table: ResMut<EnvTable>,
) {
    for (env, mut appetite) in &mut players {
        let e = env.0 as usize;
        if appetite.power_left == 0 {
            continue;
        }
        appetite.power_left -= 1;
        table.players[e].status[POWER_SLOT] = appetite.power_left.min(255) as u8;
        if appetite.power_left == 0 {
            for &entity in &table.entities[e] {
                if let Ok(mut chaser) = chasers.get_mut(entity) {
                    chaser.flee = false;
                }
            }
        }
    }
}

/// Enemies look like what they do: variant 1 while fleeing.
fn show_fear(mut enemies: Query<(&GridChaser, &mut Kind)>) {
    for (chaser, mut kind) in &mut enemies {
        kind.variant = if chaser.flee { FLEEING } else { HUNTING };
    }
}
