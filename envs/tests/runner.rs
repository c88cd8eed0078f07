//! The runner game end to end: the generator's solutions win in the game (solver and game
//! share one integrator), deaths by lava, pits and saws, determinism on 1 and 2 threads,
//! save/load mid-episode, and the observation shapes.

mod common;

use common::play;
use ludica_envs::core::engine::symbolic::entity_id;
use ludica_envs::games::runner::GAME;
use ludica_envs::{AutoReset, LevelSpec, ObsKind, VecEnv, VecEnvConfig};
use ludica_procgen::seeds::{Stream, stream};
use ludica_procgen::{Difficulty, Level, Spawn, SpawnKind, Tile, runner};
use rand::RngExt;

const RIGHT: u8 = GAME.action("right");
const JUMP: u8 = GAME.action("jump");

fn env(num_envs: usize, threads: usize, obs: ObsKind, difficulty: Difficulty) -> VecEnv {
    VecEnv::new(VecEnvConfig {
        game: "runner".into(),
        num_envs,
        num_threads: threads,
        num_shards: 0,
        obs,
        levels: LevelSpec { difficulty, ..LevelSpec::default() },
        view: ludica_envs::ViewMode::Full,
        autoreset: AutoReset::NextStep,
        seed: 3,
    })
    .unwrap()
}

#[test]
fn the_solvers_actions_win_in_the_game_on_400_levels() {
    for d in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let d = Difficulty::new(d).unwrap();
        let mut env = env(1, 1, ObsKind::Symbolic, d);
        for seed in 0..80 {
            env.reset_env_to_seed(0, seed).unwrap();
            let path = runner::check(&env.level(0).unwrap()).unwrap();
            let end = play(&mut env, &path);
            let (steps, success) = end.unwrap_or_else(|| panic!("seed {seed} at {d}: still running after the path"));
            assert!(success, "seed {seed} at {d}: died after {steps} of {} steps", path.len());
            assert_eq!(env.reward()[0], 10.0);
            assert!(env.terminated()[0] && !env.truncated()[0]);
            assert!(steps + 5 >= path.len(), "the goal is no nearer than the solver thought");
        }
    }
}

/// A 24 x 8 runner level: floor on row 6, agent at column 1, goal at column 22.
fn flat_level() -> Level {
    let mut level = Level::filled(runner::NAME, 9, Difficulty::MIN, 24, 8, Tile::Empty);
    (0..24).for_each(|x| (6..8).for_each(|y| level.set(x, y, Tile::Wall)));
    level.spawns.push(Spawn::at_tile(SpawnKind::Agent, 1, 5));
    level.spawns.push(Spawn::at_tile(SpawnKind::Goal, 22, 5));
    level
}

/// Holds right in `level` until the episode ends; returns (steps, success).
fn run_right(level: Level) -> (usize, bool) {
    let mut env = env(1, 1, ObsKind::Rgb, Difficulty::MIN);
    env.reset_env_to_level(0, level).unwrap();
    play(&mut env, &[RIGHT; 300]).expect("the episode ends")
}

#[test]
fn running_right_reaches_the_goal_on_flat_ground() {
    let (steps, success) = run_right(flat_level());
    assert!(success);
    assert!((70..100).contains(&steps), "about 20 tiles at a quarter tile a step: {steps}");
}

#[test]
fn lava_pits_and_saws_kill() {
    let mut lava = flat_level();
    lava.set(8, 6, Tile::Lava);
    let mut pit = flat_level();
    (8..10).for_each(|x| (0..8).for_each(|y| pit.set(x, y, Tile::Empty)));
    let mut saw = flat_level();
    saw.spawns.push(Spawn::at_tile(SpawnKind::Saw, 8, 5));
    let mut patrol = flat_level();
    patrol.set(12, 5, Tile::Wall);
    patrol.set(16, 5, Tile::Wall);
    patrol.spawns.push(Spawn { kind: SpawnKind::Saw, x: 13.5, y: 5.5, vx: 0.1, vy: 0.0, variant: 0 });
    for (what, level) in [("lava", lava), ("pit", pit), ("saw", saw)] {
        let (steps, success) = run_right(level);
        assert!(!success, "{what}");
        assert!(steps < 60, "{what}: died late, after {steps} steps");
    }
    // Running into the patrol's first stump stops the runner short of the saw: no death.
    let mut env = env(1, 1, ObsKind::Rgb, Difficulty::MIN);
    env.reset_env_to_level(0, patrol).unwrap();
    assert_eq!(play(&mut env, &[RIGHT; 300]), None);
}

#[test]
fn jumping_works_only_from_the_ground() {
    let mut env = env(1, 1, ObsKind::Symbolic, Difficulty::MIN);
    env.reset_env_to_level(0, flat_level()).unwrap();
    let vel_y = |env: &VecEnv| env.obs()[env.obs_len() - 1];
    play(&mut env, &[GAME.action("noop"); 10]);
    assert_eq!(vel_y(&env), 128, "standing still");
    play(&mut env, &[JUMP]);
    assert!(vel_y(&env) < 128 - 50, "a jump sets off upwards: {}", vel_y(&env));
    let rising = vel_y(&env);
    play(&mut env, &[JUMP]);
    assert_eq!(vel_y(&env), rising + 5, "jumping again in the air only lets gravity act (0.04 x 128)");
}

#[test]
fn observation_shapes_and_symbolic_contents() {
    assert_eq!(GAME.obs_shape(ObsKind::Rgb), vec![64, 64, 3]);
    assert_eq!(GAME.obs_shape(ObsKind::Symbolic), vec![16 * 16 + 4]);
    let rgb = env(2, 1, ObsKind::Rgb, Difficulty::EASY);
    assert_eq!(rgb.obs().len(), 2 * 64 * 64 * 3);

    let mut sym = env(1, 1, ObsKind::Symbolic, Difficulty::MIN);
    sym.reset_env_to_level(0, flat_level()).unwrap();
    let obs = sym.obs();
    assert_eq!(obs.len(), 260);
    let (grid, scalars) = obs.split_at(256);
    // The level is 8 rows tall: the 16-row window is centred on it, 4 rows of wall above.
    assert!(grid[..16 * 4].iter().all(|&id| id == Tile::Wall as u8));
    let agent_cell = (4 + 5) * 16 + 1;
    assert_eq!(grid[agent_cell], entity_id(SpawnKind::Agent, 0));
    assert_eq!(grid[agent_cell + 16], Tile::Wall as u8, "the floor under the agent");
    assert_eq!(scalars, &[128, 128, 128, 128], "centred in its tile, still");
}

/// Obs bytes of 4 envs over 300 steps of mostly-rightward random actions.
fn trajectory(threads: usize, obs: ObsKind) -> Vec<u8> {
    let mut env = env(4, threads, obs, Difficulty::HARD);
    let mut rng = stream(17, Stream::Behaviour);
    let mut bytes = Vec::new();
    for _ in 0..300 {
        let actions: Vec<u8> = (0..4)
            .map(|_| if rng.random_bool(0.6) { RIGHT + 3 * rng.random_range(0..2) } else { rng.random_range(0..6) })
            .collect();
        env.step(&actions).unwrap();
        bytes.extend_from_slice(env.obs());
        bytes.extend(env.reward().iter().flat_map(|r| r.to_le_bytes()));
        bytes.extend(env.terminated().iter().map(|&t| t as u8));
    }
    bytes
}

#[test]
fn same_seed_and_actions_give_the_same_bytes_on_1_and_2_threads() {
    for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
        assert_eq!(trajectory(1, obs), trajectory(2, obs), "{obs}");
    }
}

#[test]
fn a_state_saved_mid_episode_replays_identically_and_still_wins() {
    let d = Difficulty::HARD;
    let seed = (0..100).find(|&s| runner::generate(s, d).meta["moving_saws"] >= 2.0).expect("some level has patrols");
    for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
        let mut env = env(1, 1, obs, d);
        env.reset_env_to_seed(0, seed).unwrap();
        let path = runner::check(&env.level(0).unwrap()).unwrap();
        // Save just before a jump from the ground, so a lost `grounded` flag would show.
        let split = path.iter().enumerate().position(|(i, &a)| a >= 3 && i > path.len() / 3).unwrap();
        assert_eq!(play(&mut env, &path[..split]), None);
        let saved = env.save_state(0).unwrap();
        let follow = |env: &mut VecEnv| {
            let mut frames = Vec::new();
            for &a in &path[split..] {
                env.step(&[a]).unwrap();
                frames.extend_from_slice(env.obs());
                if env.terminated()[0] {
                    return (frames, env.infos()[0].episode_success);
                }
            }
            (frames, false)
        };
        let (first, won) = follow(&mut env);
        assert!(won, "{obs}");
        env.load_state(0, &saved).unwrap();
        assert_eq!(follow(&mut env), (first, true), "{obs}: replay after load");
    }
}
