//! The heist game's rules on hand-built levels: a key opens only its colour's door and is used
//! up doing it, without it a door is a wall (the wrong key does nothing), keys held show in the status scalars, the gem
//! wins; and the generator's shortest ways win in the game.

mod common;

use ludica_envs::games::heist::GAME;

use ludica_envs::{ObsKind, VecEnv};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile, heist};

const LEFT: u8 = 1;
const RIGHT: u8 = 2;

fn env(difficulty: Difficulty) -> VecEnv {
    common::one_env(heist::NAME, difficulty, ObsKind::Symbolic)
}

/// A 16 x 5 corridor along row 2: the green key at x = 1, the agent at 2, the red key at 4,
/// the green door at 5, the red door at 8 and the gem at 14.
fn corridor() -> Level {
    let mut level = Level::filled(heist::NAME, 4, Difficulty::MIN, 16, 5, Tile::Wall);
    (1..15).for_each(|x| level.set(x, 2, Tile::Empty));
    level.set(5, 2, Tile::GreenDoor);
    level.set(8, 2, Tile::RedDoor);
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 2, 2));
    level.spawns.push(Spawn::at_tile(SpawnKind::Key, 1, 2).with_variant(1));
    level.spawns.push(Spawn::at_tile(SpawnKind::Key, 4, 2).with_variant(0));
    level.spawns.push(Spawn::at_tile(SpawnKind::Goal, 14, 2));
    level
}

/// The x of the agent in the symbolic grid's row 2 of the level (the level sits in the
/// 16 x 16 frame with 5 rows of padding above).
fn agent_x(env: &VecEnv) -> usize {
    let row = &env.obs()[(5 + 2) * 16..(5 + 3) * 16];
    row.iter()
        .position(|&id| id == ludica_envs::core::engine::symbolic::entity_id(SpawnKind::Agent, 0))
        .expect("agent in view")
}

/// The red, green and blue key scalars.
fn keys(env: &VecEnv) -> [u8; 3] {
    let obs = env.obs();
    obs[obs.len() - 3..].try_into().unwrap()
}

fn walk(env: &mut VecEnv, actions: &[u8]) {
    for &a in actions {
        env.step(&[a]).unwrap();
        assert!(!env.terminated()[0], "the episode ended early");
        assert_eq!(env.reward()[0], 0.0, "only the gem pays");
    }
}

#[test]
fn a_key_opens_only_its_colours_door_and_is_used_up() {
    let mut env = env(Difficulty::MIN);
    env.reset_env_to_level(0, corridor()).unwrap();
    assert_eq!(keys(&env), [0, 0, 0]);
    walk(&mut env, &[RIGHT, RIGHT]);
    assert_eq!((agent_x(&env), keys(&env)), (4, [1, 0, 0]), "picked up the red key");
    walk(&mut env, &[RIGHT, RIGHT]);
    assert_eq!(agent_x(&env), 4, "the red key does not open the green door: it is a wall");
    assert_eq!(env.level(0).unwrap().tile(5, 2), Tile::GreenDoor);
    assert_eq!(keys(&env), [1, 0, 0], "bumping a door keeps the key");
    walk(&mut env, &[LEFT, LEFT, LEFT]);
    assert_eq!((agent_x(&env), keys(&env)), (1, [1, 1, 0]), "picked up the green key");
    walk(&mut env, &[RIGHT, RIGHT, RIGHT, RIGHT]);
    assert_eq!(agent_x(&env), 5, "the green key opened the green door and the agent walked in");
    assert_eq!(env.level(0).unwrap().tile(5, 2), Tile::Empty);
    assert_eq!(env.obs()[(5 + 2) * 16 + 6], Tile::Empty as u8, "the grid shows floor past the door");
    assert_eq!(keys(&env), [1, 0, 0], "the green key is used up");
    walk(&mut env, &[RIGHT, RIGHT, RIGHT]);
    assert_eq!((agent_x(&env), keys(&env)), (8, [0, 0, 0]), "the red door opened, the red key is gone");
    walk(&mut env, &[LEFT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT]);
    assert_eq!(agent_x(&env), 13);
    env.step(&[RIGHT]).unwrap();
    assert!(env.terminated()[0] && env.infos()[0].episode_success);
    assert_eq!(env.reward()[0], 10.0, "the gem pays the success reward");
}

#[test]
fn levels_whose_doors_can_be_bypassed_or_lack_keys_are_refused() {
    let mut env = env(Difficulty::MIN);
    let mut bypass = corridor();
    (1..15).for_each(|x| bypass.set(x, 3, Tile::Empty));
    let err = env.reset_env_to_level(0, bypass).unwrap_err().to_string();
    assert!(err.contains("without opening the"), "{err}");
    let mut keyless = corridor();
    keyless.spawns.retain(|s| s.kind != SpawnKind::Key || s.variant != 0);
    let err = env.reset_env_to_level(0, keyless).unwrap_err().to_string();
    assert!(err.contains("one red door and one red key"), "{err}");
}

#[test]
fn the_generators_shortest_ways_win_in_the_game() {
    for (_, d) in ludica_procgen::PRESETS {
        let d = Difficulty::new(d).unwrap();
        let mut env = env(d);
        for seed in 0..100 {
            env.reset_env_to_seed(0, seed).unwrap();
            let way = heist::check(&env.level(0).unwrap()).unwrap();
            for (i, step) in way.windows(2).enumerate() {
                let action = match (step[1].0 as i64 - step[0].0 as i64, step[1].1 as i64 - step[0].1 as i64) {
                    (-1, 0) => 1,
                    (1, 0) => 2,
                    (0, -1) => 3,
                    _ => 4,
                };
                env.step(&[action]).unwrap();
                let last = i + 2 == way.len();
                assert_eq!(env.terminated()[0], last, "seed {seed} at {d}: step {i} of {}", way.len() - 1);
            }
            assert!(env.infos()[0].episode_success, "seed {seed} at {d}");
        }
    }
}

#[test]
fn observation_shapes() {
    assert_eq!(GAME.obs_shape(ObsKind::Rgb), vec![64, 64, 3]);
    assert_eq!(GAME.obs_shape(ObsKind::Symbolic), vec![16 * 16 + 3]);
}
