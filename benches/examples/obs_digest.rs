//! Prints a digest of every game's observations, rewards and episode ends over a fixed run
//! (seeded random actions, both observation kinds), one line per game and kind. Run it before
//! and after a change to rendering or stepping: equal digests mean byte-identical output.
//!
//! ```sh
//! cargo run --release -p ludica-benches --example obs_digest -- [steps]
//! ```

use std::hash::{DefaultHasher, Hasher};

use ludica_benches::{RandomActions, vec_env};
use ludica_envs::ObsKind;
use ludica_envs::games::GAMES;

const NUM_ENVS: usize = 32;
const DEFAULT_STEPS: usize = 2_000;

fn main() {
    let steps = match std::env::args().nth(1) {
        None => DEFAULT_STEPS,
        Some(arg) => arg.parse().unwrap_or_else(|_| {
            eprintln!("error: steps must be a whole number, got {arg:?}");
            std::process::exit(2)
        }),
    };
    for game in GAMES {
        for obs in [ObsKind::Rgb, ObsKind::Symbolic] {
            let mut env = vec_env(game.name, NUM_ENVS, 1, obs);
            let mut actions = RandomActions::new(NUM_ENVS, game.actions.len());
            let mut hasher = DefaultHasher::new();
            hasher.write(env.obs());
            for _ in 0..steps {
                env.step(actions.next_batch()).expect("valid actions");
                hasher.write(env.obs());
                env.reward().iter().for_each(|r| hasher.write_u32(r.to_bits()));
                env.terminated()
                    .iter()
                    .zip(env.truncated())
                    .for_each(|(&a, &b)| hasher.write_u8(a as u8 | (b as u8) << 1));
            }
            println!("{:<10} {:<8} {:016x}", game.name, obs.to_string(), hasher.finish());
        }
    }
}
