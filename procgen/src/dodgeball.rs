//! The dodgeball generator: one walled room with blocks of cover inside, an agent, enemies
//! kept away from it, and a closed exit on the room's rim. Also the difficulty knobs the game
//! reads from a level's difficulty (enemy speed, throwing rate, ball speed), so that generator,
//! checker and game agree.
//!
//! Guarantees (tested over 1,000 seeds per preset, and at 0 and 1): the room is `w` x `h` with
//! sides in [`MIN_SIDE`, `MAX_SIDE`], bordered by walls; one agent, one exit and 1 to
//! [`MAX_ENEMIES`] enemies, each on its own empty cell; the exit lies next to the rim; the exit
//! and every enemy can be walked to by a body of the player's size (a four-way grid search
//! over empty cells; the player is smaller than a tile); no enemy starts within
//! [`SAFE_DISTANCE`] tiles of the agent and none throws before step [`FIRST_THROW`], so
//! standing still at the spawn is safe for [`SAFE_STEPS`] steps; walking from the agent to the
//! nearest enemy, then the nearest remaining one and so on, and finally to the exit, takes at
//! most [`MAX_TOUR`] tiles: at the player's top speed under half the [`TIME_LIMIT`].
//!
//! Difficulty knobs: the largest room side (10 at 0, 16 at 1), the enemy count (1 at 0, 5 at
//! 1), the share of the floor under cover (6% at 0, 12% at 1), the enemies' speed, how often
//! they throw and how fast their balls fly.

use rand::RngExt;

use crate::search::{UNREACHED, grid_distances};
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "dodgeball";
/// The smallest room side, in tiles (walls included).
pub const MIN_SIDE: usize = 10;
/// The largest room side, in tiles (walls included).
pub const MAX_SIDE: usize = 16;
/// The most enemies a room holds.
pub const MAX_ENEMIES: usize = 5;
/// No enemy's centre starts nearer than this to the agent's, in tiles.
pub const SAFE_DISTANCE: f32 = 5.0;
/// No enemy throws before this step of an episode.
pub const FIRST_THROW: u16 = 40;
/// Steps that standing still at the spawn is guaranteed to survive.
pub const SAFE_STEPS: u16 = 30;
/// Steps before an episode is truncated.
pub const TIME_LIMIT: u32 = 1000;
/// The longest walk from the agent past every enemy to the exit, in tiles (at the player's
/// top speed of a quarter tile a step, half the time limit).
pub const MAX_TOUR: u32 = 125;
/// Side of an enemy's (and the player's) box, in tiles.
pub const BODY_SIDE: f32 = 0.8;
const _: () = assert!(FIRST_THROW >= SAFE_STEPS, "no ball may fly during the safe start");

/// Tries at placing the agent and enemies before a level's cover is thinned.
const PLACEMENT_TRIES: usize = 64;

/// The largest room side generated at difficulty `d`: 10 at 0, 16 at 1.
pub fn max_side(d: Difficulty) -> usize {
    MIN_SIDE + d.lerp_int(0, (MAX_SIDE - MIN_SIDE) as i32) as usize
}

/// Enemies in a room at difficulty `d`: 1 at 0, 2 easy, 3 medium, 4 hard, 5 at 1.
pub fn enemy_count(d: Difficulty) -> usize {
    d.lerp_int(1, MAX_ENEMIES as i32) as usize
}

/// Share of a room's inner floor covered by blocks at difficulty `d`.
pub fn cover_share(d: Difficulty) -> f32 {
    d.lerp(0.06, 0.12)
}

/// An enemy's top speed at difficulty `d`, in tiles per step.
pub fn enemy_speed(d: Difficulty) -> f32 {
    d.lerp(0.04, 0.1)
}

/// The range of steps between an enemy's throws at difficulty `d` (inclusive).
pub fn throw_interval(d: Difficulty) -> (u16, u16) {
    (d.lerp_int(90, 30) as u16, d.lerp_int(150, 60) as u16)
}

/// The speed of an enemy's ball at difficulty `d`, in tiles per step.
pub fn enemy_ball_speed(d: Difficulty) -> f32 {
    d.lerp(0.2, 0.35)
}

/// The room for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let mut layout = stream(seed, Stream::Layout);
    let (w, h) = (layout.random_range(MIN_SIDE..=max_side(d)), layout.random_range(MIN_SIDE..=max_side(d)));
    let mut level = Level::filled(NAME, seed, d, w, h, Tile::Wall);
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            level.set(x, y, Tile::Empty);
        }
    }
    let mut blocks = place_cover(&mut level, cover_share(d), &mut layout);

    let mut spawns = stream(seed, Stream::Spawns);
    loop {
        for _ in 0..PLACEMENT_TRIES {
            if let Some(placed) = place_spawns(&level, enemy_count(d), &mut spawns) {
                level.meta.insert("cover_blocks".into(), blocks.len() as f64);
                level.meta.insert("enemies".into(), (placed.len() - 2) as f64);
                level.spawns = placed;
                let tour = check(&level).expect("placement keeps every guarantee");
                level.meta.insert("tour".into(), tour as f64);
                return level;
            }
        }
        // Cover can wall off too much of a small room: thin it and try again.
        let (x, y, bw, bh) = blocks.pop().expect("an empty room always has room for the spawns");
        (y..y + bh).for_each(|ty| (x..x + bw).for_each(|tx| level.set(tx, ty, Tile::Empty)));
    }
}

/// Places blocks of 1 to 3 tiles a side until `share` of the inner floor is covered, each
/// only where it keeps the floor in one piece. Returns the blocks (x, y, w, h).
fn place_cover(level: &mut Level, share: f32, rng: &mut crate::Rng) -> Vec<(usize, usize, usize, usize)> {
    let (w, h) = (level.width, level.height);
    let target = (share * ((w - 2) * (h - 2)) as f32).round() as usize;
    let mut covered = 0;
    let mut blocks = Vec::new();
    for _ in 0..40 {
        if covered >= target {
            break;
        }
        let (bw, bh) = if rng.random_bool(0.5) { (rng.random_range(1..=3), 1) } else { (1, rng.random_range(1..=3)) };
        // Blocks keep off the rim's first ring so that walking around the room stays possible.
        let (x, y) = (rng.random_range(2..w - 2 - bw + 1), rng.random_range(2..h - 2 - bh + 1));
        let cells = || (y..y + bh).flat_map(move |ty| (x..x + bw).map(move |tx| (tx, ty)));
        if cells().any(|(tx, ty)| level.tile(tx as i32, ty as i32) != Tile::Empty) {
            continue;
        }
        cells().for_each(|(tx, ty)| level.set(tx, ty, Tile::Wall));
        if floor_is_connected(level) {
            covered += bw * bh;
            blocks.push((x, y, bw, bh));
        } else {
            cells().for_each(|(tx, ty)| level.set(tx, ty, Tile::Empty));
        }
    }
    blocks
}

/// Cells a body of the player's size can stand on.
fn passable(level: &Level, x: usize, y: usize) -> bool {
    !level.tile(x as i32, y as i32).is_solid()
}

/// Whether every empty cell reaches every other.
fn floor_is_connected(level: &Level) -> bool {
    let Some(start) = level.tiles.iter().position(|&t| t == Tile::Empty) else { return true };
    let dist = grid_distances(level, (start % level.width, start / level.width), passable);
    level.tiles.iter().zip(&dist).all(|(&t, &d)| t != Tile::Empty || d != UNREACHED)
}

/// The agent, `enemies` enemies and the exit on distinct empty cells keeping the guarantees,
/// or `None` when this draw fails (the caller draws again).
fn place_spawns(level: &Level, enemies: usize, rng: &mut crate::Rng) -> Option<Vec<Spawn>> {
    let (w, h) = (level.width, level.height);
    let empty: Vec<(usize, usize)> =
        (0..w * h).map(|i| (i % w, i / w)).filter(|&(x, y)| level.tile(x as i32, y as i32) == Tile::Empty).collect();
    let agent = empty[rng.random_range(0..empty.len())];
    let dist = grid_distances(level, agent, passable);
    let far = |c: (usize, usize)| centre_distance(c, agent) >= SAFE_DISTANCE;
    let mut spawns = vec![Spawn::at_tile(SpawnKind::Agent, agent.0, agent.1)];
    let mut taken = vec![agent];
    for _ in 0..enemies {
        let free = |c: &(usize, usize)| far(*c) && taken.iter().all(|t| t.0.abs_diff(c.0) > 1 || t.1.abs_diff(c.1) > 1);
        let options: Vec<(usize, usize)> = empty.iter().copied().filter(free).collect();
        if options.is_empty() {
            return None;
        }
        let cell = options[rng.random_range(0..options.len())];
        taken.push(cell);
        spawns.push(Spawn::at_tile(SpawnKind::Enemy, cell.0, cell.1));
    }
    // The exit: a rim cell in the farther half of the room (by walking distance).
    let rim = |&(x, y): &(usize, usize)| x == 1 || y == 1 || x == w - 2 || y == h - 2;
    let farthest = empty.iter().map(|&(x, y)| dist[y * w + x]).max().unwrap_or(0);
    let exits: Vec<(usize, usize)> =
        empty.iter().copied().filter(|c| rim(c) && !taken.contains(c) && 2 * dist[c.1 * w + c.0] >= farthest).collect();
    if exits.is_empty() {
        return None;
    }
    let exit = exits[rng.random_range(0..exits.len())];
    spawns.push(Spawn::at_tile(SpawnKind::Exit, exit.0, exit.1));
    let level = Level { spawns, ..level.clone() };
    tour_length(&level).is_some_and(|t| t <= MAX_TOUR).then_some(level.spawns)
}

/// Distance between the centres of two cells, in tiles.
fn centre_distance(a: (usize, usize), b: (usize, usize)) -> f32 {
    let (dx, dy) = (a.0 as f32 - b.0 as f32, a.1 as f32 - b.1 as f32);
    (dx * dx + dy * dy).sqrt()
}

/// The walk from the agent to the nearest enemy, then the nearest remaining one and so on,
/// then to the exit, in tiles; `None` if some leg has no path.
fn tour_length(level: &Level) -> Option<u32> {
    let w = level.width;
    let agent = level.first(SpawnKind::Agent)?.tile();
    let exit = level.first(SpawnKind::Exit)?.tile();
    let mut left: Vec<(usize, usize)> =
        level.spawns.iter().filter(|s| s.kind == SpawnKind::Enemy).map(Spawn::tile).collect();
    let (mut at, mut total) = (agent, 0);
    loop {
        let dist = grid_distances(level, at, passable);
        let reach = |c: (usize, usize)| Some(dist[c.1 * w + c.0]).filter(|&d| d != UNREACHED);
        if left.is_empty() {
            return Some(total + reach(exit)?);
        }
        let (i, d) =
            left.iter().enumerate().map(|(i, &c)| reach(c).map(|d| (i, d))).min_by_key(|p| p.map(|(_, d)| d))??;
        total += d;
        at = left.swap_remove(i);
    }
}

/// Checks a dodgeball level's guarantees (the generator's, or a hand-edited file's),
/// returning the length of the tour past every enemy to the exit, or why it is not playable.
pub fn check(level: &Level) -> Result<u32, String> {
    let (w, h) = (level.width, level.height);
    if !(MIN_SIDE..=MAX_SIDE).contains(&w) || !(MIN_SIDE..=MAX_SIDE).contains(&h) {
        return Err(format!("dodgeball rooms have sides in [{MIN_SIDE}, {MAX_SIDE}], got {w}x{h}"));
    }
    let rim_walled = (0..w)
        .all(|x| level.tile(x as i32, 0).is_solid() && level.tile(x as i32, h as i32 - 1).is_solid())
        && (0..h).all(|y| level.tile(0, y as i32).is_solid() && level.tile(w as i32 - 1, y as i32).is_solid());
    if !rim_walled {
        return Err("dodgeball rooms must be bordered by walls".into());
    }
    let count = |kind| level.spawns.iter().filter(|s| s.kind == kind).count();
    if count(SpawnKind::Agent) != 1 || count(SpawnKind::Exit) != 1 {
        return Err("dodgeball needs exactly one agent and one exit".into());
    }
    let enemies = count(SpawnKind::Enemy);
    if !(1..=MAX_ENEMIES).contains(&enemies) {
        return Err(format!("dodgeball needs 1 to {MAX_ENEMIES} enemies, got {enemies}"));
    }
    if let Some(other) =
        level.spawns.iter().find(|s| !matches!(s.kind, SpawnKind::Agent | SpawnKind::Enemy | SpawnKind::Exit))
    {
        return Err(format!("dodgeball has no {:?} spawns: only agent, enemy and exit", other.kind));
    }
    for (i, s) in level.spawns.iter().enumerate() {
        let (x, y) = s.tile();
        if s.x != x as f32 + 0.5 || s.y != y as f32 + 0.5 || s.vx != 0.0 || s.vy != 0.0 {
            return Err(format!("dodgeball spawn {i} ({:?}) must stand still at a cell's centre", s.kind));
        }
        if level.tile(x as i32, y as i32) != Tile::Empty {
            return Err(format!("dodgeball spawn {i} ({:?}) at ({x}, {y}) is not on an empty cell", s.kind));
        }
        if level.spawns[..i].iter().any(|o| o.tile() == (x, y)) {
            return Err(format!("dodgeball spawn {i} ({:?}) shares cell ({x}, {y}) with another", s.kind));
        }
    }
    let agent = level.first(SpawnKind::Agent).map(Spawn::tile).expect("counted above");
    let exit = level.first(SpawnKind::Exit).map(Spawn::tile).expect("counted above");
    if !(exit.0 == 1 || exit.1 == 1 || exit.0 == w - 2 || exit.1 == h - 2) {
        return Err(format!("dodgeball exit at {exit:?} must lie next to the room's rim"));
    }
    if let Some(near) =
        level.spawns.iter().find(|s| s.kind == SpawnKind::Enemy && centre_distance(s.tile(), agent) < SAFE_DISTANCE)
    {
        return Err(format!(
            "dodgeball enemy at {:?} is nearer than {SAFE_DISTANCE} tiles to the agent at {agent:?}",
            near.tile()
        ));
    }
    let dist = grid_distances(level, agent, passable);
    if let Some(cut) = level.spawns.iter().find(|s| dist[s.tile().1 * w + s.tile().0] == UNREACHED) {
        return Err(format!(
            "dodgeball {:?} at {:?} cannot be reached from the agent at {agent:?}",
            cut.kind,
            cut.tile()
        ));
    }
    match tour_length(level).expect("every spawn is reachable") {
        t if t > MAX_TOUR => Err(format!("dodgeball tour past every enemy to the exit is {t} tiles, over {MAX_TOUR}")),
        t => Ok(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::difficulties;

    #[test]
    fn every_room_keeps_its_guarantees_over_1000_seeds_per_preset() {
        for d in difficulties() {
            let mut largest = 0;
            for seed in 0..1000 {
                let level = generate(seed, d);
                let tour = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert!(tour <= MAX_TOUR);
                assert!(floor_is_connected(&level), "seed {seed} at {d}: cover cut the floor");
                assert!(level.width <= max_side(d) && level.height <= max_side(d));
                let enemies: Vec<&Spawn> = level.spawns.iter().filter(|s| s.kind == SpawnKind::Enemy).collect();
                assert_eq!(enemies.len(), enemy_count(d), "seed {seed} at {d}");
                largest = largest.max(level.width.max(level.height));
            }
            assert_eq!(largest, max_side(d), "the largest room is drawn at {d}");
        }
    }

    #[test]
    fn standing_still_at_the_spawn_is_safe_for_the_promised_steps() {
        // An enemy walking straight at the agent from the nearest allowed start cannot touch
        // it in SAFE_STEPS steps, and no ball is thrown before then.
        assert!(enemy_speed(Difficulty::MAX) * (SAFE_STEPS as f32) < SAFE_DISTANCE - BODY_SIDE);
    }

    #[test]
    fn harder_means_more_and_faster_enemies_in_larger_rooms() {
        let mean = |d: Difficulty, key: &str| (0..300).map(|s| generate(s, d).meta[key]).sum::<f64>() / 300.0;
        let area = |d: Difficulty| (0..300).map(|s| generate(s, d)).map(|l| (l.width * l.height) as f64).sum::<f64>();
        let (easy, hard) = (Difficulty::EASY, Difficulty::HARD);
        assert!(mean(hard, "enemies") > mean(easy, "enemies"));
        assert!(mean(hard, "cover_blocks") > mean(easy, "cover_blocks"));
        assert!(area(hard) > 1.2 * area(easy));
        assert!(enemy_speed(hard) > enemy_speed(easy) && enemy_ball_speed(hard) > enemy_ball_speed(easy));
        let mean_interval = |d| throw_interval(d).0 + throw_interval(d).1;
        assert!(mean_interval(hard) < mean_interval(easy));
    }

    #[test]
    fn check_refuses_broken_rooms() {
        let level = generate(5, Difficulty::HARD);
        let mut walled_in = level.clone();
        let (ex, ey) = level.first(SpawnKind::Exit).unwrap().tile();
        for (x, y) in [(ex - 1, ey), (ex + 1, ey), (ex, ey - 1), (ex, ey + 1)] {
            walled_in.set(x, y, Tile::Wall);
        }
        assert!(check(&walled_in).unwrap_err().contains("cannot be reached"));

        let mut crowded = level.clone();
        let agent = level.first(SpawnKind::Agent).unwrap().tile();
        let next =
            if level.tile(agent.0 as i32 + 1, agent.1 as i32) == Tile::Empty { agent.0 + 1 } else { agent.0 - 1 };
        crowded.spawns.push(Spawn::at_tile(SpawnKind::Enemy, next, agent.1));
        assert!(check(&crowded).is_err());
        crowded.spawns.retain(|s| s.kind != SpawnKind::Enemy || s.tile() == (next, agent.1));
        assert!(check(&crowded).unwrap_err().contains("nearer than"));

        let mut open = level.clone();
        open.set(0, 3, Tile::Empty);
        assert!(check(&open).unwrap_err().contains("bordered"));

        let mut no_enemies = level;
        no_enemies.spawns.retain(|s| s.kind != SpawnKind::Enemy);
        assert!(check(&no_enemies).unwrap_err().contains("1 to 5 enemies"));
    }
}
