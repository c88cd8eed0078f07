//! Resident memory of VecEnvs (not a criterion bench: it reads /proc/self/status). For each
//! game and observation kind, a fresh process builds 1,024 envs, steps them 2,000 times, and
//! prints its resident set before and after, in MiB.

use ludica_benches::{RandomActions, resident_mib, vec_env};
use ludica_envs::ObsKind;
use ludica_envs::games::GAMES;

const NUM_ENVS: usize = 1024;

/// Measures one configuration in this process.
fn measure(game: &str, obs: ObsKind) {
    let before = resident_mib();
    let mut env = vec_env(game, NUM_ENVS, 2, obs);
    let mut actions = RandomActions::new(NUM_ENVS, env.game().actions.len());
    for _ in 0..2_000 {
        env.step(actions.next_batch()).expect("valid actions");
    }
    let after = resident_mib();
    println!("{game} {obs} {NUM_ENVS} {before:.1} {after:.1} {:.1}", after - before);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--one") {
        let obs = args[pos + 2].parse().expect("the parent passes a valid obs kind");
        measure(&args[pos + 1], obs);
        return;
    }
    println!("game obs num_envs rss_before_mib rss_after_mib delta_mib");
    let me = std::env::current_exe().expect("the bench knows its own path");
    for game in GAMES {
        for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
            let status = std::process::Command::new(&me)
                .args(["--one", game.name, &obs.to_string()])
                .status()
                .expect("the bench can run itself");
            assert!(status.success(), "measuring {} {obs} failed", game.name);
        }
    }
}
