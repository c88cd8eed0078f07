//! Env-step throughput: every game and observation kind, 256 envs on one thread, and the
//! VecEnv's scaling from 1 to 2 threads at 64 and at 256 envs. Throughput is in env-steps.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ludica_benches::{RandomActions, vec_env};
use ludica_envs::ObsKind;
use ludica_envs::games::GAMES;

const NUM_ENVS: usize = 256;

fn step_one_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_256_envs_1_thread");
    group.throughput(Throughput::Elements(NUM_ENVS as u64));
    for game in GAMES {
        for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
            let mut env = vec_env(game.name, NUM_ENVS, 1, obs);
            let mut actions = RandomActions::new(NUM_ENVS, game.actions.len());
            group.bench_function(format!("{}/{obs}", game.name), |b| {
                b.iter(|| env.step(actions.next_batch()).expect("valid actions"))
            });
        }
    }
    group.finish();
}

fn thread_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_scaling");
    for num_envs in [64, NUM_ENVS] {
        common::one_and_two_threads(&mut group, num_envs);
    }
    group.finish();
}

criterion_group!(benches, step_one_thread, thread_scaling);
criterion_main!(benches);
