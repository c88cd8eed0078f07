//! Behaviour of the VecEnv for every registered game: determinism across thread counts, shard
//! counts and shard neighbours (full and local views), both auto-reset modes, time-limit truncation, explicit levels,
//! save/load state and seeded level generation (panics inside a game: `vec_env.rs`'s unit
//! tests).

use ludica_envs::games::GAMES;
use ludica_envs::{AutoReset, GameDef, LevelSpec, ObsKind, VecEnv, VecEnvConfig, VecEnvError, ViewMode};
use ludica_procgen::seeds::{Stream, stream};
use ludica_procgen::{Difficulty, PRESETS, Rng};
use rand::RngExt;

fn config(game: &GameDef, num_envs: usize, threads: usize, obs: ObsKind) -> VecEnvConfig {
    VecEnvConfig {
        game: game.name.into(),
        num_envs,
        num_threads: threads,
        num_shards: 0,
        obs,
        levels: LevelSpec { num_levels: 0, start_level: 0, sequential: false, difficulty: Difficulty::EASY },
        view: ViewMode::Full,
        autoreset: AutoReset::NextStep,
        seed: 11,
    }
}

fn random_actions(rng: &mut Rng, game: &GameDef, n: usize) -> Vec<u8> {
    (0..n).map(|_| rng.random_range(0..game.actions.len() as u8)).collect()
}

/// Observation, reward, terminated and truncated bytes of each step, per env.
fn trajectory(mut cfg: VecEnvConfig, steps: usize) -> Vec<Vec<u8>> {
    let game = ludica_envs::games::find(&cfg.game).unwrap();
    cfg.seed = 5;
    let mut env = VecEnv::new(cfg).unwrap();
    let mut rng = stream(99, Stream::Behaviour);
    let mut per_env = vec![Vec::new(); env.num_envs()];
    let len = env.obs_len();
    for _ in 0..steps {
        let actions = random_actions(&mut rng, game, env.num_envs());
        env.step(&actions).unwrap();
        for (i, bytes) in per_env.iter_mut().enumerate() {
            bytes.extend_from_slice(&env.obs()[i * len..(i + 1) * len]);
            bytes.extend_from_slice(&env.reward()[i].to_le_bytes());
            bytes.push(env.terminated()[i] as u8);
            bytes.push(env.truncated()[i] as u8);
        }
    }
    per_env
}

/// `config` with `shards` shards (0: the VecEnv chooses).
fn sharded(game: &GameDef, num_envs: usize, threads: usize, shards: usize, obs: ObsKind) -> VecEnvConfig {
    VecEnvConfig { num_shards: shards, ..config(game, num_envs, threads, obs) }
}

#[test]
fn same_seed_same_bytes_on_any_thread_count_and_shard_layout() {
    for game in GAMES {
        for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
            let one = trajectory(sharded(game, 8, 1, 1, obs), 600);
            // (threads, shards): the default layouts, more shards than threads, one env per
            // shard, and several shards on one thread.
            for (threads, shards) in [(2, 0), (4, 0), (2, 3), (2, 8), (1, 5)] {
                let other = trajectory(sharded(game, 8, threads, shards, obs), 600);
                assert!(one == other, "{} {obs}: {threads} threads, {shards} shards differ", game.name);
            }
            assert!(one.windows(2).any(|w| w[0] != w[1]), "{}: envs should not all be alike", game.name);
        }
    }
}

#[test]
fn the_local_view_plays_the_same_bytes_on_any_thread_count_and_shard_layout() {
    for game in GAMES {
        for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
            let local =
                |threads, shards| VecEnvConfig { view: ViewMode::Local, ..sharded(game, 8, threads, shards, obs) };
            let one = trajectory(local(1, 1), 200);
            for (threads, shards) in [(2, 3), (3, 8)] {
                assert!(
                    one == trajectory(local(threads, shards), 200),
                    "{} {obs} local: {threads} threads differ",
                    game.name
                );
            }
            assert!(one != trajectory(sharded(game, 8, 1, 1, obs), 200), "{} {obs}: local plays like full", game.name);
        }
    }
}

#[test]
fn many_envs_spread_over_threads_play_the_same_bytes_as_on_one() {
    // Several shards per thread: resets always spread over the helper threads, and a VecEnv
    // tries its steps both alone and spread (keeping spreading while it is faster), so this
    // exercises the hand-over to the helpers.
    for game in GAMES {
        let one = trajectory(sharded(game, 96, 1, 1, ObsKind::Rgb), 40);
        let spread = VecEnv::new(sharded(game, 96, 2, 0, ObsKind::Rgb)).unwrap();
        assert!(spread.num_shards() > 2, "{}: {} shards", game.name, spread.num_shards());
        assert!(one == trajectory(sharded(game, 96, 2, 0, ObsKind::Rgb), 40), "{}: 2 threads differ", game.name);
        assert!(one == trajectory(sharded(game, 96, 3, 7, ObsKind::Rgb), 40), "{}: 3 threads differ", game.name);
    }
}

#[test]
fn an_env_alone_and_among_resetting_neighbours_plays_the_same_bytes() {
    for game in GAMES {
        for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
            // Every episode of every env plays level 42, so env 0 of a lone VecEnv and env 5 of
            // a crowded one see the same levels; neighbours reset at other times.
            let mut lone_cfg = config(game, 1, 1, obs);
            lone_cfg.levels.num_levels = 1;
            lone_cfg.levels.start_level = 42;
            let mut crowd_cfg = lone_cfg.clone();
            crowd_cfg.num_envs = 9;
            crowd_cfg.num_threads = 2;
            let mut lone = VecEnv::new(lone_cfg).unwrap();
            let mut crowd = VecEnv::new(crowd_cfg).unwrap();
            let mut rng = stream(3, Stream::Behaviour);
            let len = lone.obs_len();
            let mut neighbour_resets = 0;
            for step in 0..1500 {
                let mut actions = random_actions(&mut rng, game, 9);
                if step % 37 == 0 {
                    for i in [1, 4, 6, 8] {
                        crowd.reset_env_to_seed(i, step as u64).unwrap();
                        neighbour_resets += 1;
                    }
                }
                lone.step(&actions[5..6]).unwrap();
                actions.truncate(9);
                crowd.step(&actions).unwrap();
                assert_eq!(lone.obs(), &crowd.obs()[5 * len..6 * len], "{} {obs}: step {step}", game.name);
                assert_eq!(lone.reward()[0], crowd.reward()[5]);
                assert_eq!(lone.terminated()[0], crowd.terminated()[5]);
            }
            assert!(neighbour_resets > 100);
        }
    }
}

/// Steps random actions until some env's episode ends; returns the env and the obs before
/// that step.
fn run_until_an_episode_ends(env: &mut VecEnv, rng: &mut Rng) -> usize {
    let game = env.game();
    for _ in 0..5_000 {
        let actions = random_actions(rng, game, env.num_envs());
        env.step(&actions).unwrap();
        if let Some(i) = (0..env.num_envs()).find(|&i| env.terminated()[i] || env.truncated()[i]) {
            return i;
        }
    }
    panic!("{}: no episode ended in 5000 steps", game.name);
}

#[test]
fn next_step_autoreset_starts_the_new_episode_on_the_following_step() {
    for game in GAMES {
        let mut env = VecEnv::new(config(game, 16, 2, ObsKind::Symbolic)).unwrap();
        let mut rng = stream(1, Stream::Behaviour);
        let i = run_until_an_episode_ends(&mut env, &mut rng);
        let info = env.infos()[i];
        assert!(info.episode_done && info.episode_length > 0, "{info:?}");
        // Pickups may pay on a losing step, never the success reward.
        assert_eq!(info.episode_success, env.terminated()[i] && env.reward()[i] >= game.success_reward);
        assert_eq!(info.level_seed, info.episode_level_seed, "the level changes only on the next step");
        let ended_level = env.level(i).unwrap();

        let actions = random_actions(&mut rng, game, env.num_envs());
        env.step(&actions).unwrap();
        let info = env.infos()[i];
        assert!(!env.terminated()[i] && !env.truncated()[i] && env.reward()[i] == 0.0);
        assert!(!info.episode_done);
        let new_level = env.level(i).unwrap();
        assert_eq!(info.level_seed, new_level.seed);
        assert_ne!(new_level.seed, ended_level.seed);

        // The reset step shows the first observation of the new level: an env reset to it
        // explicitly shows the same bytes.
        let len = env.obs_len();
        let reset_obs = env.obs()[i * len..(i + 1) * len].to_vec();
        let mut fresh = VecEnv::new(config(game, 1, 1, ObsKind::Symbolic)).unwrap();
        fresh.reset_env_to_seed(0, new_level.seed).unwrap();
        assert_eq!(fresh.obs(), &reset_obs[..], "{}", game.name);
    }
}

#[test]
fn same_step_autoreset_returns_the_new_episode_and_keeps_the_final_obs() {
    for game in GAMES {
        let mut next_cfg = config(game, 16, 2, ObsKind::Rgb);
        let mut same_cfg = next_cfg.clone();
        same_cfg.autoreset = AutoReset::SameStep;
        next_cfg.num_threads = 1;
        let mut next = VecEnv::new(next_cfg).unwrap();
        let mut same = VecEnv::new(same_cfg).unwrap();
        let mut rng_a = stream(2, Stream::Behaviour);
        let mut rng_b = stream(2, Stream::Behaviour);
        let i = run_until_an_episode_ends(&mut next, &mut rng_a);
        let j = run_until_an_episode_ends(&mut same, &mut rng_b);
        assert_eq!(i, j, "the same seeds end the same episode first");
        let len = next.obs_len();
        assert_eq!(
            &same.final_obs()[i * len..(i + 1) * len],
            &next.obs()[i * len..(i + 1) * len],
            "final obs is the last frame"
        );
        assert_eq!(same.reward()[i], next.reward()[i]);
        assert_eq!(same.infos()[i].episode_return, next.infos()[i].episode_return);
        assert_ne!(same.infos()[i].level_seed, same.infos()[i].episode_level_seed, "already on the new level");
        // The next-step env shows the new level one step later; its first frame is the one
        // the same-step env already returned.
        let actions = random_actions(&mut rng_a, game, 16);
        next.step(&actions).unwrap();
        assert_eq!(&same.obs()[i * len..(i + 1) * len], &next.obs()[i * len..(i + 1) * len], "{}", game.name);
    }
}

#[test]
fn noop_forever_is_truncated_at_the_time_limit() {
    for game in GAMES {
        let mut env = VecEnv::new(config(game, 4, 1, ObsKind::Symbolic)).unwrap();
        let mut steps = 0;
        let noop = game.action("noop");
        while !(env.terminated()[0] || env.truncated()[0]) {
            env.step(&[noop; 4]).unwrap();
            steps += 1;
            assert!(steps <= game.max_steps, "{}: not cut at {}", game.name, game.max_steps);
        }
        if env.truncated()[0] {
            assert_eq!(steps, game.max_steps);
            assert!(!env.terminated()[0]);
            assert_eq!(env.infos()[0].episode_length, game.max_steps);
        }
    }
}

#[test]
fn save_and_load_state_replay_identically_in_any_slot() {
    for game in GAMES {
        for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
            let mut env = VecEnv::new(config(game, 4, 2, obs)).unwrap();
            let mut rng = stream(7, Stream::Behaviour);
            for _ in 0..20 {
                env.step(&random_actions(&mut rng, game, 4)).unwrap();
            }
            let saved = env.save_state(1).unwrap();
            let len = env.obs_len();
            let obs_at_save = env.obs()[len..2 * len].to_vec();
            let plan: Vec<Vec<u8>> = (0..60).map(|_| random_actions(&mut rng, game, 4)).collect();
            let play = |env: &mut VecEnv, slot: usize| -> Vec<u8> {
                let mut bytes = Vec::new();
                for a in &plan {
                    let mut actions = a.clone();
                    actions[slot] = a[1];
                    env.step(&actions).unwrap();
                    bytes.extend_from_slice(&env.obs()[slot * len..(slot + 1) * len]);
                    bytes.extend_from_slice(&env.reward()[slot].to_le_bytes());
                }
                bytes
            };
            let first = play(&mut env, 1);
            env.load_state(1, &saved).unwrap();
            assert_eq!(&env.obs()[len..2 * len], &obs_at_save[..]);
            assert_eq!(play(&mut env, 1), first, "{} {obs}: replay in the same slot", game.name);
            env.load_state(3, &saved).unwrap();
            assert_eq!(play(&mut env, 3), first, "{} {obs}: replay in another slot", game.name);
        }
    }
}

#[test]
fn bad_input_is_refused_with_the_value_named() {
    let game = GAMES[0];
    let err = |cfg: VecEnvConfig| VecEnv::new(cfg).err().expect("must fail").to_string();
    let mut cfg = config(game, 4, 1, ObsKind::Rgb);
    cfg.game = "pacman".into();
    assert!(err(cfg.clone()).contains("unknown game 'pacman'") && err(cfg).contains("maze"));
    assert!(err(config(game, 0, 1, ObsKind::Rgb)).contains("num_envs must be at least 1, got 0"));
    assert!(err(config(game, 2, 0, ObsKind::Rgb)).contains("num_threads"));
    let mut cfg = config(game, 2, 1, ObsKind::Rgb);
    cfg.levels.start_level = u64::MAX;
    assert!(err(cfg).contains("start_level=18446744073709551615"));

    let mut env = VecEnv::new(config(game, 2, 1, ObsKind::Rgb)).unwrap();
    let n = game.actions.len();
    assert_eq!(env.step(&[0]), Err(VecEnvError::ActionCount { got: 1, want: 2 }));
    let msg = env.step(&[0, n as u8]).unwrap_err().to_string();
    assert!(msg.contains(&format!("action {n} for env 1")), "{msg}");
    assert!(env.reset_env_to_seed(2, 0).unwrap_err().to_string().contains("env index 2"));
    let mut foreign = game.level(1, Difficulty::EASY);
    foreign.game = "other".into();
    assert!(env.reset_env_to_level(0, foreign).unwrap_err().to_string().contains("for game 'other'"));
}

#[test]
fn reset_with_a_seed_replays_the_same_levels() {
    for game in GAMES {
        let mut env = VecEnv::new(config(game, 6, 2, ObsKind::Symbolic)).unwrap();
        env.reset(Some(123)).unwrap();
        let first: Vec<u64> = env.infos().iter().map(|i| i.level_seed).collect();
        let obs = env.obs().to_vec();
        env.step(&[game.action("noop"); 6]).unwrap();
        env.reset(Some(123)).unwrap();
        assert_eq!(env.infos().iter().map(|i| i.level_seed).collect::<Vec<_>>(), first);
        assert_eq!(env.obs(), &obs[..]);
        env.reset(Some(124)).unwrap();
        assert_ne!(env.infos().iter().map(|i| i.level_seed).collect::<Vec<_>>(), first);
    }
}

#[test]
fn every_generator_repeats_a_seed_and_varies_between_seeds() {
    for game in GAMES {
        for (preset, value) in PRESETS {
            let d = Difficulty::new(value).unwrap();
            assert_eq!(game.level(3, d), game.level(3, d), "{} {preset}: same seed, same level", game.name);
            let differ = (4..8).filter(|&s| game.level(s, d).to_ascii() != game.level(3, d).to_ascii()).count();
            assert!(differ >= 3, "{} {preset}: seeds 4..8 give the grid of seed 3 too often", game.name);
            assert_eq!(game.level(3, d).game, game.name);
        }
    }
}

#[test]
fn finite_level_sets_replay_their_generated_levels_episode_after_episode() {
    // Small level sets are generated once per shard and reused: every episode must still
    // play exactly the generator's level of its seed.
    for game in GAMES {
        let mut cfg = config(game, 4, 2, ObsKind::Symbolic);
        cfg.levels = LevelSpec { num_levels: 3, start_level: 40, sequential: false, difficulty: Difficulty::HARD };
        cfg.autoreset = AutoReset::SameStep;
        let mut env = VecEnv::new(cfg).unwrap();
        env.reset(None).unwrap();
        let mut rng = stream(9, Stream::Behaviour);
        let mut episodes = 0;
        for _ in 0..game.max_steps + 1 {
            env.step(&random_actions(&mut rng, game, 4)).unwrap();
            for i in 0..4 {
                if env.terminated()[i] || env.truncated()[i] {
                    episodes += 1;
                    let level = env.level(i).unwrap();
                    assert!((40..43).contains(&level.seed), "{}: seed {}", game.name, level.seed);
                    assert_eq!(level, game.level(level.seed, Difficulty::HARD), "{} seed {}", game.name, level.seed);
                }
            }
        }
        assert!(episodes >= 4, "{}: only {episodes} episodes ended", game.name);
    }
}
