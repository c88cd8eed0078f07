//! Movement on a grid of whole cells, for top-down maze games: the player walks one cell a
//! step unless a solid tile is in the way; [`GridChaser`]s move a fixed fraction of a cell a
//! step and at each junction take the way toward (or, fleeing, away from) the player, or now
//! and then a random one; [`Den`]s bring dead chasers back after a delay; pickups are taken by
//! standing in their cell. Positions are cell centres throughout.

use bevy_ecs::prelude::*;
use ludica_procgen::{Level, Rng, SpawnKind};
use rand::RngExt;

use crate::core::engine::components::{EnvId, Kind, Live, Player, Position};
use crate::core::engine::geometry::tile_of;
use crate::core::engine::table::EnvTable;
use crate::core::engine::state::StateRegistry;

/// The four ways out of a cell: left, right, up, down.
pub const DIRS: [(i32, i32); 4] = [(-1, 0), (1, 0), (0, -1), (0, 1)];

/// Action names of a four-way grid game, in id order.
pub const GRID_ACTIONS: [&str; 5] = ["noop", "left", "right", "up", "down"];

/// The cell step of each action of [`GRID_ACTIONS`].
pub const GRID_MOVES: [(i8, i8); 5] = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1)];

/// The centre of cell (`x`, `y`).
pub fn cell_centre((x, y): (i32, i32)) -> Position {
    Position { x: x as f32 + 0.5, y: y as f32 + 0.5 }
}

/// The cell `action` steps toward from `pos` (by `moves[action]`), or `None` for a still
/// action.
pub fn aimed_cell(pos: Position, moves: &[(i8, i8)], action: u8) -> Option<(i32, i32)> {
    let (dx, dy) = moves.get(action as usize).copied().unwrap_or((0, 0));
    let (x, y) = tile_of(pos);
    ((dx, dy) != (0, 0)).then_some((x + dx as i32, y + dy as i32))
}

/// Each player's env and position.
type GridPlayers<'w, 's> = Query<'w, 's, (&'static EnvId, &'static mut Position), With<Player>>;

/// Moves each player one cell by `moves[action]` unless the cell there is solid (outside the
/// level counts as wall). `moves` must have one entry per action.
pub fn walk_on_grid(moves: &'static [(i8, i8)]) -> impl FnMut(GridPlayers<'_, '_>, Res<'_, EnvTable>) {
    move |mut players, table| {
        for (env, mut pos) in &mut players {
            let e = env.0 as usize;
            let (dx, dy) = moves.get(table.actions[e] as usize).copied().unwrap_or((0, 0));
            if (dx, dy) == (0, 0) {
                continue;
            }
            let (x, y) = (pos.x + dx as f32, pos.y + dy as f32);
            if !table.levels[e].tile(x.floor() as i32, y.floor() as i32).is_solid() {
                pos.x = x;
                pos.y = y;
            }
        }
    }
}

/// An enemy that hunts the player through the grid's corridors (or flees it).
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GridChaser {
    /// Cells per step while hunting (below 1, the player's speed).
    pub speed: f32,
    /// Cells per step while fleeing.
    pub flee_speed: f32,
    /// Chance of taking the best way at a junction rather than a random one.
    pub aim: f64,
    /// Whether it runs from the player instead of toward it.
    pub flee: bool,
    /// Share of the next cell already covered; it moves a cell each time this passes 1.
    pub progress: f32,
    /// Index into [`DIRS`] of its last move, if it has moved.
    pub heading: Option<u8>,
}

impl GridChaser {
    /// A hunting chaser that has not moved yet.
    pub fn new(speed: f32, flee_speed: f32, aim: f64) -> GridChaser {
        GridChaser { speed, flee_speed, aim, flee: false, progress: 0.0, heading: None }
    }

    /// Reverses its heading, so that it leaves the way it came at the next move.
    pub fn turn_back(&mut self) {
        self.heading = self.heading.map(reverse);
    }
}

/// The opposite of direction `d` (an index into [`DIRS`]).
pub const fn reverse(d: u8) -> u8 {
    d ^ 1
}

/// The way a chaser in `cell` heading `heading` leaves it: never back the way it came unless
/// that is the only way; in a corridor the one way on; at a junction, with chance `aim`, the
/// way whose next cell is nearest `target` in a straight line (farthest when `flee`; ties to
/// the first in [`DIRS`] order), as Pac-Man's ghosts aim, else a random way. Draws from `rng` only at junctions.
/// `None` when walled in.
pub fn choose_direction(
    level: &Level,
    cell: (i32, i32),
    heading: Option<u8>,
    target: (i32, i32),
    flee: bool,
    aim: f64,
    rng: &mut Rng,
) -> Option<u8> {
    let mut options = [0u8; 4];
    let mut n = 0;
    for (d, (dx, dy)) in DIRS.iter().enumerate() {
        let d = d as u8;
        if Some(reverse(d)) != heading && !level.tile(cell.0 + dx, cell.1 + dy).is_solid() {
            options[n] = d;
            n += 1;
        }
    }
    match n {
        0 => heading.map(reverse).filter(|&back| {
            let (dx, dy) = DIRS[back as usize];
            !level.tile(cell.0 + dx, cell.1 + dy).is_solid()
        }),
        1 => Some(options[0]),
        _ if rng.random_bool(aim) => {
            let score = |d: u8| {
                let (dx, dy) = DIRS[d as usize];
                let far = (cell.0 + dx - target.0).pow(2) + (cell.1 + dy - target.1).pow(2);
                if flee { -far } else { far }
            };
            options[..n].iter().copied().min_by_key(|&d| score(d))
        }
        _ => Some(options[rng.random_range(0..n)]),
    }
}

/// Chasers' positions, movement and whether they are in play.
type Chasers<'w, 's> =
    Query<'w, 's, (&'static mut Position, &'static mut GridChaser, Option<&'static Live>), Without<Player>>;

/// Advances every live chaser by its speed and moves it a cell whenever its progress passes
/// one, choosing the way with [`choose_direction`] toward its env's player. Chasers of an env
/// move in spawn order, so their random draws come in a fixed order.
pub fn move_chasers(mut chasers: Chasers, mut table: ResMut<EnvTable>) {
    let table = &mut *table;
    for (e, entities) in table.entities.iter().enumerate() {
        let target = tile_of(table.players[e].pos);
        for &entity in entities {
            let Ok((mut pos, mut chaser, live)) = chasers.get_mut(entity) else { continue };
            if live.is_some_and(|l| !l.0) {
                continue;
            }
            chaser.progress += if chaser.flee { chaser.flee_speed } else { chaser.speed };
            if chaser.progress < 1.0 {
                continue;
            }
            chaser.progress -= 1.0;
            let cell = tile_of(*pos);
            let way = choose_direction(
                &table.levels[e],
                cell,
                chaser.heading,
                target,
                chaser.flee,
                chaser.aim,
                &mut table.rng[e],
            );
            if let Some(d) = way {
                let (dx, dy) = DIRS[d as usize];
                *pos = cell_centre((cell.0 + dx, cell.1 + dy));
                chaser.heading = Some(d);
            }
        }
    }
}

/// Where a chaser comes back after dying, and when.
#[derive(Component, Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Den {
    /// The den's cell.
    pub cell: (i32, i32),
    /// Steps a dead chaser waits before coming back.
    pub delay: u16,
    /// Steps left to wait (set to `delay` when it dies).
    pub wait: u16,
    /// It comes back only while the player is farther than this from the den (Manhattan).
    pub clearance: i32,
}

/// Counts down the wait of each dead chaser with a [`Den`] and brings it back there, hunting
/// and with no heading, on the first step after the wait is over that finds the player clear
/// of the den (a chaser killed with `wait = delay` is back `delay` steps later at the soonest).
pub fn return_to_dens(
    mut dens: Query<(&EnvId, &mut Den, &mut Live, &mut Position, &mut GridChaser)>,
    table: Res<EnvTable>,
) {
    for (env, mut den, mut live, mut pos, mut chaser) in &mut dens {
        if live.0 {
            continue;
        }
        if den.wait > 0 {
            den.wait -= 1;
            continue;
        }
        let (px, py) = tile_of(table.players[env.0 as usize].pos);
        if (px - den.cell.0).abs() + (py - den.cell.1).abs() > den.clearance {
            live.0 = true;
            *pos = cell_centre(den.cell);
            *chaser = GridChaser::new(chaser.speed, chaser.flee_speed, chaser.aim);
        }
    }
}

/// Items that can be picked up: what they are, where, whether still in play.
pub type Pickups<'w, 's> =
    Query<'w, 's, (&'static Kind, &'static Position, &'static mut Live), (Without<Player>, Without<GridChaser>)>;

/// Takes the first live item of `kind` in `cell` among `entities` (one env's, in spawn
/// order) out of play and returns its variant; `None` if there is none.
pub fn pick_up_at(entities: &[Entity], items: &mut Pickups, kind: SpawnKind, cell: (i32, i32)) -> Option<u8> {
    for &entity in entities {
        let Ok((k, pos, mut live)) = items.get_mut(entity) else { continue };
        if k.kind == kind && live.0 && tile_of(*pos) == cell {
            live.0 = false;
            return Some(k.variant);
        }
    }
    None
}

/// Registers this module's components for save/load.
pub(crate) fn register_saved(registry: &mut StateRegistry) {
    registry.add::<GridChaser>();
    registry.add::<Den>();
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::seeds::{Stream, stream};
    use ludica_procgen::{Difficulty, Tile};

    /// A plus-shaped crossing at (2, 2) in a 5 x 5 level of walls.
    fn crossing() -> Level {
        let mut level = Level::filled("t", 0, Difficulty::MIN, 5, 5, Tile::Wall);
        for i in 0..5 {
            level.set(i, 2, Tile::Empty);
            level.set(2, i, Tile::Empty);
        }
        level
    }

    #[test]
    fn a_sure_chaser_takes_the_way_toward_the_target_and_a_fleeing_one_away() {
        let level = crossing();
        let mut rng = stream(1, Stream::Behaviour);
        let toward = choose_direction(&level, (2, 2), None, (2, 0), false, 1.0, &mut rng);
        assert_eq!(toward, Some(2), "up, toward the target");
        let away = choose_direction(&level, (2, 2), None, (2, 0), true, 1.0, &mut rng);
        assert_eq!(away, Some(3), "down, away from it");
        // Heading up (came from below), it may not turn back down even when fleeing.
        let on = choose_direction(&level, (2, 2), Some(2), (2, 4), false, 1.0, &mut rng);
        assert_ne!(on, Some(3));
    }

    #[test]
    fn corridors_go_on_and_dead_ends_turn_back_without_drawing() {
        let level = crossing();
        let mut rng = stream(2, Stream::Behaviour);
        let before = rng.clone();
        assert_eq!(choose_direction(&level, (2, 1), Some(2), (0, 0), false, 0.5, &mut rng), Some(2));
        assert_eq!(choose_direction(&level, (2, 0), Some(2), (0, 0), false, 0.5, &mut rng), Some(3), "turns back");
        assert_eq!(rng, before, "no draw outside junctions");
    }

    #[test]
    fn random_choices_spread_over_the_ways() {
        let level = crossing();
        let mut rng = stream(3, Stream::Behaviour);
        let mut seen = [0; 4];
        for _ in 0..400 {
            let d = choose_direction(&level, (2, 2), None, (2, 0), false, 0.0, &mut rng).unwrap();
            seen[d as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 60), "{seen:?}");
    }

    #[test]
    fn aimed_cells_follow_the_moves() {
        let pos = cell_centre((3, 4));
        assert_eq!(aimed_cell(pos, &GRID_MOVES, 1), Some((2, 4)));
        assert_eq!(aimed_cell(pos, &GRID_MOVES, 4), Some((3, 5)));
        assert_eq!(aimed_cell(pos, &GRID_MOVES, 0), None);
        assert_eq!(aimed_cell(pos, &GRID_MOVES, 9), None);
    }
}
