//! `Crew`: the helper threads a VecEnv owns, private to it. The caller posts one job per call
//! and works on it too; helpers that are awake join in, and a helper that the OS has not
//! scheduled yet is never waited for: once the caller has run out of work it closes the job,
//! and a helper arriving late finds it closed and goes back to waiting. Only helpers that
//! actually took part are waited for, which is what keeps stepping on two threads from
//! collapsing when another process holds the cores (a rayon scope must wait for every job it
//! spawned, started or not; docs/benchmarks.md has the side-by-side figures that led here).
//!
//! Helpers spin for a short while after each job, so back-to-back steps hand over in well
//! under a microsecond, then sleep (`park`), so an idle VecEnv costs nothing.
//!
//! The crate is otherwise free of `unsafe`; the one block here erases the lifetime of the
//! posted job, and its comment gives the argument.

#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a helper spins for the next job before it sleeps.
const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(100);

/// A job as the helpers see it: a reference whose real lifetime is one [`Crew::run`] call.
#[derive(Clone, Copy)]
struct Posted(&'static (dyn Fn() + Sync));

/// What the caller and the helpers share.
struct Shared {
    /// Job number times two, plus one while that job is open to helpers.
    state: AtomicU64,
    /// The open job (`None` between jobs).
    job: Mutex<Option<Posted>>,
    /// Helpers between announcing themselves for a job and leaving it.
    inside: AtomicUsize,
    /// Helpers asleep, or about to sleep.
    sleepers: AtomicUsize,
    /// Set when the crew is dropped.
    stop: AtomicBool,
}

/// Helper threads that join the caller's work, one job at a time.
pub(crate) struct Crew {
    shared: Arc<Shared>,
    helpers: Vec<JoinHandle<()>>,
}

impl Crew {
    /// Starts `helpers` threads, named `{name}-1`, `{name}-2`, ...
    pub(crate) fn new(helpers: usize, name: &str) -> std::io::Result<Crew> {
        let shared = Arc::new(Shared {
            state: AtomicU64::new(0),
            job: Mutex::new(None),
            inside: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let mut crew = Crew { shared, helpers: Vec::with_capacity(helpers) };
        for k in 1..=helpers {
            let shared = Arc::clone(&crew.shared);
            // On failure, dropping `crew` stops the helpers already started.
            let handle = std::thread::Builder::new().name(format!("{name}-{k}")).spawn(move || help(&shared))?;
            crew.helpers.push(handle);
        }
        Ok(crew)
    }

    /// Runs `job` on the caller's thread and on every helper that is ready for it, and returns
    /// once the caller's run has returned and no helper is still inside `job`. `job` must
    /// share its work out (each piece to one thread) and return when none is left: a helper
    /// may run it at any time while it is open, or not at all.
    pub(crate) fn run(&mut self, job: &(dyn Fn() + Sync)) {
        // SAFETY: the `'static` reference is only called by a helper that first counted
        // itself into `inside` and then saw `state` still open for this job (both SeqCst).
        // `_closing` closes the job and waits until `inside` is zero before this function
        // returns or unwinds, so in the one total order of SeqCst operations every helper
        // either entered before the close (and is waited for) or sees the job closed and
        // never calls it. The slot is emptied before returning, so no copy outlives `job`.
        let posted = Posted(unsafe { std::mem::transmute::<&(dyn Fn() + Sync), &'static (dyn Fn() + Sync)>(job) });
        *self.shared.job.lock().unwrap_or_else(PoisonError::into_inner) = Some(posted);
        let _closing = Closing(&self.shared);
        self.shared.state.fetch_add(1, SeqCst);
        if self.shared.sleepers.load(SeqCst) > 0 {
            for helper in &self.helpers {
                helper.thread().unpark();
            }
        }
        job();
    }
}

impl Drop for Crew {
    fn drop(&mut self) {
        self.shared.stop.store(true, SeqCst);
        for helper in self.helpers.drain(..) {
            helper.thread().unpark();
            // A helper never panics outside the jobs, whose panics the jobs catch.
            let _ = helper.join();
        }
    }
}

/// Closes the open job when dropped, then waits for the helpers inside it to leave.
struct Closing<'a>(&'a Shared);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.state.fetch_add(1, SeqCst);
        let mut spins = 0u32;
        while self.0.inside.load(SeqCst) != 0 {
            spins += 1;
            if spins.is_multiple_of(64) {
                // A helper can be descheduled between counting itself in and checking the
                // state; let it run.
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
        *self.0.job.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// A helper's life: wait for a job it has not seen, run it if still open, repeat.
fn help(shared: &Shared) {
    let mut seen = 0;
    while let Some(open) = next_job(shared, seen) {
        shared.inside.fetch_add(1, SeqCst);
        if shared.state.load(SeqCst) == open {
            let posted = *shared.job.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(Posted(job)) = posted {
                job();
            }
        }
        shared.inside.fetch_sub(1, SeqCst);
        seen = open;
    }
}

/// The state of the next open job other than `seen`, spinning a while and then sleeping for
/// it; `None` once the crew stops.
fn next_job(shared: &Shared, seen: u64) -> Option<u64> {
    let fresh = |state: u64| state % 2 == 1 && state != seen;
    let start = Instant::now();
    let mut spins = 0u32;
    loop {
        if shared.stop.load(SeqCst) {
            return None;
        }
        let state = shared.state.load(SeqCst);
        if fresh(state) {
            return Some(state);
        }
        spins += 1;
        if !spins.is_multiple_of(256) {
            std::hint::spin_loop();
            continue;
        }
        if start.elapsed() < SPIN_BEFORE_SLEEP {
            // On a machine whose cores are all busy, give them up now and then.
            std::thread::yield_now();
            continue;
        }
        // Announce the sleep before the last look, so that a caller opening a job either is
        // seen here or sees this helper asleep and wakes it (park keeps an early unpark).
        shared.sleepers.fetch_add(1, SeqCst);
        let state = shared.state.load(SeqCst);
        if !fresh(state) && !shared.stop.load(SeqCst) {
            std::thread::park();
        }
        shared.sleepers.fetch_sub(1, SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn every_piece_runs_once_whoever_takes_it_and_the_crew_stops_when_dropped() {
        let mut crew = Crew::new(3, "crew-test").unwrap();
        for round in 0..2000usize {
            let next = AtomicUsize::new(0);
            let done: Vec<AtomicUsize> = (0..16).map(|_| AtomicUsize::new(0)).collect();
            crew.run(&|| {
                loop {
                    let piece = next.fetch_add(1, Ordering::Relaxed);
                    let Some(slot) = done.get(piece) else { break };
                    slot.fetch_add(1, Ordering::Relaxed);
                }
            });
            assert!(done.iter().all(|d| d.load(Ordering::Relaxed) == 1), "round {round}");
            if round % 500 == 0 {
                // Let the helpers fall asleep, so that waking them is exercised too.
                std::thread::sleep(SPIN_BEFORE_SLEEP * 3);
            }
        }
    }
}
