//! Level generation and env reset: levels per second for each game's generator at the easy
//! and hard presets, and the cost of starting a new episode in a 256-env VecEnv.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ludica_benches::vec_env;
use ludica_envs::ObsKind;
use ludica_envs::games::GAMES;
use ludica_procgen::Difficulty;
use std::hint::black_box;

fn generate(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate_level");
    group.throughput(Throughput::Elements(1));
    for game in GAMES {
        for (name, d) in [("easy", Difficulty::EASY), ("hard", Difficulty::HARD)] {
            let mut seed = 0u64;
            group.bench_function(format!("{}/{name}", game.name), |b| {
                b.iter(|| {
                    seed += 1;
                    black_box(game.level(seed, d))
                })
            });
        }
    }
    group.finish();
}

fn reset_one_env(c: &mut Criterion) {
    let mut group = c.benchmark_group("reset_env_in_256");
    group.throughput(Throughput::Elements(1));
    for game in GAMES {
        for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
            let mut env = vec_env(game.name, 256, 1, obs);
            let mut n = 0u64;
            group.bench_function(format!("{}/{obs}", game.name), |b| {
                b.iter_batched(
                    || {
                        n += 1;
                        ((n % 256) as usize, n)
                    },
                    |(i, seed)| env.reset_env_to_seed(i, seed).expect("valid env"),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    group.finish();
}

criterion_group!(benches, generate, reset_one_env);
criterion_main!(benches);
