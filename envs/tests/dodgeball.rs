//! The dodgeball game's rules on hand-built rooms: a thrown ball knocks an enemy out and pays,
//! one ball knocks out one enemy, balls die on walls, throws wait for the reload, the exit
//! opens only once every enemy is out and then wins, enemy balls and enemy touches kill, and
//! standing still at the spawn of generated levels is safe for the promised steps.

mod common;

use ludica_envs::core::engine::symbolic::entity_id;

use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::{Difficulty, Level, PRESETS, Spawn, SpawnKind, Tile, dodgeball};

const NOOP: u8 = 0;
const RIGHT: u8 = 2;
const UP: u8 = 3;
const DOWN_RIGHT: u8 = 8;
const FIRE: u8 = 9;
/// Room used by the tests: 12 x 10, so the 16 x 16 symbolic grid has 2 columns and 3 rows of margin.
const W: usize = 12;
const H: usize = 10;
const MARGIN: (usize, usize) = (2, 3);
/// Symbolic scalar bytes after the 256-cell grid.
const ENEMIES_LEFT: usize = 258;
const FACING: usize = 259;
const RELOAD: usize = 260;

fn env(obs: ObsKind, difficulty: Difficulty) -> VecEnv {
    common::one_env(dodgeball::NAME, difficulty, obs)
}

/// An open 12 x 10 room at difficulty 0: the agent at (2, 5), the exit at (10, 1), enemies
/// and extra wall cells where given.
fn room(enemies: &[(usize, usize)], walls: &[(usize, usize)]) -> Level {
    let mut level = Level::filled(dodgeball::NAME, 4, Difficulty::MIN, W, H, Tile::Wall);
    (1..H - 1).for_each(|y| (1..W - 1).for_each(|x| level.set(x, y, Tile::Empty)));
    walls.iter().for_each(|&(x, y)| level.set(x, y, Tile::Wall));
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 2, 5));
    level.spawns.extend(enemies.iter().map(|&(x, y)| Spawn::at_tile(SpawnKind::Enemy, x, y)));
    level.spawns.push(Spawn::at_tile(SpawnKind::Exit, 10, 1));
    dodgeball::check(&level).expect("test rooms keep the guarantees");
    level
}

/// A symbolic env playing `level`.
fn play(level: Level) -> VecEnv {
    let mut env = env(ObsKind::Symbolic, Difficulty::MIN);
    env.reset_env_to_level(0, level).unwrap();
    env
}

/// The symbolic grid cell of level tile (x, y).
fn cell(x: usize, y: usize) -> usize {
    (y + MARGIN.1) * 16 + x + MARGIN.0
}

/// How many grid cells show `kind`.
fn shown(env: &VecEnv, kind: SpawnKind) -> usize {
    env.obs()[..256].iter().filter(|&&id| id == entity_id(kind, 0)).count()
}

/// The level tile holding the player's centre.
fn player_tile(env: &VecEnv) -> (usize, usize) {
    let i = env.obs()[..256].iter().position(|&id| id == entity_id(SpawnKind::Agent, 0)).expect("the player is shown");
    (i % 16 - MARGIN.0, i / 16 - MARGIN.1)
}

/// Steps `action` up to `steps` times; returns the total reward and whether the episode ended.
fn hold(env: &mut VecEnv, action: u8, steps: usize) -> (f32, bool) {
    let mut total = 0.0;
    for _ in 0..steps {
        env.step(&[action]).unwrap();
        total += env.reward()[0];
        if env.terminated()[0] || env.truncated()[0] {
            return (total, true);
        }
    }
    (total, false)
}

#[test]
fn a_ball_knocks_out_an_enemy_then_the_open_exit_wins() {
    let mut env = play(room(&[(9, 5)], &[]));
    assert_eq!(env.obs()[ENEMIES_LEFT], 1, "the first observation counts the enemies");
    assert_eq!(env.obs()[cell(10, 1)], entity_id(SpawnKind::Exit, 0), "the exit starts closed");
    assert_eq!(hold(&mut env, FIRE, 1), (0.0, false));
    assert_eq!(shown(&env, SpawnKind::Shot), 1, "a ball flies");
    let (reward, ended) = hold(&mut env, NOOP, 20);
    assert_eq!((reward, ended), (1.0, false), "the knockout pays");
    assert_eq!((shown(&env, SpawnKind::Enemy), shown(&env, SpawnKind::Shot)), (0, 0), "enemy and ball are gone");
    assert_eq!(env.obs()[ENEMIES_LEFT], 0);
    assert_eq!(env.obs()[cell(10, 1)], entity_id(SpawnKind::Goal, 0), "the exit is open");
    // Walk to the exit.
    for _ in 0..200 {
        let (x, y) = player_tile(&env);
        let action = if y > 1 {
            UP
        } else if x < 10 {
            RIGHT
        } else {
            NOOP
        };
        env.step(&[action]).unwrap();
        if env.terminated()[0] {
            break;
        }
    }
    assert!(env.terminated()[0] && env.infos()[0].episode_success);
    assert_eq!(env.reward()[0], 10.0);
}

#[test]
fn the_closed_exit_is_only_a_marker() {
    // The player walks over the closed exit and on; the episode goes on.
    let mut level = room(&[(9, 8)], &[]);
    level.spawns[0] = Spawn::at_tile(SpawnKind::Agent, 2, 1);
    level.spawns.last_mut().unwrap().x = 4.5;
    let mut env = play(level);
    assert_eq!(hold(&mut env, RIGHT, 30), (0.0, false));
    assert!(player_tile(&env).0 > 5, "the player passed the exit at x = 4");
}

#[test]
fn one_ball_knocks_out_one_enemy() {
    let mut env = play(room(&[(8, 5), (10, 5)], &[]));
    hold(&mut env, FIRE, 1);
    let (reward, _) = hold(&mut env, NOOP, 30);
    assert_eq!(reward, 1.0);
    assert_eq!((env.obs()[ENEMIES_LEFT], shown(&env, SpawnKind::Enemy)), (1, 1));
    assert_eq!(env.obs()[cell(10, 1)], entity_id(SpawnKind::Exit, 0), "still closed");
}

#[test]
fn balls_die_on_walls() {
    let mut env = play(room(&[(9, 5)], &[(5, 4), (5, 5), (5, 6)]));
    hold(&mut env, FIRE, 1);
    assert_eq!(shown(&env, SpawnKind::Shot), 1);
    let (reward, _) = hold(&mut env, NOOP, 6);
    assert_eq!((reward, shown(&env, SpawnKind::Shot)), (0.0, 0), "the wall stopped the ball");
    assert_eq!(hold(&mut env, NOOP, 20).0, 0.0, "and the enemy behind it stands");
}

#[test]
fn throws_wait_for_the_reload_and_follow_the_facing() {
    let mut env = play(room(&[(9, 8)], &[]));
    assert_eq!(env.obs()[FACING], 0, "facing right, into the room");
    hold(&mut env, FIRE, 1);
    assert_eq!(env.obs()[RELOAD], 10);
    hold(&mut env, FIRE, 1);
    assert_eq!((shown(&env, SpawnKind::Shot), env.obs()[RELOAD]), (1, 9), "no second ball while reloading");
    hold(&mut env, DOWN_RIGHT, 1);
    assert_eq!(env.obs()[FACING], 1, "facing down-right");
    hold(&mut env, NOOP, 20);
    assert_eq!((env.obs()[RELOAD], shown(&env, SpawnKind::Shot)), (0, 0), "reloaded; the first ball hit the far wall");
    let before = player_tile(&env);
    hold(&mut env, FIRE, 1);
    hold(&mut env, NOOP, 2);
    let i = env.obs()[..256].iter().position(|&id| id == entity_id(SpawnKind::Shot, 0)).expect("a second ball");
    assert_eq!((i % 16 - MARGIN.0, i / 16 - MARGIN.1), (before.0 + 1, before.1 + 1), "it flies down-right");
}

#[test]
fn an_enemy_ball_ends_the_episode() {
    // The enemy sits in a dead-end pocket facing the player along row 5.
    let walls = [(8, 4), (9, 4), (10, 4), (8, 6), (9, 6), (10, 6)];
    let mut env = play(room(&[(10, 5)], &walls));
    let mut saw_ball = false;
    for step in 1..=400 {
        env.step(&[NOOP]).unwrap();
        if env.terminated()[0] {
            assert!(step > dodgeball::SAFE_STEPS as usize && saw_ball, "killed at step {step} by a ball");
            assert!(!env.infos()[0].episode_success);
            return;
        }
        saw_ball |= shown(&env, SpawnKind::EnemyShot) > 0;
    }
    panic!("no enemy ball hit the still player");
}

#[test]
fn touching_an_enemy_ends_the_episode() {
    let mut env = play(room(&[(8, 5)], &[]));
    let mut steps = 0;
    while !env.terminated()[0] {
        env.step(&[RIGHT]).unwrap();
        steps += 1;
        assert!(steps < dodgeball::FIRST_THROW as usize, "no touch before any enemy could throw");
    }
    assert!(!env.infos()[0].episode_success);
}

#[test]
fn standing_still_at_the_spawn_is_safe_on_generated_levels() {
    for (name, d) in PRESETS {
        let mut env = env(ObsKind::Symbolic, Difficulty::new(d).unwrap());
        for seed in 0..200 {
            env.reset_env_to_seed(0, seed).unwrap();
            let (_, ended) = hold(&mut env, NOOP, dodgeball::SAFE_STEPS as usize);
            assert!(!ended, "seed {seed} at {name}: died standing still");
        }
    }
}

#[test]
fn rgb_frames_show_the_room() {
    let mut env = env(ObsKind::Rgb, Difficulty::HARD);
    env.reset_env_to_level(0, room(&[(9, 5)], &[])).unwrap();
    let frame = env.obs().to_vec();
    assert_eq!(frame.len(), 64 * 64 * 3);
    hold(&mut env, FIRE, 1);
    assert_ne!(env.obs(), &frame[..], "the ball is drawn");
}
