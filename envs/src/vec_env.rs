//! `VecEnv`: many envs of one game split into shards (each a World of several envs), stepped
//! together on the caller's thread and the VecEnv's own helper threads (a [`Crew`]), writing
//! into one set of contiguous buffers the caller reads. The buffers are split into one disjoint part per shard
//! with `split_at_mut`; threads take shards one at a time from a shared queue, so a thread held
//! up by a slow reset (or by the OS) leaves the other shards to the others. A panic inside a
//! shard is caught and turns the VecEnv unusable, with an error naming the game and the env.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Instant;

use ludica_procgen::Level;
use serde::{Deserialize, Serialize};

use crate::core::engine::game::{GameDef, ObsKind};
use crate::core::engine::level_distribution::{BadLevelRange, LevelSpec, SEED_LIMIT};
use crate::core::engine::shard::Shard;
use crate::core::engine::state::EnvState;
use crate::core::engine::step::{AutoReset, ShardOut, StepInfo};
use crate::core::engine::view::{OBS_SIDE, ViewMode};
use crate::crew::Crew;
use crate::games;
use crate::memory::{self, OutOfMemory};
use crate::picture::Picture;

/// Everything that makes a VecEnv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VecEnvConfig {
    /// Game name (see `ludica games`).
    pub game: String,
    /// Number of envs.
    pub num_envs: usize,
    /// Threads stepping the envs (the caller's included); capped at `num_envs`.
    pub num_threads: usize,
    /// Shards the envs are split into (each a World stepped by one thread at a time); 0
    /// chooses (one on one thread, else up to [`SHARDS_PER_THREAD`] per thread, of at least
    /// [`MIN_SHARD_ENVS`] envs each); capped at `num_envs`. No result depends on it.
    #[serde(default)]
    pub num_shards: usize,
    /// Observation kind.
    pub obs: ObsKind,
    /// Level distribution.
    pub levels: LevelSpec,
    /// What observations show: the game's full view, or a window centred on the agent
    /// (`local`, [`GameDef::local_view`] tiles a side); shapes are the same either way.
    #[serde(default)]
    pub view: ViewMode,
    /// Auto-reset mode.
    pub autoreset: AutoReset,
    /// Seed of the envs' level streams.
    pub seed: u64,
}

impl Default for VecEnvConfig {
    fn default() -> Self {
        VecEnvConfig {
            game: "maze".into(),
            num_envs: 64,
            num_threads: 1,
            num_shards: 0,
            obs: ObsKind::Rgb,
            levels: LevelSpec::default(),
            view: ViewMode::Full,
            autoreset: AutoReset::NextStep,
            seed: 0,
        }
    }
}

/// Bad input to a VecEnv; each message names the value and what is allowed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VecEnvError {
    /// No game of that name.
    #[error(transparent)]
    UnknownGame(#[from] games::UnknownGame),
    /// A count that must be positive.
    #[error("{what} must be at least 1, got {got}")]
    NotPositive {
        /// Which count.
        what: &'static str,
        /// Its value.
        got: usize,
    },
    /// More envs than the buffers may hold.
    #[error("num_envs {0} is too large: at most 1048576")]
    TooManyEnvs(usize),
    /// More worker threads than allowed.
    #[error("num_threads {0} is too large: at most 1024")]
    TooManyThreads(usize),
    /// Buffers larger than the memory this process can get.
    #[error(transparent)]
    OutOfMemory(#[from] OutOfMemory),
    /// A level range outside the seed space.
    #[error(transparent)]
    Levels(#[from] BadLevelRange),
    /// An actions slice of the wrong length.
    #[error("got {got} actions for {want} envs: pass exactly one action per env")]
    ActionCount {
        /// Actions passed.
        got: usize,
        /// Envs.
        want: usize,
    },
    /// An action id outside the game's set.
    #[error("action {action} for env {env} is out of range: {game} has actions 0..={max}")]
    BadAction {
        /// The env.
        env: usize,
        /// The action.
        action: u8,
        /// The game.
        game: &'static str,
        /// The largest allowed id.
        max: usize,
    },
    /// An env index outside 0..num_envs.
    #[error("env index {index} is out of range: this VecEnv has envs 0..{len}")]
    EnvIndex {
        /// The index.
        index: usize,
        /// Number of envs.
        len: usize,
    },
    /// A level (file or seed) this game cannot play.
    #[error("{0}")]
    Level(String),
    /// A caller-owned output slice of the wrong length (see [`VecEnv::step_into`]).
    #[error("output buffer '{what}' holds {got} elements, but this VecEnv needs {want}")]
    OutputLen {
        /// Which buffer.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length it must have.
        want: usize,
    },
    /// A state saved from another game.
    #[error("state was saved from game '{saved}' and cannot load into '{game}'")]
    StateGame {
        /// The state's game.
        saved: &'static str,
        /// This VecEnv's game.
        game: &'static str,
    },
    /// The OS refused to start the worker threads.
    #[error("could not start {threads} worker threads: {reason}")]
    Threads {
        /// Workers asked for.
        threads: usize,
        /// The OS's reason.
        reason: String,
    },
    /// A panic (a bug) inside the game's code or a shard: this call's results are lost, and the
    /// VecEnv refuses every later call ([`VecEnvError::Unusable`]).
    #[error("internal error in {game} ({envs}): {message}; this VecEnv is now unusable: make a new one")]
    Panicked {
        /// The game.
        game: &'static str,
        /// The env at fault (`env 5`) or, when the panic came from systems that step many envs
        /// at once, the shard's envs (`envs 32..48`).
        envs: String,
        /// The panic's message.
        message: String,
    },
    /// A call on a VecEnv after an internal error ([`VecEnvError::Panicked`]) spoiled it.
    #[error("this VecEnv is unusable after an internal error ({0}): make a new one")]
    Unusable(String),
}

impl VecEnvError {
    /// Whether this is an internal error (a bug in ludica, not bad input).
    pub fn is_internal(&self) -> bool {
        matches!(self, VecEnvError::Panicked { .. } | VecEnvError::Unusable(_))
    }
}

/// Most envs one VecEnv holds.
pub const MAX_ENVS: usize = 1 << 20;
/// Most worker threads one VecEnv runs.
pub const MAX_THREADS: usize = 1024;
/// Bytes each env holds besides its observation buffers, at least: its entities, level
/// and bookkeeping. Measured with `ludica bench --num-envs 65536 --steps 1 --obs symbolic`
/// (peak RSS less a one-env run, 2026-12-01): about 350 bytes for maze, 6 KiB for starpilot.
const ENV_STATE_BYTES: usize = 256;

/// Refuses thread counts above [`MAX_THREADS`] and VecEnvs whose buffers this process
/// cannot allocate (see [`crate::memory`]), before anything is allocated.
fn check_size(game: &GameDef, config: &VecEnvConfig) -> Result<(), VecEnvError> {
    if config.num_threads > MAX_THREADS {
        return Err(VecEnvError::TooManyThreads(config.num_threads));
    }
    let copies = if config.autoreset == AutoReset::SameStep { 2 } else { 1 };
    let per_env = copies * game.obs_len(config.obs) + ENV_STATE_BYTES;
    let what = || format!("a VecEnv of {} {} envs with {} observations", config.num_envs, game.name, config.obs);
    Ok(memory::ensure_fits(what, memory::product(&[config.num_envs, per_env]))?)
}

/// Shards per thread when the count is left to the VecEnv: enough that a thread held up by a
/// slow reset or by the OS leaves the rest of the work to the others.
pub const SHARDS_PER_THREAD: usize = 4;

/// Fewest envs in a shard when the count is left to the VecEnv: each shard runs the game's
/// whole schedule once per step, a fixed cost that tiny shards would multiply.
pub const MIN_SHARD_ENVS: usize = 32;

/// While one way of stepping (alone or spread) is faster, the other is tried again after this
/// many steps, a gap that doubles each time the other way loses, up to [`TRIAL_GAP_MAX`].
const TRIAL_GAP_MIN: u64 = 16;
const TRIAL_GAP_MAX: u64 = 1 << 16;

/// Steps in one trial of the slower way. Its first step is not timed: helpers that fell
/// asleep while the caller stepped alone wake during it, which a steady run of spread steps
/// does not pay.
const TRIAL_STEPS: u32 = 8;
const _: () = assert!(TRIAL_STEPS >= 2, "a trial times at least one step");

/// How a call runs its shards.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Way {
    /// On the caller's thread alone.
    Alone,
    /// On the caller's thread and the helpers'.
    Spread,
}

impl Way {
    fn other(self) -> Way {
        match self {
            Way::Alone => Way::Spread,
            Way::Spread => Way::Alone,
        }
    }
}

/// A run of steps taken the slower way, to see whether it has become the faster.
struct Trial {
    way: Way,
    /// Steps of the trial still to come, and the time of its timed steps (all but the first).
    left: u32,
    total_ns: u64,
}

/// The caller's thread and the helpers', and which way steps run. Spreading a step pays only
/// when the other threads get a core promptly and the step is long beside the hand-over; so
/// the VecEnv times its steps both ways and keeps the faster, trying the other now and then
/// (small batches, or a machine whose cores are busy with other work, step alone). No result
/// depends on the way.
struct Threads {
    /// `num_threads - 1` helpers; `None` on one thread.
    crew: Option<Crew>,
    /// The way steps run, and its recent mean step time in ns (0: not timed yet).
    usual: Way,
    usual_ns: u64,
    /// The trial under way, if any; steps before the next one; the gap after it.
    trial: Option<Trial>,
    until_trial: u64,
    trial_gap: u64,
}

impl Threads {
    fn new(threads: usize) -> Result<Threads, VecEnvError> {
        let crew = if threads > 1 {
            let built = Crew::new(threads - 1, "ludica-env")
                .map_err(|e| VecEnvError::Threads { threads: threads - 1, reason: e.to_string() })?;
            Some(built)
        } else {
            None
        };
        Ok(Threads {
            crew,
            usual: Way::Alone,
            usual_ns: 0,
            trial: None,
            until_trial: u64::from(TRIAL_STEPS),
            trial_gap: TRIAL_GAP_MIN,
        })
    }

    /// The way the next step runs: the usual one, or the other during a trial.
    fn choose(&mut self) -> Way {
        if self.crew.is_none() {
            return Way::Alone;
        }
        if self.trial.is_none() {
            if self.until_trial > 0 {
                self.until_trial -= 1;
                return self.usual;
            }
            self.trial = Some(Trial { way: self.usual.other(), left: TRIAL_STEPS, total_ns: 0 });
        }
        self.trial.as_ref().map_or(self.usual, |t| t.way)
    }

    /// Records a step that ran `way` in `ns`. A usual step updates a running mean; the last
    /// step of a trial compares the trial's mean with it, and the faster way becomes usual
    /// (the gap before the next trial doubles while the usual way keeps winning).
    fn record(&mut self, way: Way, ns: u64) {
        let Some(trial) = self.trial.as_mut().filter(|t| t.way == way) else {
            self.usual_ns = if self.usual_ns == 0 { ns } else { (self.usual_ns * 7 + ns) / 8 };
            return;
        };
        if trial.left < TRIAL_STEPS {
            trial.total_ns += ns;
        }
        trial.left -= 1;
        if trial.left > 0 {
            return;
        }
        let mean = trial.total_ns / u64::from(TRIAL_STEPS - 1);
        let way = trial.way;
        self.trial = None;
        if mean < self.usual_ns {
            (self.usual, self.usual_ns, self.trial_gap) = (way, mean, TRIAL_GAP_MIN);
        } else {
            self.trial_gap = (self.trial_gap * 2).min(TRIAL_GAP_MAX);
        }
        self.until_trial = self.trial_gap;
    }

    /// Runs `work` on every shard, `way`.
    fn run(&mut self, work: &Work<'_>, way: Way) {
        match &mut self.crew {
            Some(crew) if way == Way::Spread && work.shards > 1 => crew.run(&|| work.drain()),
            _ => work.drain(),
        }
    }
}

/// The job a call runs on each shard: `(its first env, the shard, its output slices)`.
type Job<'a> = dyn Fn(usize, &mut Shard, ShardOut<'_>) + Sync + 'a;

/// What a call has left to hand out: the shards not taken yet and their output slices.
struct Queue<'a> {
    shards: &'a mut [Shard],
    first_env: usize,
    out: ShardOut<'a>,
}

/// One call's work: shards handed out one at a time to whichever thread asks first.
struct Work<'a> {
    queue: Mutex<Queue<'a>>,
    job: &'a Job<'a>,
    game: &'static str,
    obs_len: usize,
    shards: usize,
    /// The first panic caught.
    failure: OnceLock<VecEnvError>,
}

impl<'a> Work<'a> {
    fn new(
        game: &'static GameDef,
        shards: &'a mut [Shard],
        out: ShardOut<'a>,
        job: &'a Job<'a>,
        obs_len: usize,
    ) -> Self {
        let count = shards.len();
        Work {
            queue: Mutex::new(Queue { shards, first_env: 0, out }),
            job,
            game: game.name,
            obs_len,
            shards: count,
            failure: OnceLock::new(),
        }
    }

    /// The next shard, its first env and its slices, if any is left.
    fn take(&self) -> Option<(usize, &'a mut Shard, ShardOut<'a>)> {
        // Nothing that can panic runs under this lock, so it is never poisoned; and if it
        // were, the queue would still be whole.
        let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        let (shard, rest) = std::mem::take(&mut queue.shards).split_first_mut()?;
        queue.shards = rest;
        let (mine, rest) = std::mem::take(&mut queue.out).split_at(shard.len(), self.obs_len);
        queue.out = rest;
        let first = queue.first_env;
        queue.first_env += shard.len();
        Some((first, shard, mine))
    }

    /// Runs the job on shards until none is left; a panic is caught and kept.
    fn drain(&self) {
        while let Some((first, shard, out)) = self.take() {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| (self.job)(first, &mut *shard, out))) {
                let envs = match shard.env_at_fault() {
                    Some(i) => format!("env {}", first + i),
                    None => format!("envs {first}..{}", first + shard.len()),
                };
                let _ = self.failure.set(VecEnvError::Panicked {
                    game: self.game,
                    envs,
                    message: panic_message(&*payload),
                });
            }
        }
    }
}

/// The text of a panic's payload.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_string(),
        (None, Some(s)) => s.clone(),
        (None, None) => "a panic without a message".to_string(),
    }
}

/// Runs `f`, turning a panic into an internal error of `game` blamed on env `index`.
fn catch_env<R>(game: &'static str, index: usize, f: impl FnOnce() -> R) -> Result<R, VecEnvError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| VecEnvError::Panicked {
        game,
        envs: format!("env {index}"),
        message: panic_message(&*payload),
    })
}

/// A [`ShardOut`] spanning all envs is the caller-owned output of [`VecEnv::step_into`] and
/// [`VecEnv::reset_into`].
impl ShardOut<'_> {
    /// Checks these slices' lengths against `env`; without `final_obs` (for a reset, which
    /// never writes it), that slice is left out.
    fn check(&mut self, env: &VecEnv, final_obs: bool) -> Result<(), VecEnvError> {
        let (n, obs_len) = (env.num_envs(), env.obs_len());
        let same_step = env.config.autoreset == AutoReset::SameStep;
        let final_len = if final_obs && same_step { n * obs_len } else { 0 };
        if !final_obs {
            self.final_obs = &mut [];
        }
        let lens = [
            ("obs", self.obs.len(), n * obs_len),
            ("final_obs", self.final_obs.len(), final_len),
            ("reward", self.reward.len(), n),
            ("terminated", self.terminated.len(), n),
            ("truncated", self.truncated.len(), n),
            ("info", self.info.len(), n),
        ];
        match lens.iter().find(|(_, got, want)| got != want) {
            Some(&(what, got, want)) => Err(VecEnvError::OutputLen { what, got, want }),
            None => Ok(()),
        }
    }
}

/// The shards, the threads that step them, and which envs each shard holds.
struct Shards {
    /// Shard `s` holds envs `starts[s]..starts[s + 1]`.
    list: Vec<Shard>,
    starts: Vec<usize>,
    threads: Threads,
}

impl Shards {
    /// Runs `job` on every shard with its part of `out` (slices spanning all envs, already
    /// checked). A `step` runs the faster way (see [`Threads`]); resets, rarer and long,
    /// always spread. Fails with the first panic caught.
    fn run(
        &mut self,
        game: &'static GameDef,
        obs_len: usize,
        out: ShardOut<'_>,
        step: bool,
        job: &Job<'_>,
    ) -> Result<(), VecEnvError> {
        let work = Work::new(game, &mut self.list, out, job, obs_len);
        if step {
            let way = self.threads.choose();
            let start = Instant::now();
            self.threads.run(&work, way);
            self.threads.record(way, start.elapsed().as_nanos() as u64);
        } else {
            self.threads.run(&work, Way::Spread);
        }
        match work.failure.into_inner() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// The shard holding env `index` (checked by the caller) and the env's index in it.
    fn locate(&self, index: usize) -> (usize, usize) {
        let s = self.starts.partition_point(|&start| start <= index) - 1;
        (s, index - self.starts[s])
    }
}

/// The VecEnv's own output buffers (for [`VecEnv::step`] and [`VecEnv::reset`]).
struct Outputs {
    obs: Vec<u8>,
    final_obs: Vec<u8>,
    reward: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    info: Vec<StepInfo>,
}

impl Outputs {
    /// Zeroed buffers for `n` envs (`final_obs` only in same-step mode).
    fn new(n: usize, obs_len: usize, autoreset: AutoReset) -> Outputs {
        Outputs {
            obs: vec![0; n * obs_len],
            final_obs: vec![0; if autoreset == AutoReset::SameStep { n * obs_len } else { 0 }],
            reward: vec![0.0; n],
            terminated: vec![false; n],
            truncated: vec![false; n],
            info: vec![StepInfo::default(); n],
        }
    }

    fn out(&mut self) -> ShardOut<'_> {
        ShardOut {
            obs: &mut self.obs,
            final_obs: &mut self.final_obs,
            reward: &mut self.reward,
            terminated: &mut self.terminated,
            truncated: &mut self.truncated,
            info: &mut self.info,
        }
    }
}

/// Many envs of one game; see the module docs.
pub struct VecEnv {
    game: &'static GameDef,
    config: VecEnvConfig,
    shards: Shards,
    own: Outputs,
    /// Set by the first internal error: what it was.
    spoiled: OnceLock<String>,
}

impl VecEnv {
    /// Builds the envs and resets them all. Fails on a bad config, naming the bad value.
    pub fn new(config: VecEnvConfig) -> Result<VecEnv, VecEnvError> {
        let game = games::find(&config.game)?;
        if config.num_envs == 0 {
            return Err(VecEnvError::NotPositive { what: "num_envs", got: 0 });
        }
        if config.num_envs > MAX_ENVS {
            return Err(VecEnvError::TooManyEnvs(config.num_envs));
        }
        if config.num_threads == 0 {
            return Err(VecEnvError::NotPositive { what: "num_threads", got: 0 });
        }
        config.levels.validate()?;
        check_size(game, &config)?;
        let n = config.num_envs;
        let threads = config.num_threads.min(n);
        let count = match config.num_shards {
            0 if threads == 1 => 1,
            0 => (threads * SHARDS_PER_THREAD).min(n / MIN_SHARD_ENVS).max(1),
            asked => asked.min(n),
        };
        let starts: Vec<usize> = (0..=count).map(|s| s * n / count).collect();
        let list = starts
            .windows(2)
            .map(|w| {
                let registry = crate::core::saved_components(game);
                let (first, len) = (w[0] as u64, w[1] - w[0]);
                let view = game.view_for(config.view);
                Shard::new(game, registry, config.obs, view, config.autoreset, config.levels, config.seed, first, len)
            })
            .collect();
        let obs_len = game.obs_len(config.obs);
        let mut env = VecEnv {
            game,
            shards: Shards { list, starts, threads: Threads::new(threads)? },
            own: Outputs::new(n, obs_len, config.autoreset),
            spoiled: OnceLock::new(),
            config,
        };
        env.reset(None)?;
        Ok(env)
    }

    /// Fails if an earlier internal error spoiled this VecEnv.
    fn usable(&self) -> Result<(), VecEnvError> {
        match self.spoiled.get() {
            Some(what) => Err(VecEnvError::Unusable(what.clone())),
            None => Ok(()),
        }
    }

    /// Marks this VecEnv unusable if `result` is an internal error; passes it on.
    fn watch<R>(&self, result: Result<R, VecEnvError>) -> Result<R, VecEnvError> {
        if let Err(err @ VecEnvError::Panicked { .. }) = &result {
            let _ = self.spoiled.set(err.to_string());
        }
        result
    }

    /// Runs `f` on the caller's thread; a panic becomes an internal error blamed on env
    /// `index`, and spoils this VecEnv.
    fn guard<R>(&self, index: usize, f: impl FnOnce() -> R) -> Result<R, VecEnvError> {
        self.watch(catch_env(self.game.name, index, f))
    }

    /// Starts a new episode in every env. With `Some(seed)`, the level streams restart
    /// from that seed (as `VecEnvConfig::seed`), so a reset with the same seed replays.
    /// Fails only after an internal error.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(), VecEnvError> {
        self.usable()?;
        self.reseed(seed);
        let out = self.own.out();
        out.reward.fill(0.0);
        out.terminated.fill(false);
        out.truncated.fill(false);
        let result = self
            .shards
            .run(self.game, self.game.obs_len(self.config.obs), out, false, &|_, shard, out| shard.reset_all(out));
        self.watch(result)
    }

    /// [`reset`](Self::reset), writing into the caller's `out` (slices spanning all envs; its
    /// `final_obs` is unused and may be empty) instead of the VecEnv's own buffers, which keep
    /// their previous contents. Fails, changing nothing, if a slice of `out` has the wrong
    /// length.
    pub fn reset_into(&mut self, seed: Option<u64>, mut out: ShardOut) -> Result<(), VecEnvError> {
        self.usable()?;
        out.check(self, false)?;
        self.reseed(seed);
        out.reward.fill(0.0);
        out.terminated.fill(false);
        out.truncated.fill(false);
        let result = self.shards.run(self.game, self.obs_len(), out, false, &|_, shard, out| shard.reset_all(out));
        self.watch(result)
    }

    fn reseed(&mut self, seed: Option<u64>) {
        if let Some(seed) = seed {
            self.config.seed = seed;
            for (shard, &first) in self.shards.list.iter_mut().zip(&self.shards.starts) {
                shard.reseed(seed, first as u64);
            }
        }
    }

    /// Steps every env; then read [`obs`](Self::obs), [`reward`](Self::reward) and the rest.
    pub fn step(&mut self, actions: &[u8]) -> Result<(), VecEnvError> {
        self.usable()?;
        self.check_actions(actions)?;
        let obs_len = self.obs_len();
        let result = self.shards.run(self.game, obs_len, self.own.out(), true, &|first, shard, out| {
            shard.step(&actions[first..first + shard.len()], out)
        });
        self.watch(result)
    }

    /// [`step`](Self::step), writing observations, rewards, flags and infos straight into the
    /// caller's `out` (numpy arrays, say; slices spanning all envs, `final_obs` empty in
    /// next-step mode) instead of the VecEnv's own buffers, which keep their previous
    /// contents. Fails, changing nothing, on bad actions or a slice of `out` with the wrong
    /// length.
    pub fn step_into(&mut self, actions: &[u8], mut out: ShardOut) -> Result<(), VecEnvError> {
        self.usable()?;
        self.check_actions(actions)?;
        out.check(self, true)?;
        let result = self.shards.run(self.game, self.obs_len(), out, true, &|first, shard, out| {
            shard.step(&actions[first..first + shard.len()], out)
        });
        self.watch(result)
    }
    fn check_actions(&self, actions: &[u8]) -> Result<(), VecEnvError> {
        if actions.len() != self.num_envs() {
            return Err(VecEnvError::ActionCount { got: actions.len(), want: self.num_envs() });
        }
        let max = self.game.actions.len() - 1;
        match actions.iter().position(|&a| a as usize > max) {
            Some(env) => Err(VecEnvError::BadAction { env, action: actions[env], game: self.game.name, max }),
            None => Ok(()),
        }
    }

    /// Number of envs.
    pub fn num_envs(&self) -> usize {
        self.config.num_envs
    }

    /// Number of shards the envs are split into (see [`VecEnvConfig::num_shards`]).
    pub fn num_shards(&self) -> usize {
        self.shards.list.len()
    }

    /// The game.
    pub fn game(&self) -> &'static GameDef {
        self.game
    }

    /// The configuration (its seed updated by `reset(Some(seed))`).
    pub fn config(&self) -> &VecEnvConfig {
        &self.config
    }

    /// Bytes of one observation.
    pub fn obs_len(&self) -> usize {
        self.game.obs_len(self.config.obs)
    }

    /// Observations of all envs, `obs_len()` bytes each, env-major.
    pub fn obs(&self) -> &[u8] {
        &self.own.obs
    }

    /// Same-step auto-reset only: the last observation of envs whose episode ended on the last
    /// step (other envs' slots hold stale data); empty in next-step mode.
    pub fn final_obs(&self) -> &[u8] {
        &self.own.final_obs
    }

    /// Rewards of the last step.
    pub fn reward(&self) -> &[f32] {
        &self.own.reward
    }

    /// Which envs' episodes ended by success or death on the last step.
    pub fn terminated(&self) -> &[bool] {
        &self.own.terminated
    }

    /// Which envs' episodes were cut by the time limit on the last step.
    pub fn truncated(&self) -> &[bool] {
        &self.own.truncated
    }

    /// Per-env info of the last step or reset.
    pub fn infos(&self) -> &[StepInfo] {
        &self.own.info
    }

    /// The shard holding env `index` and the env's index in it, after checking that this
    /// VecEnv is usable and has that env.
    fn locate(&self, index: usize) -> Result<(usize, usize), VecEnvError> {
        self.usable()?;
        if index >= self.num_envs() {
            return Err(VecEnvError::EnvIndex { index, len: self.num_envs() });
        }
        Ok(self.shards.locate(index))
    }

    /// Runs `f` on env `index`'s shard with the env's index there and its observation slot
    /// (panics caught), then clears its reward and flags.
    fn with_env<R>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut Shard, usize, &mut [u8]) -> R,
    ) -> Result<R, VecEnvError> {
        let (s, i) = self.locate(index)?;
        let obs_len = self.obs_len();
        let shard = &mut self.shards.list[s];
        let obs = &mut self.own.obs[index * obs_len..(index + 1) * obs_len];
        let caught = catch_env(self.game.name, index, || f(shard, i, obs));
        let r = self.watch(caught)?;
        self.own.reward[index] = 0.0;
        self.own.terminated[index] = false;
        self.own.truncated[index] = false;
        Ok(r)
    }

    /// Starts a new episode of env `index` on the level of `seed` (at the configured
    /// difficulty), for evaluation on chosen levels. Its observation is updated.
    pub fn reset_env_to_seed(&mut self, index: usize, seed: u64) -> Result<(), VecEnvError> {
        self.locate(index)?;
        // A generated level keeps its generator's guarantees (tested over many seeds), so it
        // skips the check, which for some games runs a solver.
        let (game, difficulty) = (self.game, self.config.levels.difficulty);
        let level = self.guard(index, || game.level(seed, difficulty))?;
        self.start_episode_on(index, level)
    }

    /// Makes env `index`'s next episode play the level of `seed` (at the configured
    /// difficulty) instead of its level stream's next draw: at its next automatic reset, or
    /// at the next [`reset`](Self::reset), whichever comes first. This is how a curriculum
    /// (`crate::curriculum`) chooses levels; the env's own stream is not advanced.
    /// `None` withdraws a choice not yet played. Loading a state into the env withdraws it too.
    pub fn set_next_level(&mut self, index: usize, seed: Option<u64>) -> Result<(), VecEnvError> {
        let (s, i) = self.locate(index)?;
        if let Some(seed) = seed.filter(|&seed| seed >= SEED_LIMIT) {
            return Err(VecEnvError::Level(format!("level seed {seed} is out of range: seeds are below 2^63")));
        }
        self.shards.list[s].set_next_level(i, seed);
        Ok(())
    }

    /// Starts a new episode of env `index` on `level` (from a file, say), after checking that
    /// it is for this game and keeps the game's guarantees.
    pub fn reset_env_to_level(&mut self, index: usize, level: Level) -> Result<(), VecEnvError> {
        self.locate(index)?;
        self.game.accept(&level).map_err(VecEnvError::Level)?;
        self.start_episode_on(index, level)
    }

    /// Starts a new episode of env `index` on `level` and writes its first observation.
    fn start_episode_on(&mut self, index: usize, level: Level) -> Result<(), VecEnvError> {
        let seed = level.seed;
        self.with_env(index, |shard, i, obs| {
            shard.start_level(i, level);
            shard.write_obs(i, obs);
        })?;
        self.own.info[index] = StepInfo { level_seed: seed, ..StepInfo::default() };
        Ok(())
    }

    /// The level env `index` plays.
    pub fn level(&self, index: usize) -> Result<Level, VecEnvError> {
        let (s, i) = self.locate(index)?;
        Ok(self.shards.list[s].level(i).clone())
    }

    /// Env `index`'s current 64 x 64 frame as a picture (for people: `render_mode="rgb_array"`,
    /// `ludica play`), whatever the observation kind.
    pub fn render(&self, index: usize) -> Result<Picture, VecEnvError> {
        let (s, i) = self.locate(index)?;
        let pixels = self.guard(index, || self.shards.list[s].frame(i))?;
        Ok(Picture { width: OBS_SIDE, height: OBS_SIDE, pixels })
    }

    /// A snapshot of env `index`, for search: restore it with [`load_state`](Self::load_state).
    pub fn save_state(&self, index: usize) -> Result<EnvState, VecEnvError> {
        let (s, i) = self.locate(index)?;
        self.guard(index, || self.shards.list[s].save_state(i))
    }

    /// Puts env `index` in a saved state (of any env of the same game); its observation is
    /// updated.
    pub fn load_state(&mut self, index: usize, state: &EnvState) -> Result<(), VecEnvError> {
        self.locate(index)?;
        if state.game != self.game.name {
            return Err(VecEnvError::StateGame { saved: state.game, game: self.game.name });
        }
        let seed = state.level.seed;
        self.with_env(index, |shard, i, obs| {
            shard.load_state(i, state);
            shard.write_obs(i, obs);
        })?;
        self.own.info[index] = StepInfo { level_seed: seed, ..StepInfo::default() };
        Ok(())
    }

    /// Test hook: makes the game's systems panic on env `index`'s shard from the next step on,
    /// as a bug in a game system would. For tests of panic handling (Rust and Python) only.
    #[doc(hidden)]
    pub fn inject_panic(&mut self, index: usize) -> Result<(), VecEnvError> {
        let (s, _) = self.locate(index)?;
        self.shards.list[s].add_panicking_system();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::seeds::{Stream, stream};
    use rand::RngExt;

    /// Caller-owned buffers for `env`, as the Python bridge allocates them.
    fn owned(env: &VecEnv) -> Outputs {
        Outputs::new(env.num_envs(), env.obs_len(), env.config().autoreset)
    }

    fn config(autoreset: AutoReset) -> VecEnvConfig {
        VecEnvConfig { num_envs: 6, num_threads: 2, obs: ObsKind::Symbolic, autoreset, seed: 3, ..Default::default() }
    }

    #[test]
    fn step_into_and_reset_into_fill_caller_buffers_exactly_as_step_and_reset_fill_their_own() {
        for autoreset in [AutoReset::NextStep, AutoReset::SameStep] {
            let mut own = VecEnv::new(config(autoreset)).unwrap();
            let mut into = VecEnv::new(config(autoreset)).unwrap();
            let mut out = owned(&into);
            let len = own.obs_len();
            own.reset(Some(8)).unwrap();
            into.reset_into(Some(8), out.out()).unwrap();
            assert_eq!((own.obs(), own.infos()), (&out.obs[..], &out.info[..]));
            let mut rng = stream(4, Stream::Behaviour);
            let mut ended = 0;
            for _ in 0..1200 {
                let actions: Vec<u8> = (0..6).map(|_| rng.random_range(0..5)).collect();
                own.step(&actions).unwrap();
                into.step_into(&actions, out.out()).unwrap();
                assert_eq!(own.obs(), &out.obs[..]);
                assert_eq!(own.reward(), &out.reward[..]);
                assert_eq!(own.terminated(), &out.terminated[..]);
                assert_eq!(own.truncated(), &out.truncated[..]);
                assert_eq!(own.infos(), &out.info[..]);
                for i in (0..6).filter(|&i| out.info[i].episode_done) {
                    ended += 1;
                    if autoreset == AutoReset::SameStep {
                        let slot = i * len..(i + 1) * len;
                        assert_eq!(&own.final_obs()[slot.clone()], &out.final_obs[slot]);
                    }
                }
            }
            assert!(ended > 6, "{autoreset:?}: episodes must end for the test to mean anything ({ended})");
        }
    }

    #[test]
    fn wrong_output_lengths_and_actions_are_refused_before_anything_moves() {
        let mut env = VecEnv::new(config(AutoReset::SameStep)).unwrap();
        let mut out = owned(&env);
        env.step_into(&[1; 6], out.out()).unwrap();
        let before = out.obs.clone();
        out.reward.pop();
        let err = env.step_into(&[1; 6], out.out()).unwrap_err();
        assert_eq!(err, VecEnvError::OutputLen { what: "reward", got: 5, want: 6 });
        assert!(err.to_string().contains("'reward' holds 5 elements"), "{err}");
        out.reward.push(0.0);
        out.final_obs.clear();
        assert!(matches!(env.step_into(&[1; 6], out.out()), Err(VecEnvError::OutputLen { what: "final_obs", .. })));
        out.final_obs.resize(6 * env.obs_len(), 0);
        assert!(matches!(env.step_into(&[9; 6], out.out()), Err(VecEnvError::BadAction { action: 9, .. })));
        assert_eq!(out.obs, before, "a refused call writes nothing");
        out.final_obs.clear();
        env.reset_into(None, out.out()).expect("a reset never writes final_obs, so it may be left empty");
        assert_ne!(out.obs, before);
    }

    #[test]
    fn a_chosen_next_level_is_played_at_the_next_reset_of_that_env_only() {
        for autoreset in [AutoReset::NextStep, AutoReset::SameStep] {
            let cfg = VecEnvConfig { num_envs: 3, num_shards: 3, ..config(autoreset) };
            let mut env = VecEnv::new(cfg.clone()).unwrap();
            let mut plain = VecEnv::new(cfg).unwrap();
            env.set_next_level(1, Some(777)).unwrap();
            env.reset(None).unwrap();
            plain.reset(None).unwrap();
            assert_eq!(env.infos()[1].level_seed, 777, "{autoreset:?}");
            assert_eq!(env.infos()[0], plain.infos()[0], "other envs keep their streams");
            env.set_next_level(2, Some(778)).unwrap();
            let noop = env.game().action("noop");
            let (mut ours, mut theirs) = (Vec::new(), Vec::new());
            for _ in 0..2000 {
                env.step(&[noop; 3]).unwrap();
                plain.step(&[noop; 3]).unwrap();
                if env.infos()[2].episode_done {
                    ours.push(env.infos()[2].episode_level_seed);
                }
                if plain.infos()[2].episode_done {
                    theirs.push(plain.infos()[2].episode_level_seed);
                }
            }
            assert!(ours.len() >= 3, "{autoreset:?}: standing still, episodes end at the time limit");
            // Env 2's second episode plays 778; its stream, not advanced by it, goes on after.
            let mut expected = vec![theirs[0], 778];
            expected.extend_from_slice(&theirs[1..ours.len() - 1]);
            assert_eq!(ours, expected, "{autoreset:?}");
            assert_eq!(env.infos()[0], plain.infos()[0], "{autoreset:?}: env 0 is untouched");
        }
        let mut env = VecEnv::new(config(AutoReset::NextStep)).unwrap();
        assert!(env.set_next_level(0, Some(SEED_LIMIT)).unwrap_err().to_string().contains("below 2^63"));
        assert!(matches!(env.set_next_level(9, Some(1)), Err(VecEnvError::EnvIndex { index: 9, .. })));
        let state = env.save_state(0).unwrap();
        env.set_next_level(0, Some(5)).unwrap();
        env.load_state(0, &state).unwrap();
        env.reset(None).unwrap();
        assert_ne!(env.infos()[0].level_seed, 5, "loading a state withdraws the chosen level");
    }

    #[test]
    fn shard_counts_default_to_a_few_per_thread_and_never_leave_a_shard_empty() {
        let shards = |num_envs, num_threads, num_shards| {
            let cfg = VecEnvConfig { num_envs, num_threads, num_shards, ..config(AutoReset::NextStep) };
            VecEnv::new(cfg).unwrap().num_shards()
        };
        assert_eq!(shards(256, 1, 0), 1, "one thread, one shard");
        assert_eq!(shards(256, 2, 0), 2 * SHARDS_PER_THREAD);
        assert_eq!(shards(64, 2, 0), 64 / MIN_SHARD_ENVS);
        assert_eq!(
            shards(2 * MIN_SHARD_ENVS - 1, 2, 0),
            1,
            "a small batch stays in one shard: spreading it would not pay"
        );
        assert_eq!(shards(4 * MIN_SHARD_ENVS, 8, 0), 4);
        assert_eq!(shards(6, 1, 4), 4, "asked for");
        assert_eq!(shards(6, 2, 50), 6, "capped at one env per shard");
    }

    #[test]
    fn a_panic_in_a_game_system_fails_that_step_naming_game_and_envs_and_every_later_call() {
        // Small symbolic batches step on the caller's thread; 192 rgb envs also on the pool (a
        // VecEnv tries both ways, and keeps spreading while that is faster).
        for (threads, num_envs, obs) in [(1, 16, ObsKind::Symbolic), (2, 16, ObsKind::Symbolic), (2, 192, ObsKind::Rgb)]
        {
            let cfg = VecEnvConfig {
                game: "chaser".into(),
                num_envs,
                num_threads: threads,
                num_shards: 4,
                obs,
                ..Default::default()
            };
            let mut env = VecEnv::new(cfg).unwrap();
            let actions = vec![0; num_envs];
            let quarter = num_envs / 4;
            for _ in 0..3 {
                env.step(&actions).unwrap();
            }
            let state = env.save_state(0).unwrap();
            let level = env.level(0).unwrap();
            let mut buffers = owned(&env);
            env.inject_panic(quarter + 1).unwrap();
            let err = env.step(&actions).unwrap_err();
            let envs = format!("envs {quarter}..{}", 2 * quarter);
            assert_eq!(
                err,
                VecEnvError::Panicked {
                    game: "chaser",
                    envs: envs.clone(),
                    message: "a panic injected by a test".into()
                },
                "{threads} threads, {num_envs} envs"
            );
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("internal error in chaser ({envs}): a panic injected by a test")),
                "{text}"
            );
            assert!(text.contains("unusable"), "{text}");

            let later = [
                env.step(&actions).unwrap_err(),
                env.step_into(&actions, buffers.out()).unwrap_err(),
                env.reset(None).unwrap_err(),
                env.reset_into(Some(1), buffers.out()).unwrap_err(),
                env.reset_env_to_seed(0, 7).unwrap_err(),
                env.reset_env_to_level(0, level.clone()).unwrap_err(),
                env.load_state(0, &state).unwrap_err(),
                env.level(0).unwrap_err(),
                env.render(0).unwrap_err(),
                env.save_state(0).unwrap_err(),
            ];
            for err in later {
                assert_eq!(err, VecEnvError::Unusable(text.clone()));
                assert!(
                    err.to_string()
                        .starts_with("this VecEnv is unusable after an internal error (internal error in chaser")
                );
            }
            assert!(buffers.obs.iter().all(|&b| b == 0), "a refused call writes nothing");
        }
    }
}
