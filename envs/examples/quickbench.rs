use ludica_envs::*;
fn main() {
    for (obs, threads) in [(ObsKind::Symbolic, 1), (ObsKind::Rgb, 1), (ObsKind::Symbolic, 2), (ObsKind::Rgb, 2)] {
        let mut env = VecEnv::new(VecEnvConfig {
            game: "maze".into(),
            num_envs: 256,
            num_threads: threads,
            obs,
            ..Default::default()
        })
        .unwrap();
        let mut rng = 12345u64;
        let mut actions = vec![0u8; 256];
        let steps = 2000;
        let t = std::time::Instant::now();
        for _ in 0..steps {
            for a in actions.iter_mut() {
                rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                *a = ((rng >> 33) % 5) as u8;
            }
            env.step(&actions).unwrap();
        }
        let dt = t.elapsed().as_secs_f64();
        println!("{obs} threads={threads}: {:.0} steps/s", steps as f64 * 256.0 / dt);
    }
}
