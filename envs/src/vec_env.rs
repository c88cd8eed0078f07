//! `VecEnv`: many envs of one game split into shards on worker threads, stepping together
//! and writing into one set of contiguous buffers the caller reads (no per-step allocation).

use std::sync::Mutex;

use ludica_procgen::Level;
use serde::{Deserialize, Serialize};

use crate::core::engine::game::{GameDef, ObsKind};
use crate::core::engine::level_distribution::{BadLevelRange, LevelSpec};
use crate::core::engine::shard::{Shard, ShardOut};
use crate::core::engine::state::EnvState;
use crate::core::engine::view::OBS_SIDE;
use crate::games;
use crate::picture::Picture;
use crate::pool::Pool;

/// When an env whose episode ended starts its next one (Gymnasium 1.x `AutoresetMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoReset {
    /// The step after the end returns the new episode's first observation, reward 0 and
    /// ignores its action (Gymnasium's default).
    #[default]
    NextStep,
    /// The ending step already returns the new episode's first observation; the last one of
    /// the ended episode is in [`VecEnv::final_obs`].
    SameStep,
}

/// What happened to one env on the last step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct StepInfo {
    /// The level the env is now playing.
    pub level_seed: u64,
    /// An episode ended on this step; the `episode_*` fields describe it.
    pub episode_done: bool,
    /// The level of the ended episode.
    pub episode_level_seed: u64,
    /// Sum of the ended episode's rewards.
    pub episode_return: f32,
    /// Steps of the ended episode.
    pub episode_length: u32,
    /// Whether the ended episode reached its goal.
    pub episode_success: bool,
}

/// Everything that makes a VecEnv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VecEnvConfig {
    /// Game name (see `ludica games`).
    pub game: String,
    /// Number of envs.
    pub num_envs: usize,
    /// Worker threads (the caller's included); capped at `num_envs`.
    pub num_threads: usize,
    /// Observation kind.
    pub obs: ObsKind,
    /// Level distribution.
    pub levels: LevelSpec,
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
            obs: ObsKind::Rgb,
            levels: LevelSpec::default(),
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
}

/// Most envs one VecEnv holds.
pub const MAX_ENVS: usize = 1 << 20;

/// Raw views of the output buffers, handed to worker threads.
#[derive(Clone, Copy)]
struct Buffers {
    obs: *mut u8,
    final_obs: *mut u8,
    reward: *mut f32,
    terminated: *mut bool,
    truncated: *mut bool,
    info: *mut StepInfo,
    obs_len: usize,
}

// SAFETY: only used inside `VecEnv::dispatch`, where each shard touches its own disjoint
// range of every buffer and the buffers outlive the pool run.
unsafe impl Send for Buffers {}
unsafe impl Sync for Buffers {}

impl Buffers {
    /// Raw views of `out`, whose slices span all envs. An empty `final_obs` (next-step mode,
    /// or a reset) aliases `obs`: it is never written then.
    fn of(out: &mut ShardOut, obs_len: usize) -> Buffers {
        let final_obs = if out.final_obs.is_empty() { out.obs.as_mut_ptr() } else { out.final_obs.as_mut_ptr() };
        Buffers {
            obs: out.obs.as_mut_ptr(),
            final_obs,
            reward: out.reward.as_mut_ptr(),
            terminated: out.terminated.as_mut_ptr(),
            truncated: out.truncated.as_mut_ptr(),
            info: out.info.as_mut_ptr(),
            obs_len,
        }
    }

    /// The slices of envs `start..start + n`.
    ///
    /// # Safety
    /// The range must lie inside the buffers, and no other live reference may cover it.
    unsafe fn slice<'a>(&self, start: usize, n: usize) -> ShardOut<'a> {
        use std::slice::from_raw_parts_mut as part;
        let o = self.obs_len;
        unsafe {
            ShardOut {
                obs: part(self.obs.add(start * o), n * o),
                final_obs: part(self.final_obs.add(start * o), n * o),
                reward: part(self.reward.add(start), n),
                terminated: part(self.terminated.add(start), n),
                truncated: part(self.truncated.add(start), n),
                info: part(self.info.add(start), n),
            }
        }
    }
}

/// A [`ShardOut`] spanning all envs is the caller-owned output of [`VecEnv::step_into`] and
/// [`VecEnv::reset_into`].
impl ShardOut<'_> {
    /// Raw views of these slices, after checking their lengths against `env`; without
    /// `final_obs` (for a reset, which never writes it), that slice is left out.
    fn buffers(&mut self, env: &VecEnv, final_obs: bool) -> Result<Buffers, VecEnvError> {
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
        if let Some(&(what, got, want)) = lens.iter().find(|(_, got, want)| got != want) {
            return Err(VecEnvError::OutputLen { what, got, want });
        }
        Ok(Buffers::of(self, obs_len))
    }
}

/// Many envs of one game; see the module docs.
pub struct VecEnv {
    game: &'static GameDef,
    config: VecEnvConfig,
    shards: Vec<Mutex<Shard>>,
    starts: Vec<usize>,
    pool: Pool,
    obs: Vec<u8>,
    final_obs: Vec<u8>,
    reward: Vec<f32>,
    terminated: Vec<bool>,
    truncated: Vec<bool>,
    info: Vec<StepInfo>,
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
        let n = config.num_envs;
        let threads = config.num_threads.min(n);
        let starts: Vec<usize> = (0..=threads).map(|s| s * n / threads).collect();
        let shards = starts
            .windows(2)
            .map(|w| {
                Mutex::new(Shard::new(
                    game,
                    crate::core::saved_components(game),
                    config.obs,
                    config.autoreset,
                    config.levels,
                    config.seed,
                    w[0] as u64,
                    w[1] - w[0],
                ))
            })
            .collect();
        let obs_len = game.obs_len(config.obs);
        let mut env = VecEnv {
            game,
            shards,
            starts,
            pool: Pool::new(threads),
            obs: vec![0; n * obs_len],
            final_obs: vec![0; if config.autoreset == AutoReset::SameStep { n * obs_len } else { 0 }],
            reward: vec![0.0; n],
            terminated: vec![false; n],
            truncated: vec![false; n],
            info: vec![StepInfo::default(); n],
            config,
        };
        env.reset(None);
        Ok(env)
    }

    /// Raw views of the VecEnv's own output buffers.
    fn own_buffers(&mut self) -> Buffers {
        let obs_len = self.obs_len();
        let mut own = ShardOut {
            obs: &mut self.obs,
            final_obs: &mut self.final_obs,
            reward: &mut self.reward,
            terminated: &mut self.terminated,
            truncated: &mut self.truncated,
            info: &mut self.info,
        };
        Buffers::of(&mut own, obs_len)
    }

    /// Runs `job(first env, shard, its slices of buffers)` on every shard in parallel.
    /// `buffers` are the VecEnv's own or a caller's [`ShardOut`], sized for all envs and
    /// borrowed mutably by the caller for the whole call.
    fn dispatch(&mut self, buffers: Buffers, job: impl Fn(usize, &mut Shard, ShardOut) + Sync) {
        let (shards, starts) = (&self.shards, &self.starts);
        self.pool.run(&|s| {
            let mut shard = shards[s].lock().expect("a shard lock is never poisoned: panics abort the step");
            // SAFETY: shard s owns envs starts[s]..starts[s + 1], disjoint from every other
            // shard's; the buffers are borrowed mutably (`&mut self` or the caller's
            // `ShardOut`) until run returns, so nothing else touches them meanwhile.
            // In next-step mode `final_obs` aliases `obs` but is never written (no same-step
            // reset happens), so the aliasing slice is never used.
            let out = unsafe { buffers.slice(starts[s], starts[s + 1] - starts[s]) };
            job(starts[s], &mut shard, out);
        });
    }

    /// Starts a new episode in every env. With `Some(seed)`, the level streams restart
    /// from that seed (as `VecEnvConfig::seed`), so a reset with the same seed replays.
    pub fn reset(&mut self, seed: Option<u64>) {
        self.reseed(seed);
        self.reward.fill(0.0);
        self.terminated.fill(false);
        self.truncated.fill(false);
        let buffers = self.own_buffers();
        self.dispatch(buffers, |_, shard, out| shard.reset_all(out));
    }

    /// [`reset`](Self::reset), writing into the caller's `out` (slices spanning all envs; its
    /// `final_obs` is unused and may be empty) instead of the VecEnv's own buffers, which keep
    /// their previous contents. Fails, changing nothing, if a slice of `out` has the wrong
    /// length.
    pub fn reset_into(&mut self, seed: Option<u64>, mut out: ShardOut) -> Result<(), VecEnvError> {
        let buffers = out.buffers(self, false)?;
        self.reseed(seed);
        out.reward.fill(0.0);
        out.terminated.fill(false);
        out.truncated.fill(false);
        self.dispatch(buffers, |_, shard, out| shard.reset_all(out));
        Ok(())
    }

    fn reseed(&mut self, seed: Option<u64>) {
        if let Some(seed) = seed {
            self.config.seed = seed;
            for (s, shard) in self.shards.iter_mut().enumerate() {
                shard.get_mut().expect("shard lock").reseed(seed, self.starts[s] as u64);
            }
        }
    }

    /// Steps every env; then read [`obs`](Self::obs), [`reward`](Self::reward) and the rest.
    pub fn step(&mut self, actions: &[u8]) -> Result<(), VecEnvError> {
        self.check_actions(actions)?;
        let buffers = self.own_buffers();
        self.dispatch(buffers, |first, shard, out| shard.step(&actions[first..first + shard.len()], out));
        Ok(())
    }

    /// [`step`](Self::step), writing observations, rewards, flags and infos straight into the
    /// caller's `out` (numpy arrays, say; slices spanning all envs, `final_obs` empty in
    /// next-step mode) instead of the VecEnv's own buffers, which keep their previous
    /// contents. Fails, changing nothing, on bad actions or a slice of `out` with the wrong
    /// length.
    pub fn step_into(&mut self, actions: &[u8], mut out: ShardOut) -> Result<(), VecEnvError> {
        self.check_actions(actions)?;
        let buffers = out.buffers(self, true)?;
        self.dispatch(buffers, |first, shard, out| shard.step(&actions[first..first + shard.len()], out));
        Ok(())
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
        &self.obs
    }

    /// Same-step auto-reset only: the last observation of envs whose episode ended on the last
    /// step (other envs' slots hold stale data); empty in next-step mode.
    pub fn final_obs(&self) -> &[u8] {
        &self.final_obs
    }

    /// Rewards of the last step.
    pub fn reward(&self) -> &[f32] {
        &self.reward
    }

    /// Which envs' episodes ended by success or death on the last step.
    pub fn terminated(&self) -> &[bool] {
        &self.terminated
    }

    /// Which envs' episodes were cut by the time limit on the last step.
    pub fn truncated(&self) -> &[bool] {
        &self.truncated
    }

    /// Per-env info of the last step or reset.
    pub fn infos(&self) -> &[StepInfo] {
        &self.info
    }

    fn locate(&self, index: usize) -> Result<(usize, usize), VecEnvError> {
        if index >= self.num_envs() {
            return Err(VecEnvError::EnvIndex { index, len: self.num_envs() });
        }
        let s = self.starts.partition_point(|&start| start <= index) - 1;
        Ok((s, index - self.starts[s]))
    }

    fn with_env<R>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut Shard, usize, &mut [u8]) -> R,
    ) -> Result<R, VecEnvError> {
        let (s, i) = self.locate(index)?;
        let obs_len = self.obs_len();
        let shard = self.shards[s].get_mut().expect("shard lock");
        let r = f(shard, i, &mut self.obs[index * obs_len..(index + 1) * obs_len]);
        self.reward[index] = 0.0;
        self.terminated[index] = false;
        self.truncated[index] = false;
        Ok(r)
    }

    /// Starts a new episode of env `index` on the level of `seed` (at the configured
    /// difficulty), for evaluation on chosen levels. Its observation is updated.
    pub fn reset_env_to_seed(&mut self, index: usize, seed: u64) -> Result<(), VecEnvError> {
        // A generated level keeps its generator's guarantees (tested over many seeds), so it
        // skips the check, which for some games runs a solver.
        let level = self.game.level(seed, self.config.levels.difficulty);
        self.start_episode_on(index, level)
    }

    /// Starts a new episode of env `index` on `level` (from a file, say), after checking that
    /// it is for this game and keeps the game's guarantees.
    pub fn reset_env_to_level(&mut self, index: usize, level: Level) -> Result<(), VecEnvError> {
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
        self.info[index] = StepInfo { level_seed: seed, ..StepInfo::default() };
        Ok(())
    }

    /// The level env `index` plays.
    pub fn level(&self, index: usize) -> Result<Level, VecEnvError> {
        let (s, i) = self.locate(index)?;
        Ok(self.shards[s].lock().expect("shard lock").level(i).clone())
    }

    /// Env `index`'s current 64 x 64 frame as a picture (for people: `render_mode="rgb_array"`,
    /// `ludica play`), whatever the observation kind.
    pub fn render(&self, index: usize) -> Result<Picture, VecEnvError> {
        let (s, i) = self.locate(index)?;
        let pixels = self.shards[s].lock().expect("shard lock").frame(i);
        Ok(Picture { width: OBS_SIDE, height: OBS_SIDE, pixels })
    }

    /// A snapshot of env `index`, for search: restore it with [`load_state`](Self::load_state).
    pub fn save_state(&self, index: usize) -> Result<EnvState, VecEnvError> {
        let (s, i) = self.locate(index)?;
        Ok(self.shards[s].lock().expect("shard lock").save_state(i))
    }

    /// Puts env `index` in a saved state (of any env of the same game); its observation is
    /// updated.
    pub fn load_state(&mut self, index: usize, state: &EnvState) -> Result<(), VecEnvError> {
        if state.game != self.game.name {
            return Err(VecEnvError::StateGame { saved: state.game, game: self.game.name });
        }
        let seed = state.level.seed;
        self.with_env(index, |shard, i, obs| {
            shard.load_state(i, state);
            shard.write_obs(i, obs);
        })?;
        self.info[index] = StepInfo { level_seed: seed, ..StepInfo::default() };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_procgen::seeds::{Stream, stream};
    use rand::RngExt;

    /// Caller-owned buffers for `env`, as the Python bridge allocates them.
    struct Owned {
        obs: Vec<u8>,
        final_obs: Vec<u8>,
        reward: Vec<f32>,
        terminated: Vec<bool>,
        truncated: Vec<bool>,
        info: Vec<StepInfo>,
    }

    impl Owned {
        fn for_env(env: &VecEnv) -> Owned {
            let n = env.num_envs();
            let same_step = env.config().autoreset == AutoReset::SameStep;
            Owned {
                obs: vec![0; n * env.obs_len()],
                final_obs: vec![0; if same_step { n * env.obs_len() } else { 0 }],
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

    fn config(autoreset: AutoReset) -> VecEnvConfig {
        VecEnvConfig { num_envs: 6, num_threads: 2, obs: ObsKind::Symbolic, autoreset, seed: 3, ..Default::default() }
    }

    #[test]
    fn step_into_and_reset_into_fill_caller_buffers_exactly_as_step_and_reset_fill_their_own() {
        for autoreset in [AutoReset::NextStep, AutoReset::SameStep] {
            let mut own = VecEnv::new(config(autoreset)).unwrap();
            let mut into = VecEnv::new(config(autoreset)).unwrap();
            let mut out = Owned::for_env(&into);
            let len = own.obs_len();
            own.reset(Some(8));
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
        let mut out = Owned::for_env(&env);
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
}
