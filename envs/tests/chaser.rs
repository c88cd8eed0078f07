//! The chaser game's rules on hand-built levels: orbs pay and the last one clears the level,
//! a hunting enemy kills and is slower than the player, a power orb turns the enemies (they
//! flee, can be eaten for a bonus, come back hunting at their den after a delay) for a time
//! shown in the status scalar, enemies aim at the player at junctions and away from it when
//! fleeing, and levels with an enemy near the spawn are refused.

mod common;

use ludica_envs::core::engine::symbolic::entity_id;
use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::chaser::{self, Knobs};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile};

const NOOP: u8 = 0;
const LEFT: u8 = 1;
const RIGHT: u8 = 2;
/// Symbolic ids of a hunting and a fleeing enemy.
const HUNTING: u8 = entity_id(SpawnKind::Enemy, 0);
const FLEEING: u8 = entity_id(SpawnKind::Enemy, 1);

fn env() -> VecEnv {
    common::one_env(chaser::NAME, Difficulty::EASY, ObsKind::Symbolic)
}

/// A 16 x 5 level at difficulty `d`: a corridor along row 2 from x = 1 to 14, the agent at
/// x = 1, and one orb in a pocket below it at (1, 3) unless `orbs` fills the corridor.
fn corridor(d: Difficulty, orbs: bool) -> Level {
    let mut level = Level::filled(chaser::NAME, 7, d, 16, 5, Tile::Wall);
    (2..15).for_each(|x| level.set(x, 2, if orbs { Tile::Gem } else { Tile::Empty }));
    level.set(1, 2, Tile::Empty);
    if !orbs {
        level.set(1, 3, Tile::Gem);
    }
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 2));
    level
}

/// Symbolic ids of the level's row `y` (a level `h` tall sits in the 16 x 16 frame with
/// (16 - h) / 2 rows of padding above).
fn row(env: &VecEnv, h: usize, y: usize) -> &[u8] {
    let top = (16 - h) / 2 + y;
    &env.obs()[top * 16..(top + 1) * 16]
}

/// The power steps left, as the status scalar shows them.
fn power_left(env: &VecEnv) -> u8 {
    *env.obs().last().unwrap()
}

/// Steps `actions`; returns the step (1-based) at which the episode ended, if it did.
fn play(env: &mut VecEnv, actions: impl IntoIterator<Item = u8>) -> Option<usize> {
    for (i, a) in actions.into_iter().enumerate() {
        env.step(&[a]).unwrap();
        if env.terminated()[0] {
            return Some(i + 1);
        }
    }
    None
}

#[test]
fn orbs_pay_and_the_last_one_clears_the_level() {
    let mut env = env();
    env.reset_env_to_level(0, corridor(Difficulty::MIN, true)).unwrap();
    for x in 2..14 {
        env.step(&[RIGHT]).unwrap();
        assert_eq!(env.reward()[0], 0.1, "the orb at x = {x}");
        assert_eq!(row(&env, 5, 2)[x - 1], Tile::Empty as u8, "the orb behind is gone");
        assert_eq!(row(&env, 5, 2)[x + 1], Tile::Gem as u8, "the orb ahead is still there");
    }
    env.step(&[RIGHT]).unwrap();
    assert!(env.terminated()[0] && env.infos()[0].episode_success);
    assert!((env.reward()[0] - 10.1).abs() < 1e-5, "the last orb and the clear reward: {}", env.reward()[0]);
}

#[test]
fn a_hunting_enemy_kills_and_moves_slower_than_the_player() {
    for (d, steps) in [(Difficulty::MIN, 26..=26), (Difficulty::MAX, 17..=18)] {
        let mut level = corridor(d, false);
        level.spawns.push(Spawn::at_tile(SpawnKind::Enemy, 14, 2));
        let mut env = env();
        env.reset_env_to_level(0, level).unwrap();
        let speed = Knobs::at(d).enemy_speed;
        let ended = play(&mut env, [NOOP; 40]).expect("the enemy comes");
        assert!(steps.contains(&ended), "at {d} ({speed} cells a step) 13 cells took {ended} steps");
        assert!(!env.infos()[0].episode_success);
        assert_eq!(env.reward()[0], 0.0);
    }
    // Walking into it is as deadly.
    let mut level = corridor(Difficulty::MIN, false);
    level.spawns.push(Spawn::at_tile(SpawnKind::Enemy, 14, 2));
    let mut env = env();
    env.reset_env_to_level(0, level).unwrap();
    assert!(play(&mut env, [RIGHT; 10]).is_some());
    assert!(!env.infos()[0].episode_success);
}

#[test]
fn a_power_orb_turns_the_enemies_which_can_be_eaten_and_come_back_at_their_den() {
    let mut level = corridor(Difficulty::MIN, false);
    level.spawns.push(Spawn::at_tile(SpawnKind::PowerOrb, 2, 2));
    level.spawns.push(Spawn::at_tile(SpawnKind::Enemy, 14, 2));
    let power = Knobs::at(Difficulty::MIN).power_steps;
    let mut env = env();
    env.reset_env_to_level(0, level).unwrap();
    assert_eq!((row(&env, 5, 2)[14], power_left(&env)), (HUNTING, 0));
    env.step(&[RIGHT]).unwrap();
    assert_eq!(env.reward()[0], 0.1, "a power orb counts as an orb");
    assert_eq!(power_left(&env) as u16, power - 1);
    assert!(row(&env, 5, 2).contains(&FLEEING), "the enemy flees");
    // Cornered at the corridor's end, the enemy is eaten.
    let mut eaten_at = None;
    for step in 0..20 {
        env.step(&[RIGHT]).unwrap();
        assert!(!env.terminated()[0]);
        if env.reward()[0] >= 1.0 {
            assert_eq!(env.reward()[0], 1.0, "the bonus for a fleeing enemy");
            eaten_at = Some(step);
            break;
        }
    }
    assert!(eaten_at.is_some(), "the player caught the fleeing enemy");
    assert!(!row(&env, 5, 2).iter().any(|&id| id == HUNTING || id == FLEEING), "an eaten enemy is gone");
    // Walk away from the den; the enemy comes back there, hunting, after 30 steps.
    let mut back_after = None;
    for step in 1..=40 {
        env.step(&[LEFT]).unwrap();
        if row(&env, 5, 2)[14] != Tile::Empty as u8 {
            back_after = Some(step);
            break;
        }
    }
    assert_eq!(back_after, Some(30));
    assert_eq!(row(&env, 5, 2)[14], HUNTING, "it comes back hunting while power lasts");
    assert!(power_left(&env) > 0);
}

/// A T: a corridor down from (8, 1) to a crossing corridor along row 5 (x = 1 to 14); the
/// agent at (1, 5), an orb at (14, 5), the enemy at the top.
fn tee(d: Difficulty, seed: u64, power_orb: bool) -> Level {
    let mut level = Level::filled(chaser::NAME, seed, d, 16, 7, Tile::Wall);
    (1..15).for_each(|x| level.set(x, 5, Tile::Empty));
    (1..5).for_each(|y| level.set(8, y, Tile::Empty));
    level.set(14, 5, Tile::Gem);
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 5));
    level.spawns.push(Spawn::at_tile(SpawnKind::Enemy, 8, 1));
    if power_orb {
        level.spawns.push(Spawn::at_tile(SpawnKind::PowerOrb, 2, 5));
    }
    level
}

/// Share of 200 level seeds in which the enemy, past the crossing, went toward the agent (left).
fn share_turning_left(d: Difficulty, power_orb: bool, steps: usize) -> f64 {
    let mut env = env();
    let mut left = 0;
    for seed in 0..200 {
        env.reset_env_to_level(0, tee(d, seed, power_orb)).unwrap();
        let first = if power_orb { RIGHT } else { NOOP };
        play(&mut env, std::iter::once(first).chain([NOOP; 40]).take(steps));
        let crossing = row(&env, 7, 5);
        let at = crossing.iter().position(|&id| id == HUNTING || id == FLEEING).expect("the enemy is on the crossing");
        assert_ne!(at, 8, "the enemy has left the crossing");
        left += usize::from(at < 8);
    }
    left as f64 / 200.0
}

#[test]
fn enemies_aim_at_the_player_at_junctions_and_away_from_it_when_fleeing() {
    // Hunting: toward the agent with chance aim, else a random way (half of them left).
    let (easy, hard) = (share_turning_left(Difficulty::MIN, false, 10), share_turning_left(Difficulty::MAX, false, 7));
    assert!((0.62..=0.88).contains(&easy), "aim 0.5 should turn left about 75% of the time: {easy}");
    assert!(hard > 0.88 && hard > easy, "aim 0.9 should turn left about 95% of the time: {hard}");
    // Fleeing (a power orb on the first step): away from the agent, mostly right.
    let fleeing = share_turning_left(Difficulty::MAX, true, 14);
    assert!(fleeing < 0.12, "fleeing enemies should turn left about 5% of the time: {fleeing}");
}

#[test]
fn power_wears_off_and_enemies_hunt_again() {
    let d = Difficulty::MAX;
    let power = Knobs::at(d).power_steps as usize;
    let mut env = env();
    env.reset_env_to_level(0, tee(d, 3, true)).unwrap();
    env.step(&[RIGHT]).unwrap();
    for left in (0..power - 1).rev() {
        let enemy = |env: &VecEnv| (0..7).flat_map(|y| row(env, 7, y).to_vec()).find(|&id| id >= HUNTING);
        assert_eq!(enemy(&env), Some(FLEEING), "{left} steps of power to go");
        env.step(&[LEFT]).unwrap();
        assert_eq!(power_left(&env) as usize, left);
        if left == 0 {
            assert_eq!(enemy(&env), Some(HUNTING));
        }
    }
}

#[test]
fn levels_with_an_enemy_near_the_spawn_or_an_unreachable_orb_are_refused() {
    let mut env = env();
    let mut near = corridor(Difficulty::MIN, false);
    near.spawns.push(Spawn::at_tile(SpawnKind::Enemy, 6, 2));
    let err = env.reset_env_to_level(0, near).unwrap_err().to_string();
    assert!(err.contains("5 steps from the agent"), "{err}");
    let mut walled = corridor(Difficulty::MIN, false);
    walled.set(10, 2, Tile::Wall);
    walled.set(12, 2, Tile::Gem);
    let err = env.reset_env_to_level(0, walled).unwrap_err().to_string();
    assert!(err.contains("cannot be reached"), "{err}");
}
