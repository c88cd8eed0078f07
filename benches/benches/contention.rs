//! Stepping on a busy machine: while one CPU-bound process per core spins (as another user's
//! job, or a trainer's own libtorch threads, would), every game and observation kind steps at
//! 8, 64 and 256 envs on 1 and on 2 threads. Two threads must never be much slower than one:
//! a hand-over to a worker that the OS cannot schedule must not stall the step.
//!
//! ```sh
//! cargo bench -p ludica-benches --bench contention -- --warm-up-time 1 --measurement-time 2
//! ```

use std::process::{Child, Command};

use criterion::Criterion;

mod common;

/// One busy-looping shell per core, each ending by itself if this process dies; killed when
/// dropped.
struct Busy(Vec<Child>);

impl Busy {
    fn start() -> Busy {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let loop_while_parent_lives = "while kill -0 $PPID 2>/dev/null; do :; done";
        Busy(
            (0..cores)
                .map(|_| Command::new("sh").args(["-c", loop_while_parent_lives]).spawn().expect("sh can start"))
                .collect(),
        )
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn step_under_contention(c: &mut Criterion) {
    let mut group = c.benchmark_group("step_contended");
    for num_envs in [8, 64, 256] {
        common::one_and_two_threads(&mut group, num_envs);
    }
    group.finish();
}

fn main() {
    let busy = Busy::start();
    let mut criterion = Criterion::default().configure_from_args();
    step_under_contention(&mut criterion);
    drop(busy);
    criterion.final_summary();
}
