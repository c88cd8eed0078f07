//! The bigfish game's rules on hand-built tanks: eating a smaller fish rewards and grows the
//! player, a fish as large or larger kills it, the target size wins, fish are released from
//! the edges on a clock, rocks stop the player and a grown player is never inside rock.

mod common;

use common::playing;
use ludica_envs::core::engine::symbolic::entity_id;
use ludica_envs::games::bigfish::GAME;
use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::bigfish::{self, TANK, half_extents};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile};

const NOOP: u8 = 0;
const DOWN: u8 = 4;
/// Cells in the symbolic grid; the scalars follow.
const GRID: usize = TANK * TANK;
/// The `size` scalar's index: after the offsets and velocities.
const SIZE: usize = GRID + 4;

/// An empty tank with a rock floor, the agent at (6, 4), releases every `every` steps of
/// small fish only, and the given target size.
fn tank(target: u8, every: u16) -> Level {
    let mut level = Level::filled(bigfish::NAME, 4, Difficulty::EASY, TANK, TANK, Tile::Empty);
    (0..TANK).for_each(|x| level.set(x, TANK - 1, Tile::Wall));
    level.spawns.push(Spawn { kind: SpawnKind::Agent, x: 6.0, y: 4.0, vx: 0.0, vy: 0.0, variant: 0 });
    for (key, value) in [
        ("target_size", target as f64),
        ("release_every", every as f64),
        ("big_share", 0.0),
        ("speed_min", 0.05),
        ("speed_max", 0.1),
    ] {
        level.meta.insert(key.into(), value);
    }
    level
}

/// A fish of `class` at (`x`, 4) swimming at `vx`.
fn fish(class: u8, x: f32, vx: f32) -> Spawn {
    Spawn { kind: SpawnKind::Fish, x, y: 4.0, vx, vy: 0.0, variant: class }
}

/// Plays `action` until the episode ends or `steps` pass; returns the rewards of each step
/// and whether it ended in success (None while still running).
fn hold(env: &mut VecEnv, action: u8, steps: usize) -> (Vec<f32>, Option<bool>) {
    let mut rewards = Vec::new();
    for _ in 0..steps {
        env.step(&[action]).unwrap();
        rewards.push(env.reward()[0]);
        if env.terminated()[0] || env.truncated()[0] {
            return (rewards, Some(env.infos()[0].episode_success));
        }
    }
    (rewards, None)
}

/// Columns of the symbolic grid holding a fish of any class.
fn fish_columns(obs: &[u8]) -> Vec<usize> {
    let ids: Vec<u8> = (0..4).map(|c| entity_id(SpawnKind::Fish, c)).collect();
    (0..GRID).filter(|&i| ids.contains(&obs[i])).map(|i| i % TANK).collect()
}

/// The player's centre, from its grid cell and offset scalars.
fn player_at(obs: &[u8]) -> (f32, f32) {
    let cell = (0..GRID).find(|&i| obs[i] == entity_id(SpawnKind::Agent, 0)).expect("the player is in view");
    let offset = |b: u8| b as f32 / 256.0;
    ((cell % TANK) as f32 + offset(obs[GRID]), (cell / TANK) as f32 + offset(obs[GRID + 1]))
}

#[test]
fn eating_a_smaller_fish_rewards_and_grows() {
    let mut level = tank(10, 100);
    level.spawns.push(fish(0, 9.0, -0.1));
    let mut env = playing(level, ObsKind::Symbolic);
    assert_eq!(env.obs()[SIZE], 0);
    let (rewards, end) = hold(&mut env, NOOP, 60);
    assert_eq!(end, None, "still playing");
    assert_eq!(rewards.iter().sum::<f32>(), 1.0, "one fish eaten");
    assert_eq!(env.obs()[SIZE], 1, "the size grew by one");
    assert!(fish_columns(env.obs()).is_empty(), "the eaten fish is gone");
}

#[test]
fn a_larger_fish_kills() {
    let mut level = tank(10, 100);
    level.spawns.push(fish(1, 11.0, -0.1));
    let mut env = playing(level, ObsKind::Symbolic);
    let (rewards, end) = hold(&mut env, NOOP, 100);
    assert_eq!(end, Some(false));
    assert!(env.terminated()[0]);
    assert_eq!(rewards.iter().sum::<f32>(), 0.0);
    assert!((35..60).contains(&rewards.len()), "met after about 40 steps: {}", rewards.len());
}

#[test]
fn a_fish_of_equal_size_kills_a_grown_player() {
    // Four small fish grow the player from 4 to 8, the size of class 1, which then kills it
    // (before the first release, at step 100).
    let mut level = tank(9, 100);
    for x in [7.5, 8.5, 9.5, 10.5] {
        level.spawns.push(fish(0, x, -0.05));
    }
    level.spawns.push(fish(1, 11.5, -0.05));
    let mut env = playing(level, ObsKind::Symbolic);
    let (rewards, end) = hold(&mut env, NOOP, 300);
    assert_eq!(end, Some(false));
    assert_eq!(rewards.iter().sum::<f32>(), 4.0);
    assert_eq!(env.obs()[SIZE], 4);
}

#[test]
fn reaching_the_target_size_wins() {
    let mut level = tank(5, 100);
    level.spawns.push(fish(0, 3.0, 0.1));
    let mut env = playing(level, ObsKind::Rgb);
    let (rewards, end) = hold(&mut env, NOOP, 60);
    assert_eq!(end, Some(true));
    assert_eq!(rewards.last(), Some(&11.0), "the fish and the win");
}

#[test]
fn fish_are_released_from_the_edges_on_a_clock() {
    let mut env = playing(tank(20, 20), ObsKind::Symbolic);
    let at_edges = |obs: &[u8]| {
        let columns = fish_columns(obs);
        [0, TANK - 1].map(|edge| columns.contains(&edge))
    };
    let (mut before, mut entries, mut first_seen) = ([false; 2], 0, None);
    for step in 0..400 {
        hold(&mut env, NOOP, 1);
        let columns = fish_columns(env.obs());
        if first_seen.is_none() && !columns.is_empty() {
            first_seen = Some(step);
            assert!(columns.iter().all(|&c| c == 0 || c == TANK - 1), "step {step}: the first fish at {columns:?}");
        }
        let now = at_edges(env.obs());
        entries += (0..2).filter(|&i| now[i] && !before[i]).count();
        before = now;
    }
    let first = first_seen.expect("fish were released");
    assert!(first >= 20, "none before one release period: {first}");
    assert!(entries >= 8, "releases every 20 to 30 steps: {entries} fish seen entering or leaving in 400");
}

#[test]
fn rocks_stop_the_player_and_growth_never_pushes_it_into_rock() {
    // A small fish crawls along the floor toward where the player will rest.
    let mut level = tank(10, 100);
    let (_, half) = half_extents(bigfish::START_SIZE);
    let floor = (TANK - 1) as f32;
    level.spawns.push(Spawn { y: floor - half, ..fish(0, 0.5, 0.04) });
    let mut env = playing(level, ObsKind::Symbolic);
    hold(&mut env, DOWN, 80);
    let (_, y) = player_at(env.obs());
    assert!((y + half - floor).abs() < 0.03, "resting on the floor: {y}");
    assert_eq!(env.obs()[GRID + 3], 128, "stopped");
    let (rewards, _) = hold(&mut env, DOWN, 100);
    assert_eq!(rewards.iter().sum::<f32>(), 1.0, "the fish was eaten");
    assert_eq!(env.obs()[SIZE], 1);
    let (_, grown_y) = player_at(env.obs());
    let (_, grown_half) = half_extents(bigfish::START_SIZE + 1);
    assert!(grown_y + grown_half <= floor + 1e-3, "lifted clear of the floor: {grown_y}");
}

#[test]
fn observation_shapes() {
    assert_eq!(GAME.obs_shape(ObsKind::Rgb), vec![64, 64, 3]);
    assert_eq!(GAME.obs_shape(ObsKind::Symbolic), vec![GRID + 5]);
    let env = playing(tank(10, 100), ObsKind::Symbolic);
    assert_eq!(env.obs()[(4 * TANK) + 6], entity_id(SpawnKind::Agent, 0));
    assert_eq!(env.obs()[GRID - 1], Tile::Wall as u8);
}
