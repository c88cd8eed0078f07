//! Env steps per second of CPU time of the stepping thread, for one game and observation kind
//! (256 envs unless told, one thread, easy levels, seeded random actions): the best of five chunks, so
//! that a busy machine (other processes taking turns on the cores) disturbs it less than a
//! wall-clock figure. For comparing two builds back to back.
//!
//! ```sh
//! cargo run --release -p ludica-benches --example cpu_step_rate -- starpilot rgb [steps [envs]]
//! ```

use ludica_benches::{RandomActions, vec_env};
use ludica_envs::ObsKind;
use ludica_envs::games::GAMES;

const DEFAULT_ENVS: usize = 256;
const CHUNKS: usize = 5;
const WARM_UP_STEPS: usize = 100;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let fail = |message: String| -> ! {
        eprintln!("error: {message}");
        std::process::exit(2)
    };
    let [game, obs, rest @ ..] = args.as_slice() else {
        fail("usage: cpu_step_rate GAME rgb|symbolic [STEPS [ENVS]]".into())
    };
    let Some(game) = GAMES.iter().find(|g| g.name == game) else {
        let names: Vec<&str> = GAMES.iter().map(|g| g.name).collect();
        fail(format!("unknown game '{game}': allowed are {}", names.join(", ")))
    };
    let obs: ObsKind = obs.parse().unwrap_or_else(|e| fail(format!("{e}")));
    let steps: usize = match rest.first() {
        None => 3_000,
        Some(s) => s
            .parse()
            .ok()
            .filter(|&n| n >= CHUNKS)
            .unwrap_or_else(|| fail(format!("steps must be a whole number of at least {CHUNKS}, got '{s}'"))),
    };
    let envs: usize = match rest.get(1) {
        None => DEFAULT_ENVS,
        Some(s) => s
            .parse()
            .ok()
            .filter(|n| (1..=4_096).contains(n))
            .unwrap_or_else(|| fail(format!("envs must be a whole number from 1 to 4096, got '{s}'"))),
    };
    let mut env = vec_env(game.name, envs, 1, obs);
    let mut actions = RandomActions::new(envs, game.actions.len());
    for _ in 0..WARM_UP_STEPS {
        env.step(actions.next_batch()).expect("valid actions");
    }
    let per_chunk = steps / CHUNKS;
    let best = (0..CHUNKS)
        .map(|_| {
            let start = thread_cpu_ns();
            for _ in 0..per_chunk {
                env.step(actions.next_batch()).expect("valid actions");
            }
            (per_chunk * envs) as f64 / ((thread_cpu_ns() - start) as f64 * 1e-9)
        })
        .fold(0.0, f64::max);
    println!("{} {obs} {best:.0}", game.name);
}

/// Nanoseconds this thread has run on a CPU (Linux: /proc/thread-self/schedstat).
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").expect("Linux exposes schedstat");
    stat.split_whitespace().next().and_then(|ns| ns.parse().ok()).expect("schedstat starts with run time in ns")
}
