//! The bigfish generator: a square tank seen from the side, open water above an uneven seabed
//! of rock, the player's fish near the middle and a few fish already swimming across. More
//! fish enter from the left and right edges during play (the game releases them from the
//! level's play parameters); eating smaller ones grows the player, touching a fish as large
//! or larger kills it, reaching the target size wins.
//!
//! Guarantees (tested over 1,000 seeds per preset): the tank is [`TANK`] x [`TANK`] tiles;
//! the top `TANK - MAX_ROCK` rows are open water and every rock stands in a stack rising from
//! the bottom row (no overhangs, so no pocket can trap a fish of any size, and a grown player
//! always has room above the rocks); exactly one agent, whose starting body touches no rock;
//! no fish overlaps it, and standing still, no fish as large as it reaches it within
//! [`SAFE_START_STEPS`] steps, counting the fish released from the edges (the first one
//! comes after one release period); and enough small fish are released on average to reach
//! the target size in half the time limit ([`MAX_STEPS`]).
//!
//! Difficulty knobs (play parameters in `meta`): the size to reach (`target_size`, 10 at 0
//! to 20 at 1, from a start of [`START_SIZE`]), steps between releases (`release_every`, 28
//! to 12), the share of released fish at least as large as the player (`big_share`, 0.15 to
//! 0.5), and fish speed (`speed_min` 0.04 to 0.07, `speed_max` 0.08 to 0.16 tiles per step).
//!
//! The seabed draws from the `Layout` stream; the agent and the first fish from `Spawns`.

use rand::RngExt;

use crate::checks::parameter;
use crate::seeds::{Stream, stream};
use crate::{Difficulty, Level, Rng, Spawn, SpawnKind, Tile};

/// The game name levels of this generator carry.
pub const NAME: &str = "bigfish";
/// Side of the tank, in tiles.
pub const TANK: usize = 12;
/// Rows of the seabed rocks may fill, at most (the bottom row is always rock).
pub const MAX_ROCK: usize = 3;
/// The player's size at the start (sizes are whole units; each fish eaten adds one).
pub const START_SIZE: u8 = 4;
/// The size of each fish class, in variant order. The largest is above every target, so
/// some fish are always deadly.
pub const FISH_SIZES: [u8; 4] = [3, 8, 14, 21];
/// The largest target size a level may set.
pub const MAX_TARGET: u8 = 20;
/// The fastest a fish may swim, in tiles per step.
pub const MAX_FISH_SPEED: f32 = 0.2;
/// Steps from the start during which a still player is safe.
pub const SAFE_START_STEPS: f32 = 30.0;
/// The game's time limit, in steps.
pub const MAX_STEPS: u32 = 2000;
/// The widest horizontal gap kept between the agent and each first fish, beyond their bodies.
const START_GAP: f32 = 1.5;

/// Half the width and half the height of a fish (the player included) of `size`.
pub fn half_extents(size: u8) -> (f32, f32) {
    let length = 0.7 + 0.07 * size as f32;
    (length / 2.0, 0.35 * length)
}

/// How the game releases fish during play, as a level's meta holds it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Release {
    /// The size that wins.
    pub target_size: u8,
    /// Steps between releases (the game adds up to half as many again at random).
    pub every: u16,
    /// The chance that a released fish is at least as large as the player.
    pub big_share: f32,
    /// Slowest fish speed, tiles per step.
    pub speed_min: f32,
    /// Fastest fish speed, tiles per step.
    pub speed_max: f32,
}

impl Release {
    /// The parameters at difficulty `d`.
    pub fn at(d: Difficulty) -> Release {
        Release {
            target_size: d.lerp_int(10, MAX_TARGET as i32) as u8,
            every: d.lerp_int(28, 12) as u16,
            big_share: d.lerp(0.15, 0.5),
            speed_min: d.lerp(0.04, 0.07),
            speed_max: d.lerp(0.08, 0.16),
        }
    }

    /// The parameters `level` carries, each checked against its allowed range.
    pub fn of(level: &Level) -> Result<Release, String> {
        let target = parameter(level, "target_size", (START_SIZE + 1) as f64..=MAX_TARGET as f64)?;
        let speed_max = parameter(level, "speed_max", 0.01..=MAX_FISH_SPEED as f64)?;
        Ok(Release {
            target_size: target.round() as u8,
            every: parameter(level, "release_every", 4.0..=200.0)?.round() as u16,
            big_share: parameter(level, "big_share", 0.0..=0.9)? as f32,
            speed_min: parameter(level, "speed_min", 0.01..=speed_max)? as f32,
            speed_max: speed_max as f32,
        })
    }

    fn write(&self, level: &mut Level) {
        level.meta.insert("target_size".into(), self.target_size as f64);
        level.meta.insert("release_every".into(), self.every as f64);
        level.meta.insert("big_share".into(), self.big_share as f64);
        level.meta.insert("speed_min".into(), self.speed_min as f64);
        level.meta.insert("speed_max".into(), self.speed_max as f64);
    }

    /// The class of a fish released when the player has size `player`: with chance
    /// `big_share` one at least as large, otherwise a smaller one (class 0 is smaller than any
    /// player, the last class larger than any).
    pub fn draw_class(&self, player: u8, rng: &mut Rng) -> u8 {
        let smaller = FISH_SIZES.iter().filter(|&&s| s < player).count();
        if rng.random_bool(self.big_share as f64) || smaller == 0 {
            rng.random_range(smaller..FISH_SIZES.len()) as u8
        } else {
            rng.random_range(0..smaller) as u8
        }
    }

    /// A fish speed, tiles per step.
    pub fn draw_speed(&self, rng: &mut Rng) -> f32 {
        if self.speed_max > self.speed_min { rng.random_range(self.speed_min..self.speed_max) } else { self.speed_min }
    }
}

/// The lowest row of open water plus one: rows above it never hold rock.
pub const fn water_rows(height: usize) -> usize {
    height - MAX_ROCK
}

/// The bigfish level for `seed` at difficulty `d`.
pub fn generate(seed: u64, d: Difficulty) -> Level {
    let release = Release::at(d);
    let mut level = Level::filled(NAME, seed, d, TANK, TANK, Tile::Empty);
    lay_seabed(&mut level, &mut stream(seed, Stream::Layout));
    release.write(&mut level);

    let mut spawns = stream(seed, Stream::Spawns);
    let water = water_rows(TANK) as f32;
    let (agent_x, agent_y) = (spawns.random_range(5.0..7.0), spawns.random_range(3.0..6.0));
    level.spawns.push(Spawn { kind: SpawnKind::Agent, x: agent_x, y: agent_y, vx: 0.0, vy: 0.0, variant: 0 });
    let (player_hw, _) = half_extents(START_SIZE);
    for _ in 0..spawns.random_range(1..=3) {
        let class = release.draw_class(START_SIZE, &mut spawns);
        let (hw, hh) = half_extents(FISH_SIZES[class as usize]);
        let gap = hw + player_hw + START_GAP;
        // Left or right of the agent, whichever side has room for it.
        let left = spawns.random_bool(0.5);
        let (lo, hi) = if left { (hw, agent_x - gap) } else { (agent_x + gap, TANK as f32 - hw) };
        if lo >= hi {
            continue;
        }
        let x = spawns.random_range(lo..hi);
        let y = spawns.random_range(hh..water - hh);
        // Fish as large as the player swim away from it; smaller ones either way.
        let away = if left { -1.0 } else { 1.0 };
        let direction = if FISH_SIZES[class as usize] >= START_SIZE || spawns.random_bool(0.5) { away } else { -away };
        let vx = direction * release.draw_speed(&mut spawns);
        level.spawns.push(Spawn { kind: SpawnKind::Fish, x, y, vx, vy: 0.0, variant: class });
    }
    level.meta.insert("first_fish".into(), (level.spawns.len() - 1) as f64);
    level
}

/// Rock stacks along the bottom: a height of 1 to [`MAX_ROCK`] per column, wandering by at
/// most one between neighbours.
fn lay_seabed(level: &mut Level, rng: &mut Rng) {
    let mut height = rng.random_range(1..=MAX_ROCK as i32);
    for x in 0..level.width {
        height = (height + rng.random_range(-1..=1)).clamp(1, MAX_ROCK as i32);
        for y in level.height - height as usize..level.height {
            level.set(x, y, Tile::Wall);
        }
    }
}

/// Steps until a fish at (`x`, `y`) of half extents `fish` moving at `vx` first overlaps a
/// still body at `player` with half extents `body`; infinite if never; 0 if it already does.
fn steps_to_touch(fish: (f32, f32), x: f32, y: f32, vx: f32, player: (f32, f32), body: (f32, f32)) -> f32 {
    if (y - player.1).abs() >= fish.1 + body.1 {
        return f32::INFINITY;
    }
    let gap = (x - player.0).abs() - fish.0 - body.0;
    if gap < 0.0 {
        return 0.0;
    }
    let closing = if x < player.0 { vx } else { -vx };
    if closing > 0.0 { gap / closing } else { f32::INFINITY }
}

/// Checks a bigfish level's guarantees (the generator's, or a hand-edited file's), returning
/// its release parameters, or why the level is not playable.
pub fn check(level: &Level) -> Result<Release, String> {
    let (w, h) = (level.width, level.height);
    if !(8..=TANK).contains(&w) || !(MAX_ROCK + 5..=TANK).contains(&h) {
        return Err(format!("bigfish tank must be 8 to {TANK} wide and {} to {TANK} tall, got {w}x{h}", MAX_ROCK + 5));
    }
    let water = water_rows(h);
    for x in 0..w as i32 {
        let column = |y: usize| level.tile(x, y as i32);
        if let Some(y) = (0..water).find(|&y| column(y) != Tile::Empty) {
            return Err(format!("bigfish row {y} must be open water, but column {x} holds {:?}", column(y)));
        }
        if let Some(y) = (water..h - 1).find(|&y| column(y) != Tile::Empty && column(y + 1) == Tile::Empty) {
            return Err(format!("bigfish rock at ({x}, {y}) hangs over water: rocks must stand on the bottom"));
        }
    }
    let release = Release::of(level)?;
    let agent = level.single(SpawnKind::Agent)?;
    let body = half_extents(START_SIZE);
    if agent.y - body.1 < 0.0
        || agent.y + body.1 > water as f32
        || agent.x - body.0 < 0.0
        || agent.x + body.0 > w as f32
    {
        return Err(format!("bigfish agent at ({}, {}) must start wholly in open water", agent.x, agent.y));
    }
    let player = (agent.x, agent.y);
    for (i, fish) in level.spawns.iter().enumerate().filter(|(_, s)| s.kind != SpawnKind::Agent) {
        if fish.kind != SpawnKind::Fish {
            return Err(format!("bigfish spawn {i} is a {:?}: only the agent and fish are allowed", fish.kind));
        }
        let Some(&size) = FISH_SIZES.get(fish.variant as usize) else {
            return Err(format!(
                "bigfish fish {i} has class {}: classes are 0 to {}",
                fish.variant,
                FISH_SIZES.len() - 1
            ));
        };
        if fish.vy != 0.0 || fish.vx.abs() > MAX_FISH_SPEED || fish.vx == 0.0 {
            return Err(format!(
                "bigfish fish {i} swims at ({}, {}): fish swim sideways at most {MAX_FISH_SPEED} tiles a step",
                fish.vx, fish.vy
            ));
        }
        let steps = steps_to_touch(half_extents(size), fish.x, fish.y, fish.vx, player, body);
        if steps == 0.0 || (size >= START_SIZE && steps < SAFE_START_STEPS) {
            return Err(format!("bigfish fish {i} reaches the agent after {steps} steps: too close to the start"));
        }
    }
    // A released fish enters with its front at an edge, one release period after the start.
    let nearest_edge = (agent.x - body.0).min(w as f32 - agent.x - body.0);
    let release_steps = release.every as f32 + nearest_edge / release.speed_max;
    if release_steps < SAFE_START_STEPS {
        return Err(format!("bigfish released fish reach the agent after {release_steps} steps: too soon"));
    }
    let needed = (release.target_size - START_SIZE) as f32;
    let mean_gap = 1.25 * release.every as f32;
    let expected = needed / (1.0 - release.big_share) * mean_gap;
    if expected > MAX_STEPS as f32 / 2.0 {
        return Err(format!(
            "bigfish small fish come too rarely: about {expected} steps to grow to {}, over half of {MAX_STEPS}",
            release.target_size
        ));
    }
    Ok(release)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_refused, presets};

    #[test]
    fn every_level_keeps_its_guarantees_over_1000_seeds_per_preset() {
        for d in presets() {
            let mut first_fish = 0;
            for seed in 0..1000 {
                let level = generate(seed, d);
                let release = check(&level).unwrap_or_else(|e| panic!("seed {seed} at {d}: {e}\n{}", level.to_ascii()));
                assert_eq!(release, Release::at(d));
                assert_eq!((level.width, level.height), (TANK, TANK));
                let agent = level.first(SpawnKind::Agent).unwrap();
                let body = half_extents(START_SIZE);
                for fish in level.spawns.iter().filter(|s| s.kind == SpawnKind::Fish) {
                    let size = FISH_SIZES[fish.variant as usize];
                    let (hw, hh) = half_extents(size);
                    let apart = (fish.x - agent.x).abs() >= hw + body.0 + START_GAP;
                    assert!(apart, "seed {seed}: a first fish starts {} from the agent", (fish.x - agent.x).abs());
                    assert!(fish.y - hh >= 0.0 && fish.y + hh <= water_rows(TANK) as f32, "seed {seed}: in open water");
                    let towards = (fish.x < agent.x) == (fish.vx > 0.0);
                    assert!(size < START_SIZE || !towards, "seed {seed}: a large fish swims at the agent");
                    first_fish += 1;
                }
                // A released fish enters at an edge no sooner than one period in.
                let edge_steps = (agent.x - body.0).min(TANK as f32 - agent.x - body.0) / release.speed_max;
                assert!(release.every as f32 + edge_steps >= SAFE_START_STEPS);
            }
            assert!(first_fish > 1000, "{d}: levels start with fish ({first_fish})");
        }
    }

    #[test]
    fn harder_means_bigger_targets_more_and_faster_big_fish() {
        let (easy, hard) = (Release::at(Difficulty::EASY), Release::at(Difficulty::HARD));
        assert!(hard.target_size > easy.target_size);
        assert!(hard.every < easy.every);
        assert!(hard.big_share > easy.big_share);
        assert!(hard.speed_max > easy.speed_max);
        let mut rng = stream(1, Stream::Behaviour);
        let big = |r: Release, rng: &mut Rng| {
            (0..2000).filter(|_| FISH_SIZES[r.draw_class(START_SIZE, rng) as usize] >= START_SIZE).count()
        };
        assert!(big(hard, &mut rng) > big(easy, &mut rng) + 300, "more of the released fish are deadly");
    }

    #[test]
    fn released_classes_follow_the_player_size() {
        let mut rng = stream(2, Stream::Behaviour);
        let all_small = Release { big_share: 0.0, ..Release::at(Difficulty::EASY) };
        let all_big = Release { big_share: 1.0, ..all_small };
        for _ in 0..200 {
            assert!(FISH_SIZES[all_small.draw_class(15, &mut rng) as usize] < 15);
            assert!(FISH_SIZES[all_big.draw_class(15, &mut rng) as usize] >= 15);
            assert_eq!(all_small.draw_class(START_SIZE, &mut rng), 0);
        }
        let largest = (FISH_SIZES.len() - 1) as u8;
        assert!(all_small.draw_class(MAX_TARGET, &mut rng) < largest, "the largest class is never small");
    }

    #[test]
    fn check_refuses_broken_levels() {
        let good = generate(5, Difficulty::HARD);
        let refuse = |level: &Level, want: &str| assert_refused(check, level, want);
        let mut overhang = good.clone();
        overhang.set(3, TANK - 3, Tile::Wall);
        overhang.set(3, TANK - 2, Tile::Empty);
        refuse(&overhang, "hangs over water");
        let mut reef = good.clone();
        reef.set(6, 2, Tile::Wall);
        refuse(&reef, "must be open water");
        let agent = *good.first(SpawnKind::Agent).unwrap();
        let mut shark = good.clone();
        shark.spawns.push(Spawn { kind: SpawnKind::Fish, x: agent.x - 3.0, y: agent.y, vx: 0.1, vy: 0.0, variant: 3 });
        refuse(&shark, "too close to the start");
        let mut on_top = good.clone();
        on_top.spawns.push(Spawn { kind: SpawnKind::Fish, x: agent.x, y: agent.y, vx: 0.1, vy: 0.0, variant: 0 });
        refuse(&on_top, "after 0 steps");
        let mut rushing = good.clone();
        rushing.meta.insert("release_every".into(), 4.0);
        rushing.meta.insert("speed_max".into(), MAX_FISH_SPEED as f64);
        refuse(&rushing, "too soon");
        let mut no_target = good.clone();
        no_target.meta.remove("target_size");
        refuse(&no_target, "'target_size'");
        let mut sharks_only = good.clone();
        sharks_only.meta.insert("big_share".into(), 0.9);
        sharks_only.meta.insert("release_every".into(), 150.0);
        refuse(&sharks_only, "too rarely");
        let mut stuck = good;
        stuck.spawns[0].y = 1.0 + water_rows(TANK) as f32;
        refuse(&stuck, "wholly in open water");
    }
}
