//! The miner game's rules on hand-built levels: digging, walls, gems and their reward, the
//! exit that opens only when no gem is left, boulders that rest on the miner's head, fall,
//! crush and roll, pushing, and generated levels that are safe to stand in.

mod common;

use ludica_envs::core::engine::symbolic::entity_id;
use ludica_envs::games::miner::GAME;

use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile, miner};

const NOOP: u8 = 0;
const LEFT: u8 = 1;
const RIGHT: u8 = 2;
const UP: u8 = 3;
const DOWN: u8 = 4;

fn env(difficulty: Difficulty) -> VecEnv {
    common::one_env(miner::NAME, difficulty, ObsKind::Symbolic)
}

/// A level from rows of tile characters, 'A' the agent and 'X' the exit (on empty tiles).
fn level(rows: &[&str]) -> Level {
    let mut level = Level::filled(miner::NAME, 4, Difficulty::MIN, rows[0].len(), rows.len(), Tile::Empty);
    for (y, row) in rows.iter().enumerate() {
        for (x, c) in row.chars().enumerate() {
            match c {
                'A' => level.spawns.insert(0, Spawn::at_tile(SpawnKind::Agent, x, y)),
                'X' => level.spawns.push(Spawn::at_tile(SpawnKind::Exit, x, y)),
                _ => level.set(x, y, Tile::from_char(c).expect("a tile character")),
            }
        }
    }
    level
}

/// An env playing `rows`.
fn playing(rows: &[&str]) -> VecEnv {
    let mut env = env(Difficulty::MIN);
    env.reset_env_to_level(0, level(rows)).unwrap();
    env
}

/// Steps `actions`; the rewards of each step, stopping after the step that ends the episode.
fn play(env: &mut VecEnv, actions: &[u8]) -> Vec<f32> {
    let mut rewards = Vec::new();
    for &a in actions {
        env.step(&[a]).unwrap();
        rewards.push(env.reward()[0]);
        if env.terminated()[0] || env.truncated()[0] {
            break;
        }
    }
    rewards
}

/// The symbolic id at tile (`x`, `y`) of env 0's level (centred in the 16-tile frame).
fn id_at(env: &VecEnv, x: usize, y: usize) -> u8 {
    let level = env.level(0).unwrap();
    let margin = |extent: usize| (miner::MAX_SIDE - extent) / 2;
    env.obs()[(y + margin(level.height)) * miner::MAX_SIDE + x + margin(level.width)]
}

fn gems_left(env: &VecEnv) -> u8 {
    env.obs()[env.obs_len() - 1]
}

const AGENT: u8 = entity_id(SpawnKind::Agent, 0);

/// Agent at (1, 1); dirt to its right, a wall below, two gems, the exit at the bottom right.
const ROOM: [&str; 6] = ["######", "#A%*%#", "##%%%#", "#%%%%#", "#*%%X#", "######"];

#[test]
fn digging_empties_dirt_and_walls_stop_the_miner() {
    assert_eq!(GAME.obs_shape(ObsKind::Symbolic), vec![16 * 16 + 1]);
    let mut env = playing(&ROOM);
    assert_eq!(id_at(&env, 1, 1), AGENT);
    play(&mut env, &[DOWN, LEFT, UP]);
    assert_eq!(id_at(&env, 1, 1), AGENT, "walls all round: it has not moved");
    play(&mut env, &[RIGHT]);
    assert_eq!(id_at(&env, 2, 1), AGENT);
    assert_eq!(id_at(&env, 1, 1), Tile::Empty as u8);
    play(&mut env, &[DOWN]);
    assert_eq!(id_at(&env, 2, 1), Tile::Empty as u8, "the dirt it dug stays dug");
}

#[test]
fn gems_pay_and_count_down_and_the_exit_opens_only_when_none_is_left() {
    let mut env = playing(&ROOM);
    assert_eq!(gems_left(&env), 2, "known from the first observation");
    assert_eq!(play(&mut env, &[RIGHT, RIGHT]), [0.0, 1.0], "a gem pays 1");
    assert_eq!(gems_left(&env), 1);
    // Down to the closed exit's row and onto it: nothing happens.
    assert_eq!(play(&mut env, &[RIGHT, DOWN, DOWN, DOWN]), [0.0; 4]);
    assert_eq!(id_at(&env, 4, 4), AGENT);
    assert!(!env.terminated()[0]);
    assert_eq!(play(&mut env, &[LEFT, LEFT, LEFT]), [0.0, 0.0, 1.0], "the second gem");
    assert_eq!(gems_left(&env), 0);
    assert_eq!(id_at(&env, 4, 4), entity_id(SpawnKind::Goal, 0), "the exit is open");
    let rewards = play(&mut env, &[RIGHT, RIGHT, RIGHT]);
    assert_eq!(rewards, [0.0, 0.0, 10.0]);
    assert!(env.terminated()[0] && env.infos()[0].episode_success);
}

/// Agent at (1, 4); a boulder at (3, 1) over dirt, empty cells along the bottom.
const QUARRY: [&str; 7] = ["#######", "#%%O%%#", "#%%%%%#", "#%%%%%#", "#A...*#", "#%%%%X#", "#######"];

#[test]
fn a_boulder_rests_on_the_miners_head_then_falls_and_crushes() {
    let mut env = playing(&QUARRY);
    // Under the boulder, dig up twice: it rests on the miner's head.
    play(&mut env, &[RIGHT, RIGHT, UP, UP]);
    assert_eq!(id_at(&env, 3, 2), AGENT);
    assert_eq!(play(&mut env, &[NOOP; 20]), [0.0; 20], "a resting boulder does not crush");
    assert_eq!(id_at(&env, 3, 1), Tile::Boulder as u8);
    // Step down: the boulder starts to fall after the miner; staying under it is death.
    play(&mut env, &[DOWN]);
    assert_eq!(id_at(&env, 3, 2), Tile::Boulder as u8, "it fell one cell");
    play(&mut env, &[NOOP]);
    assert!(env.terminated()[0] && !env.infos()[0].episode_success, "crushed");
}

#[test]
fn stepping_aside_from_a_falling_boulder_saves_the_miner() {
    let mut env = playing(&QUARRY);
    play(&mut env, &[RIGHT, RIGHT, UP, UP, DOWN, DOWN, RIGHT]);
    assert!(!env.terminated()[0]);
    play(&mut env, &[NOOP; 5]);
    assert!(!env.terminated()[0]);
    assert_eq!(id_at(&env, 3, 4), Tile::Boulder as u8, "it fell to the bottom row, where the miner was");
}

#[test]
fn a_falling_gem_crushes_too() {
    let mut env = playing(&["######", "#A%*%#", "#%%%%#", "#%%%%#", "#%%%X#", "######"]);
    play(&mut env, &[DOWN, DOWN, RIGHT, RIGHT, UP]);
    assert_eq!(id_at(&env, 3, 2), AGENT, "under the gem");
    play(&mut env, &[DOWN, NOOP]);
    assert!(env.terminated()[0] && !env.infos()[0].episode_success);
}

#[test]
fn still_boulders_can_be_pushed_into_empty_cells_only() {
    let mut env = playing(&["#######", "#AO.%*#", "#%%%%X#", "#######"]);
    play(&mut env, &[RIGHT]);
    assert_eq!((id_at(&env, 2, 1), id_at(&env, 3, 1)), (AGENT, Tile::Boulder as u8), "pushed");
    play(&mut env, &[RIGHT]);
    assert_eq!(id_at(&env, 2, 1), AGENT, "dirt beyond: it does not budge");
    assert_eq!(id_at(&env, 3, 1), Tile::Boulder as u8);
}

#[test]
fn boulders_roll_off_boulders_into_the_open() {
    // A boulder on a boulder: it rolls left once the miner has dug out both cells there.
    let mut env = playing(&["#######", "#A%O%*#", "#%%O%%#", "#%%%%X#", "#######"]);
    play(&mut env, &[DOWN, RIGHT, UP]);
    assert_eq!(id_at(&env, 3, 1), Tile::Boulder as u8, "the miner stands where it would roll");
    play(&mut env, &[LEFT]);
    assert_eq!(id_at(&env, 2, 1), Tile::Boulder as u8, "rolled left");
    assert_eq!(id_at(&env, 3, 1), Tile::Empty as u8);
    play(&mut env, &[NOOP]);
    assert_eq!(id_at(&env, 2, 2), Tile::Boulder as u8, "then fell");
    assert_eq!(id_at(&env, 3, 2), Tile::Boulder as u8, "the bottom one stayed");
    assert!(!env.terminated()[0]);
}

#[test]
fn generated_levels_are_safe_to_stand_in() {
    for d in [Difficulty::EASY, Difficulty::HARD, Difficulty::MAX] {
        let mut env = env(d);
        for seed in 0..20 {
            env.reset_env_to_seed(0, seed).unwrap();
            let expected = env.level(0).unwrap().tiles.iter().filter(|&&t| t == Tile::Gem).count();
            assert_eq!(gems_left(&env) as usize, expected);
            let rewards = play(&mut env, &[NOOP; 200]);
            assert_eq!(rewards.len(), 200, "seed {seed} at {d}: standing still ended the episode");
        }
    }
}
