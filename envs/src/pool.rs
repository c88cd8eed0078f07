//! A small persistent worker pool for VecEnv: `run(job)` calls `job(k)` once for every
//! k in 0..threads, k = 0 on the calling thread, and returns when all calls are done.
//!
//! Workers spin briefly on an epoch counter before parking, so back-to-back steps hand work
//! over in well under a microsecond, while an idle pool (the trainer busy with its network)
//! costs no CPU after about 50 us.

use std::cell::UnsafeCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};

/// Spins before a worker parks (each a `spin_loop` hint, some tens of nanoseconds).
const SPINS_BEFORE_PARK: u32 = 1 << 11;

type Job = *const (dyn Fn(usize) + Sync);

struct Shared {
    /// The job of the current epoch. Written by the caller only while no worker runs.
    job: UnsafeCell<Option<Job>>,
    epoch: AtomicU64,
    pending: AtomicUsize,
    panicked: AtomicBool,
    shutdown: AtomicBool,
}

// SAFETY: `job` is written only by `Pool::run` before it publishes a new epoch (Release) and
// after every worker has finished the previous one (pending == 0, Acquire); workers read it
// only after observing the new epoch (Acquire). The job itself is `Sync`.
unsafe impl Sync for Shared {}
unsafe impl Send for Shared {}

/// Persistent worker threads; see the module docs.
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// A pool running jobs on `threads` threads: the caller's and `threads - 1` workers.
    pub fn new(threads: usize) -> Pool {
        let shared = Arc::new(Shared {
            job: UnsafeCell::new(None),
            epoch: AtomicU64::new(0),
            pending: AtomicUsize::new(0),
            panicked: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
        });
        let workers = (1..threads.max(1))
            .map(|k| {
                let shared = Arc::clone(&shared);
                thread::Builder::new()
                    .name(format!("ludica-env-{k}"))
                    .spawn(move || work(&shared, k))
                    .expect("the OS can start a worker thread")
            })
            .collect();
        Pool { shared, workers }
    }

    /// Number of threads jobs run on, the caller's included.
    pub fn threads(&self) -> usize {
        self.workers.len() + 1
    }

    /// Calls `job(k)` for every k in 0..threads, in parallel; returns when all are done.
    /// A panic in any call is raised again here.
    pub fn run(&self, job: &(dyn Fn(usize) + Sync)) {
        if self.workers.is_empty() {
            job(0);
            return;
        }
        // SAFETY: the pointer's lifetime is erased, but it is dereferenced only by workers
        // while `pending > 0`, and this function does not return before pending reaches 0.
        let erased: Job = unsafe { std::mem::transmute::<*const (dyn Fn(usize) + Sync + '_), Job>(job as *const _) };
        unsafe { *self.shared.job.get() = Some(erased) };
        self.shared.pending.store(self.workers.len(), Ordering::Relaxed);
        self.shared.epoch.fetch_add(1, Ordering::Release);
        for w in &self.workers {
            w.thread().unpark();
        }
        let mine = catch_unwind(AssertUnwindSafe(|| job(0)));
        let mut spins = 0u32;
        while self.shared.pending.load(Ordering::Acquire) != 0 {
            if spins < SPINS_BEFORE_PARK {
                std::hint::spin_loop();
                spins += 1;
            } else {
                thread::yield_now();
            }
        }
        unsafe { *self.shared.job.get() = None };
        if let Err(payload) = mine {
            resume_unwind(payload);
        }
        if self.shared.panicked.swap(false, Ordering::AcqRel) {
            panic!("a VecEnv worker thread panicked while stepping");
        }
    }
}

fn work(shared: &Shared, k: usize) {
    let mut seen = 0u64;
    loop {
        let mut spins = 0u32;
        loop {
            let epoch = shared.epoch.load(Ordering::Acquire);
            if epoch != seen {
                seen = epoch;
                break;
            }
            if shared.shutdown.load(Ordering::Acquire) {
                return;
            }
            if spins < SPINS_BEFORE_PARK {
                std::hint::spin_loop();
                spins += 1;
            } else {
                thread::park();
            }
        }
        // SAFETY: see `Shared`; the job outlives this call because `run` waits for pending.
        let job = unsafe { (*shared.job.get()).expect("a new epoch always carries a job") };
        if catch_unwind(AssertUnwindSafe(|| unsafe { (*job)(k) })).is_err() {
            shared.panicked.store(true, Ordering::Release);
        }
        shared.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::Release);
        for w in &self.workers {
            w.thread().unpark();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_index_runs_once_per_call() {
        let pool = Pool::new(3);
        let hits = Mutex::new(vec![0; 3]);
        for _ in 0..1000 {
            pool.run(&|k| hits.lock().unwrap()[k] += 1);
        }
        assert_eq!(*hits.lock().unwrap(), vec![1000; 3]);
    }

    #[test]
    fn a_worker_panic_reaches_the_caller_and_the_pool_survives() {
        let pool = Pool::new(2);
        let caught = catch_unwind(AssertUnwindSafe(|| pool.run(&|k| assert!(k != 1, "boom"))));
        assert!(caught.is_err());
        let count = AtomicUsize::new(0);
        pool.run(&|_| {
            count.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(count.load(Ordering::Relaxed), 2);
    }
}
