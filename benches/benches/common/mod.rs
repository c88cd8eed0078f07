//! What the thread benches share: every game and observation kind stepped at one env count on
//! 1 and on 2 threads, named `{game}/{obs}/{num_envs}_envs/{threads}_threads`.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Throughput};
use ludica_benches::{RandomActions, vec_env};
use ludica_envs::ObsKind;
use ludica_envs::games::GAMES;

/// Adds to `group` every game and observation kind at `num_envs` envs on 1 and 2 threads.
pub fn one_and_two_threads(group: &mut BenchmarkGroup<'_, WallTime>, num_envs: usize) {
    group.throughput(Throughput::Elements(num_envs as u64));
    for game in GAMES {
        for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
            for threads in [1, 2] {
                let mut env = vec_env(game.name, num_envs, threads, obs);
                let mut actions = RandomActions::new(num_envs, game.actions.len());
                group.bench_function(format!("{}/{obs}/{num_envs}_envs/{threads}_threads", game.name), |b| {
                    b.iter(|| env.step(actions.next_batch()).expect("valid actions"))
                });
            }
        }
    }
}
