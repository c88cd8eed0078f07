//! The climber game's rules: the generator's solutions climb to the star in the game (solver
//! and game share one integrator), coins pay and vanish, enemies pace their platform without
//! leaving it and kill on touch, the open bottom kills, and rocks start falling only after the
//! first steps, then kill.

mod common;

use common::{one_env, play, playing};
use ludica_envs::core::engine::symbolic::entity_id;
use ludica_envs::games::climber::GAME;
use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile, climber};

const NOOP: u8 = 0;
const LEFT: u8 = 1;
const RIGHT: u8 = 2;
const RIGHT_JUMP: u8 = 5;
const VIEW: usize = 16;

#[test]
fn the_solvers_actions_climb_to_the_star_on_90_levels() {
    for d in [Difficulty::EASY, "medium".parse().unwrap(), Difficulty::HARD] {
        let mut env = one_env(climber::NAME, d, ObsKind::Symbolic);
        for seed in 0..30 {
            // Without its rock source: rocks fall at random and the plan does not dodge them.
            let mut level = climber::generate(seed, d);
            level.spawns.retain(|s| s.kind != SpawnKind::Rock);
            let path = climber::check(&level).unwrap();
            env.reset_env_to_level(0, level).unwrap();
            let end = play(&mut env, &path);
            let (steps, success) = end.unwrap_or_else(|| panic!("seed {seed} at {d}: still running after the path"));
            assert!(success, "seed {seed} at {d}: died after {steps} of {} steps", path.len());
            assert!(env.reward()[0] >= 10.0);
        }
    }
}

/// A `width` x 8 level: a floor on row 7 over `floor` columns, the agent at column 1 and
/// the star at `goal_x`, both standing on row 6.
fn room(width: usize, floor: std::ops::Range<usize>, goal_x: usize) -> Level {
    let mut level = Level::filled(climber::NAME, 5, Difficulty::MIN, width, 8, Tile::Empty);
    floor.for_each(|x| level.set(x, 7, Tile::Wall));
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 6));
    level.spawns.push(Spawn::at_tile(SpawnKind::Goal, goal_x, 6));
    level
}

/// The symbolic grid's id at tile (`x`, `y`) of a level narrower and shorter than the view
/// (the view then centres it).
fn id_at(env: &VecEnv, level: &Level, x: usize, y: usize) -> u8 {
    let margin = |extent: usize| (VIEW - extent) / 2;
    env.obs()[(y + margin(level.height)) * VIEW + x + margin(level.width)]
}

#[test]
fn coins_pay_once_and_vanish_and_the_star_ends_with_success() {
    let mut level = room(12, 0..12, 10);
    level.spawns.push(Spawn::at_tile(SpawnKind::Coin, 4, 6));
    let mut env = playing(level.clone(), ObsKind::Symbolic);
    assert_eq!(id_at(&env, &level, 4, 6), entity_id(SpawnKind::Coin, 0));
    let mut rewards = Vec::new();
    for _ in 0..60 {
        env.step(&[RIGHT]).unwrap();
        rewards.push(env.reward()[0]);
        if env.terminated()[0] {
            break;
        }
    }
    assert_eq!(rewards.iter().filter(|&&r| r == 1.0).count(), 1, "one coin: {rewards:?}");
    assert_eq!(*rewards.last().unwrap(), 10.0, "the star");
    assert!(env.infos()[0].episode_success);
}

#[test]
fn the_open_bottom_kills() {
    let mut env = playing(room(12, 0..4, 0), ObsKind::Symbolic);
    let end = play(&mut env, &[RIGHT; 100]);
    assert_eq!(end.map(|(_, success)| success), Some(false));
}

/// A floor in two parts: the agent's (columns 0-4, the star at its left end) and an enemy's
/// (columns 7-13), over the open bottom.
fn guarded() -> Level {
    let mut level = room(14, 0..5, 0);
    (7..14).for_each(|x| level.set(x, 7, Tile::Wall));
    level.spawns[0] = Spawn::at_tile(SpawnKind::Agent, 2, 6);
    level.spawns.push(Spawn { kind: SpawnKind::Enemy, x: 10.5, y: 6.6, vx: 0.1, vy: 0.0, variant: 0 });
    level
}

#[test]
fn enemies_pace_their_platform_without_leaving_it() {
    let level = guarded();
    let mut env = playing(level.clone(), ObsKind::Symbolic);
    let enemy = entity_id(SpawnKind::Enemy, 0);
    let mut columns = std::collections::BTreeSet::new();
    for _ in 0..400 {
        play(&mut env, &[NOOP]);
        let row: Vec<u8> = (0..level.width).map(|x| id_at(&env, &level, x, 6)).collect();
        let at: Vec<usize> = (0..level.width).filter(|&x| row[x] == enemy).collect();
        assert_eq!(at.len(), 1, "one enemy on row 6: {row:?}");
        columns.insert(at[0]);
    }
    assert!(!env.terminated()[0]);
    assert_eq!(columns, (7..14).collect(), "it paces the whole platform and no further");
}

#[test]
fn touching_an_enemy_kills() {
    let level = guarded();
    let mut env = playing(level.clone(), ObsKind::Symbolic);
    // Jump over to the enemy's platform and stand there.
    let mut actions = vec![RIGHT; 6];
    actions.push(RIGHT_JUMP);
    actions.extend([RIGHT; 18]);
    actions.extend([NOOP; 12]);
    assert_eq!(play(&mut env, &actions), None);
    let cells = (0..level.height).flat_map(|y| (0..level.width).map(move |x| (x, y)));
    let agent = cells.clone().find(|&(x, y)| id_at(&env, &level, x, y) == entity_id(SpawnKind::Agent, 0));
    assert!(agent.is_some_and(|(x, y)| x >= 7 && y == 6), "on the enemy's platform: {agent:?}");
    let (_, success) = play(&mut env, &[NOOP; 200]).expect("the enemy walks into the agent");
    assert!(!success);
}

#[test]
fn rocks_fall_only_after_the_first_steps_then_kill() {
    // A level three tiles wide: every rock lands within reach of the agent.
    let mut level = room(3, 0..3, 2);
    level.spawns[0] = Spawn::at_tile(SpawnKind::Agent, 0, 6);
    level.spawns.push(Spawn { vy: climber::ROCK_SPEED, ..Spawn::at_tile(SpawnKind::Rock, 1, 0) });
    let mut env = playing(level.clone(), ObsKind::Symbolic);
    let first = climber::FIRST_ROCK_STEP as usize;
    assert_eq!(play(&mut env, &[LEFT; 60][..first]), None, "no rock falls in the first {first} steps");
    let period = climber::rock_period(level.difficulty) as usize;
    let end = play(&mut env, &vec![LEFT; 12 * period]);
    assert_eq!(end.map(|(_, success)| success), Some(false), "a rock hits the agent");
    // Without the rock source nothing falls.
    level.spawns.pop();
    let mut calm = playing(level, ObsKind::Symbolic);
    assert_eq!(play(&mut calm, &vec![LEFT; 999]), None);
}

#[test]
fn observation_shapes() {
    assert_eq!(GAME.obs_shape(ObsKind::Rgb), vec![64, 64, 3]);
    assert_eq!(GAME.obs_shape(ObsKind::Symbolic), vec![VIEW * VIEW + 4]);
}
