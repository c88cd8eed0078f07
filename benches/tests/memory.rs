//! Resident memory must not grow with the number of episodes played: resets despawn and
//! respawn entities, and a standalone bevy World keeps a record of despawned components until
//! it is cleared. Alone in its file, so no other test shares the process's memory.

use ludica_benches::resident_mib;
use ludica_envs::games::GAMES;
use ludica_envs::{AutoReset, LevelSpec, ObsKind, VecEnv, VecEnvConfig, ViewMode};
use ludica_procgen::seeds::{Stream, stream};
use rand::RngExt;

#[test]
#[cfg(target_os = "linux")]
fn memory_stays_flat_over_thousands_of_episodes() {
    // The game with the most entities per level and the shortest random episodes.
    let game = GAMES.iter().find(|g| g.name == "starpilot").expect("starpilot is registered");
    let n = 512;
    let mut env = VecEnv::new(VecEnvConfig {
        game: game.name.into(),
        num_envs: n,
        num_threads: 1,
        num_shards: 0,
        obs: ObsKind::Symbolic,
        levels: LevelSpec::default(),
        view: ViewMode::Full,
        autoreset: AutoReset::SameStep,
        seed: 3,
    })
    .unwrap();
    let mut rng = stream(5, Stream::Behaviour);
    let mut actions = vec![0u8; n];
    let mut play = |env: &mut VecEnv, steps: usize| -> usize {
        let mut episodes = 0;
        for _ in 0..steps {
            actions.iter_mut().for_each(|a| *a = rng.random_range(0..game.actions.len() as u8));
            env.step(&actions).unwrap();
            episodes += env.terminated().iter().chain(env.truncated()).filter(|&&d| d).count();
        }
        episodes
    };
    play(&mut env, 200);
    let before = resident_mib();
    let episodes = play(&mut env, 1500);
    let grown = resident_mib() - before;
    assert!(episodes > 5_000, "only {episodes} episodes: the test needs many resets");
    assert!(grown < 8.0, "resident memory grew by {grown:.1} MiB over {episodes} episodes");
}
