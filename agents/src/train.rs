//! The training loop, in the order it runs: collect a rollout from the envs, compute GAE
//! advantages, do the PPO update, evaluate when due, log one metrics line (and its
//! TensorBoard event), checkpoint every K updates. Also creating a run directory and resuming
//! one exactly where its last checkpoint left it.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ludica_envs::StepInfo;
use ludica_procgen::Rng;
use ludica_procgen::seeds::mix;
use sha2::{Digest, Sha256};

use crate::checkpoint::{self, Checkpoint};
use crate::config::TrainConfig;
use crate::curriculum::{self, CurriculumPoint, CurriculumState, LevelLog, LevelTrace};
use crate::envs::{EnvCursor, TrainEnvs};
use crate::error::AgentError;
use crate::metrics::{METRICS_FILE, SUMMARY_FILE, Summary, UpdateRecord, read_metrics};
use crate::normalize::RewardNormalizer;
use crate::optim::Adam;
use crate::output::{is_temp_name, write_file};
use crate::periodic_eval;
use crate::policy::{Agent, Memory};
use crate::ppo::{self, Batch};
use crate::rollout::{Rollout, gae};
use crate::run_lock::RunLock;
use crate::suite;
use crate::tensorboard::EventWriter;

/// How a call to [`Trainer::run`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// The step budget is spent; the final checkpoint and summary are written.
    Finished,
    /// Stopped on request (Ctrl-C); a checkpoint of the last whole update is written.
    Interrupted,
}

/// Settings a resumed run may change: they do not alter what it computes (beyond float
/// rounding on another device or thread count).
#[derive(Clone, Debug, Default)]
pub struct ResumeOptions {
    /// Another device.
    pub device: Option<crate::config::DeviceChoice>,
    /// Another number of env worker threads.
    pub env_threads: Option<usize>,
    /// Another number of libtorch threads.
    pub torch_threads: Option<usize>,
    /// Another checkpoint interval.
    pub checkpoint_every: Option<u64>,
}

/// The state that changes during a rollout, kept at the last update boundary so that a stop
/// in the middle of a rollout can checkpoint the boundary. Its memory is also where the
/// update unrolls a recurrent network's sequences from.
struct Boundary {
    cursors: Vec<EnvCursor>,
    sampler: Option<ludica_envs::curriculum::LevelSampler>,
    normalizer: RewardNormalizer,
    rng: Rng,
    memory: Memory,
}

/// A training run in progress.
pub struct Trainer {
    cfg: TrainConfig,
    dir: PathBuf,
    agent: Agent,
    adam: Adam,
    envs: TrainEnvs,
    /// What each env's agent remembers (a recurrent network's state), carried across updates.
    memory: Memory,
    normalizer: RewardNormalizer,
    rng: Rng,
    update: u64,
    global_step: u64,
    time_before: f64,
    metrics: File,
    metrics_bytes: u64,
    /// SHA-256 of the metrics file so far, for the checkpoint to record.
    metrics_hash: Sha256,
    /// The per-level log of a curriculum run (`levels.jsonl`).
    levels_log: Option<LevelLog>,
    /// This session's TensorBoard event file, opened at its first logged update.
    events: Option<EventWriter>,
    /// Held for the trainer's life: no other trainer may write the run directory.
    _lock: RunLock,
}

/// The stream of the trainer's own RNG (actions and minibatches), apart from level streams.
const TRAINER_STREAM: u64 = 0x07EA_14E5;

impl Trainer {
    /// Starts a new run in `dir`, which must not exist. Everything is checked and built
    /// before the directory appears, and it appears whole (with an update-0 checkpoint).
    pub fn create(cfg: TrainConfig, dir: &Path) -> Result<Trainer, AgentError> {
        cfg.validate()?;
        cfg.check_memory()?;
        if dir.exists() {
            return Err(AgentError::RunDir(format!(
                "run directory {} already exists: pass --resume {} to continue it, or choose another --out",
                dir.display(),
                dir.display()
            )));
        }
        let device = cfg.device.resolve()?;
        tch::set_num_threads(cfg.torch_threads as i32);
        let game = ludica_envs::games::find(&cfg.game)?;
        let agent = Agent::seeded(game, &cfg.net_spec(game), device, cfg.seed);
        let adam = Adam::new(agent.named_variables(), cfg.adam_eps);
        let envs = TrainEnvs::new(&cfg)?;
        let memory = agent.memory(cfg.num_envs);

        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        fs::create_dir_all(parent).map_err(|e| AgentError::io("create", parent, e))?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
        let staging = parent.join(format!(".{name}.partial-{}", std::process::id()));
        let _ = fs::remove_dir_all(&staging);
        fs::create_dir(&staging).map_err(|e| AgentError::io("create", &staging, e))?;
        let opened = RunLock::acquire(&staging).and_then(|lock| {
            Ok((
                lock,
                File::create(staging.join(METRICS_FILE))
                    .map_err(|e| AgentError::io("create", &staging.join(METRICS_FILE), e))?,
                envs.sampler().map(|_| LevelLog::open(&staging, 0)).transpose()?,
            ))
        });
        let (lock, metrics, levels_log) = match opened {
            Ok(opened) => opened,
            Err(e) => {
                let _ = fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        let mut trainer = Trainer {
            normalizer: RewardNormalizer::new(cfg.num_envs, cfg.gamma),
            rng: Rng::new(mix(cfg.seed), mix(TRAINER_STREAM)),
            cfg,
            dir: staging.clone(),
            agent,
            adam,
            envs,
            memory,
            update: 0,
            global_step: 0,
            time_before: 0.0,
            metrics,
            metrics_bytes: 0,
            metrics_hash: Sha256::new(),
            levels_log,
            events: None,
            _lock: lock,
        };
        let committed = suite::record_run(&staging, &trainer.cfg)
            .and_then(|()| trainer.save_checkpoint(0.0, None))
            .and_then(|()| {
                fs::rename(&staging, dir)
                    .map_err(|e| AgentError::RunDir(format!("cannot create run directory {}: {e}", dir.display())))
            });
        if let Err(e) = committed {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        trainer.dir = dir.to_path_buf();
        Ok(trainer)
    }

    /// Reopens the run in `dir` at its last checkpoint: weights, Adam moments, counters,
    /// learning-rate schedule, reward statistics, RNG and every env's state, so that it
    /// continues exactly as if it had never stopped.
    pub fn resume(dir: &Path, options: &ResumeOptions) -> Result<Trainer, AgentError> {
        let lock = RunLock::acquire(dir).map_err(|e| match e {
            AgentError::Io { .. } if !dir.is_dir() => {
                AgentError::Checkpoint(format!("run directory {} does not exist", dir.display()))
            }
            e => e,
        })?;
        remove_temp_files(dir);
        let ckpt = checkpoint::load(dir)?;
        let mut cfg = ckpt.config.clone();
        cfg.device = options.device.unwrap_or(cfg.device);
        cfg.env_threads = options.env_threads.unwrap_or(cfg.env_threads);
        cfg.torch_threads = options.torch_threads.unwrap_or(cfg.torch_threads);
        cfg.checkpoint_every = options.checkpoint_every.unwrap_or(cfg.checkpoint_every);
        cfg.validate().map_err(|e| AgentError::Checkpoint(format!("checkpoint config: {e}")))?;
        cfg.check_memory()?;
        let (metrics, metrics_hash) = open_metrics(dir, &ckpt)?;
        let device = cfg.device.resolve()?;
        tch::set_num_threads(cfg.torch_threads as i32);
        let agent = ckpt.load_agent(dir, device)?;
        let mut adam = Adam::new(agent.named_variables(), cfg.adam_eps);
        let moments = checkpoint::read_tensors(dir, &ckpt.optimizer_file, ckpt.optimizer_sha256.as_deref())?;
        adam.load_state(ckpt.adam_step, &moments).map_err(|e| {
            AgentError::Checkpoint(format!("checkpoint file {} {e}", dir.join(&ckpt.optimizer_file).display()))
        })?;
        let envs = TrainEnvs::restore(&cfg, &ckpt.envs, ckpt.curriculum.as_ref().map(|c| &c.sampler))?;
        let levels_log = ckpt.curriculum.as_ref().map(|c| LevelLog::open(dir, c.levels_bytes)).transpose()?;
        let memory = ckpt.load_memory(dir, &agent)?;
        // Lines logged after the checkpoint are redone by this session.
        let metrics_path = dir.join(METRICS_FILE);
        metrics.set_len(ckpt.metrics_bytes).map_err(|e| AgentError::io("truncate", &metrics_path, e))?;
        Ok(Trainer {
            cfg,
            dir: dir.to_path_buf(),
            agent,
            adam,
            envs,
            memory,
            normalizer: ckpt.reward_normalizer,
            rng: ckpt.rng,
            update: ckpt.update,
            global_step: ckpt.global_step,
            time_before: ckpt.time_s,
            metrics,
            metrics_bytes: ckpt.metrics_bytes,
            metrics_hash,
            levels_log,
            events: None,
            _lock: lock,
        })
    }

    /// The run's configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// Updates done.
    pub fn update(&self) -> u64 {
        self.update
    }

    /// Env steps done.
    pub fn global_step(&self) -> u64 {
        self.global_step
    }

    /// The agent being trained.
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// The device training runs on.
    pub fn device(&self) -> tch::Device {
        self.agent.device()
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Trains until the step budget is spent or `stop` becomes true, calling `on_update`
    /// after each update. Checkpoints every `checkpoint_every` updates, at the end, and on
    /// stop. After an `Interrupted` return, drop the trainer (resume from the directory).
    pub fn run(&mut self, stop: &AtomicBool, on_update: &mut dyn FnMut(&UpdateRecord)) -> Result<RunEnd, AgentError> {
        let cfg = self.cfg.clone();
        let (n, num_updates) = (cfg.num_envs, cfg.num_updates());
        let session = Instant::now();
        let elapsed = |time_before: f64| time_before + session.elapsed().as_secs_f64();
        let mut rollout = self.new_rollout();
        let mut finished: Vec<StepInfo> = Vec::new();
        let mut trace = self.envs.sampler().map(|_| LevelTrace::new(rollout.len()));

        while self.update < num_updates {
            let update_start = Instant::now();
            let boundary = self.boundary();
            if stop.load(Ordering::SeqCst) {
                return self.interrupt(elapsed(self.time_before), None);
            }
            // Learning rate: linear decay from `learning_rate` to 0 over the run.
            let lr = if cfg.anneal_lr {
                cfg.learning_rate * (1.0 - self.update as f64 / num_updates as f64)
            } else {
                cfg.learning_rate
            };

            // 1. Rollout: num_steps steps of every env under the current policy.
            if !self.collect(&mut rollout, &mut finished, trace.as_mut(), stop)? {
                return self.interrupt(elapsed(self.time_before), Some(boundary));
            }

            // 2. Advantages by GAE, bootstrapped from the values of the next observations.
            let last_values = self.agent.values(self.envs.obs(), n, &self.memory);
            let advantages = gae(
                &rollout.rewards,
                &rollout.values,
                &rollout.ended,
                &last_values,
                cfg.gamma as f32,
                cfg.gae_lambda as f32,
            );

            // 3. PPO update: epochs of clipped-objective minibatch steps.
            let mut batch =
                Batch::new(&rollout, &advantages, &boundary.memory, &self.agent.obs_shape, self.agent.device());
            let level_changes = match (&trace, self.envs.sampler_mut()) {
                (Some(trace), Some(sampler)) => {
                    if cfg.curriculum.learns_from_replays_only() {
                        batch.learn_only_from(trace.replayed_samples());
                    }
                    curriculum::score_rollout(sampler, trace, &rollout.ended, &advantages, n)
                }
                _ => Vec::new(),
            };
            let stats = ppo::update(&self.agent.net, &mut self.adam, &batch, &cfg, lr, &mut self.rng);
            self.update += 1;
            self.global_step += cfg.batch_size() as u64;

            // 4. Log, then checkpoint.
            let mut record = self.record(&stats, &finished, lr, update_start, elapsed(self.time_before));
            if let (Some(trace), Some(sampler), Some(log)) = (&trace, self.envs.sampler(), &mut self.levels_log) {
                record.curriculum = Some(CurriculumPoint::new(sampler, trace));
                log.write(&self.dir, self.update, &level_changes)?;
            }
            if periodic_eval::due(&cfg, self.update) {
                record.eval = Some(periodic_eval::evaluate(&self.agent, &cfg)?);
                record.time_s = elapsed(self.time_before);
            }
            self.log(&record)?;
            on_update(&record);
            if self.update.is_multiple_of(cfg.checkpoint_every) || self.update == num_updates {
                self.save_checkpoint(elapsed(self.time_before), None)?;
            }
        }
        self.write_summary(true)?;
        Ok(RunEnd::Finished)
    }

    /// Empty storage for one rollout of this run.
    fn new_rollout(&self) -> Rollout {
        Rollout::new(self.cfg.num_steps, self.cfg.num_envs, self.agent.obs_shape.iter().product::<i64>() as usize)
    }

    /// The state as it stands between updates.
    fn boundary(&self) -> Boundary {
        Boundary {
            cursors: self.envs.cursors().to_vec(),
            sampler: self.envs.sampler().cloned(),
            normalizer: self.normalizer.clone(),
            rng: self.rng.clone(),
            memory: self.memory.copy(),
        }
    }

    /// Steps every env `num_steps` times under the current policy into `rollout`, the
    /// episodes that end into `finished`; each env's memory is carried from step to step and
    /// forgotten where its episode ends; `trace` (under a curriculum) records each step's
    /// levels. False if `stop` came first.
    fn collect(
        &mut self,
        rollout: &mut Rollout,
        finished: &mut Vec<StepInfo>,
        mut trace: Option<&mut LevelTrace>,
        stop: &AtomicBool,
    ) -> Result<bool, AgentError> {
        let n = self.cfg.num_envs;
        finished.clear();
        for t in 0..self.cfg.num_steps {
            if stop.load(Ordering::SeqCst) {
                return Ok(false);
            }
            let range = rollout.step_range(t);
            let obs_range = range.start * rollout.obs_len..range.end * rollout.obs_len;
            rollout.obs[obs_range].copy_from_slice(self.envs.obs());
            if let Some(trace) = trace.as_deref_mut() {
                trace.record(t, self.envs.cursors());
            }
            let act = self.agent.act(self.envs.obs(), n, &mut self.memory, &mut self.rng, false);
            let out = self.envs.step(&act.actions)?;
            self.memory.reset(&out.ended);
            let mut rewards = out.reward.clone();
            if self.cfg.norm_reward {
                self.normalizer.normalize(&mut rewards, &out.ended);
            }
            rollout.rewards[range.clone()].copy_from_slice(&rewards);
            rollout.ended[range.clone()].copy_from_slice(&out.ended);
            finished.extend_from_slice(&out.finished);
            rollout.logprobs[range.clone()].copy_from_slice(&act.logprobs);
            rollout.values[range.clone()].copy_from_slice(&act.values);
            for (slot, &a) in rollout.actions[range].iter_mut().zip(&act.actions) {
                *slot = a as i64;
            }
        }
        Ok(true)
    }

    fn record(
        &self,
        stats: &ppo::UpdateStats,
        finished: &[StepInfo],
        lr: f64,
        update_start: Instant,
        time_s: f64,
    ) -> UpdateRecord {
        let episodes = finished.len();
        let mean =
            |f: fn(&StepInfo) -> f64| (episodes > 0).then(|| finished.iter().map(f).sum::<f64>() / episodes as f64);
        UpdateRecord {
            update: self.update,
            global_step: self.global_step,
            time_s,
            sps: self.cfg.batch_size() as f64 / update_start.elapsed().as_secs_f64(),
            learning_rate: lr,
            episodes: episodes as u64,
            episode_return_mean: mean(|e| e.episode_return as f64),
            episode_length_mean: mean(|e| e.episode_length as f64),
            success_rate: mean(|e| if e.episode_success { 1.0 } else { 0.0 }),
            stats: *stats,
            eval: None,
            curriculum: None,
        }
    }

    fn log(&mut self, record: &UpdateRecord) -> Result<(), AgentError> {
        let mut line = serde_json::to_string(record).expect("a metrics record serializes");
        line.push('\n');
        let path = self.dir.join(METRICS_FILE);
        self.metrics.write_all(line.as_bytes()).map_err(|e| AgentError::io("write", &path, e))?;
        self.metrics.flush().map_err(|e| AgentError::io("write", &path, e))?;
        self.metrics_bytes += line.len() as u64;
        self.metrics_hash.update(line.as_bytes());
        let events = match &mut self.events {
            Some(events) => events,
            None => self.events.insert(EventWriter::create(&self.dir, record.global_step)?),
        };
        events.write_record(record.global_step, "", record)
    }

    /// Checkpoints the current state, or `boundary`'s env, RNG and reward state when a rollout
    /// was cut short (weights and Adam do not change during a rollout).
    fn save_checkpoint(&mut self, time_s: f64, boundary: Option<Boundary>) -> Result<(), AgentError> {
        let state = boundary.unwrap_or_else(|| self.boundary());
        let game = ludica_envs::games::find(&self.cfg.game)?;
        let ckpt = Checkpoint {
            format: checkpoint::FORMAT,
            ludica_version: env!("CARGO_PKG_VERSION").to_string(),
            game: self.cfg.game.clone(),
            obs: self.cfg.obs,
            obs_shape: game.obs_shape(self.cfg.obs),
            num_actions: game.actions.len(),
            levels: self.cfg.levels(),
            config: self.cfg.clone(),
            update: self.update,
            global_step: self.global_step,
            time_s,
            model_file: String::new(),
            optimizer_file: String::new(),
            adam_step: self.adam.step,
            rng: state.rng,
            reward_normalizer: state.normalizer,
            envs: state.cursors,
            metrics_bytes: self.metrics_bytes,
            model_sha256: None,
            optimizer_sha256: None,
            metrics_sha256: Some(checkpoint::hasher_hex(&self.metrics_hash)),
            curriculum: state.sampler.map(|sampler| CurriculumState {
                sampler,
                levels_bytes: self.levels_log.as_ref().map_or(0, LevelLog::bytes),
            }),
            memory_file: None,
            memory_sha256: None,
        };
        self.metrics.sync_data().map_err(|e| AgentError::io("write", &self.dir.join(METRICS_FILE), e))?;
        checkpoint::save(&self.dir, ckpt, &self.agent.named_variables(), &self.adam.state(), &state.memory)
    }

    fn interrupt(&mut self, time_s: f64, boundary: Option<Boundary>) -> Result<RunEnd, AgentError> {
        self.save_checkpoint(time_s, boundary)?;
        self.write_summary(false)?;
        Ok(RunEnd::Interrupted)
    }

    fn write_summary(&self, finished: bool) -> Result<(), AgentError> {
        let records = read_metrics(&self.dir.join(METRICS_FILE))?;
        let summary = Summary::from_records(&self.cfg.game, &self.cfg.obs.to_string(), &records, finished);
        let json = serde_json::to_vec_pretty(&summary).expect("a summary serializes");
        Ok(write_file(&self.dir.join(SUMMARY_FILE), &json)?)
    }
}

/// Opens the run's metrics file for appending after checking that its first `metrics_bytes`
/// bytes are the ones the checkpoint recorded (by checksum; for a format-1 checkpoint, by
/// parsing every line). Returns it with the running hash of those bytes.
fn open_metrics(dir: &Path, ckpt: &Checkpoint) -> Result<(File, Sha256), AgentError> {
    let path = dir.join(METRICS_FILE);
    let mut metrics =
        OpenOptions::new().read(true).append(true).open(&path).map_err(|e| AgentError::io("open", &path, e))?;
    let len = metrics.metadata().map_err(|e| AgentError::io("read", &path, e))?.len();
    if len < ckpt.metrics_bytes {
        return Err(AgentError::Checkpoint(format!(
            "{} is shorter than its checkpoint says ({len} < {} bytes): it was truncated",
            path.display(),
            ckpt.metrics_bytes
        )));
    }
    let mut committed = Vec::new();
    (&mut metrics)
        .take(ckpt.metrics_bytes)
        .read_to_end(&mut committed)
        .map_err(|e| AgentError::io("read", &path, e))?;
    let hash = Sha256::new_with_prefix(&committed);
    let changed = match &ckpt.metrics_sha256 {
        Some(expected) => checkpoint::hasher_hex(&hash) != *expected,
        None => crate::metrics::parse_metrics(&committed, &path).is_err(),
    };
    if changed {
        return Err(AgentError::Checkpoint(format!(
            "{} does not match its checkpoint: its first {} bytes (update {} and before) were changed or damaged",
            path.display(),
            ckpt.metrics_bytes,
            ckpt.update
        )));
    }
    Ok((metrics, hash))
}

/// Removes temporary files a killed trainer left in its run directory (the caller holds the
/// run's lock, so no live writer owns them).
fn remove_temp_files(dir: &Path) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_name().to_str().is_some_and(is_temp_name) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DeviceChoice;
    use crate::net::Network;
    use ludica_envs::ObsKind;
    use ludica_procgen::Difficulty;
    use tch::Tensor;

    /// Largest gap between the log-probabilities the update's first epoch recomputes for
    /// `batch` (with learning rate 0, so that no gradient step moves the weights) and those
    /// the rollout recorded, and how many transitions the epoch covered.
    fn first_epoch_gap(t: &mut Trainer, batch: &Batch, rollout: &Rollout) -> (f32, usize) {
        let (mut gap, mut covered) = (0f32, 0);
        let recorded = Tensor::from_slice(&rollout.logprobs);
        let mut rng = t.rng.clone();
        ppo::update_observed(&t.agent.net, &mut t.adam, batch, &t.cfg, 0.0, &mut rng, &mut |epoch, idx, new| {
            if epoch == 0 {
                let old = recorded.index_select(0, idx);
                gap = gap.max(f32::try_from((new.detach() - old).abs().max()).unwrap());
                covered += idx.size()[0] as usize;
            }
        });
        (gap, covered)
    }

    #[test]
    fn the_update_recomputes_the_log_probabilities_the_recurrent_rollout_recorded() {
        for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
            let cfg = TrainConfig {
                obs,
                network: Network::Lstm,
                lstm_size: 16,
                hidden: 16,
                num_envs: 4,
                num_steps: 24,
                num_minibatches: 2,
                update_epochs: 2,
                steps: 4 * 24 * 2,
                // Episodes end inside the sequences, at different steps in different envs.
                max_episode_steps: 9,
                num_levels: 20,
                difficulty: Difficulty::MIN,
                device: DeviceChoice::Cpu,
                ..TrainConfig::default()
            };
            let dir = std::env::temp_dir().join(format!("ludica-lstm-logprobs-{obs}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            let mut t = Trainer::create(cfg, &dir).unwrap();
            let mut rollout = t.new_rollout();
            let mut finished = Vec::new();
            // The second rollout starts from the non-zero states the first left.
            for round in 0..2 {
                let initial = t.memory.copy();
                assert!(t.collect(&mut rollout, &mut finished, None, &AtomicBool::new(false)).unwrap());
                let ends: Vec<usize> = (0..t.cfg.num_steps)
                    .map(|s| rollout.ended[rollout.step_range(s)].iter().filter(|&&e| e).count())
                    .collect();
                assert!(ends.iter().any(|&k| k > 0 && k < t.cfg.num_envs), "{obs}: staggered ends {ends:?}");
                let start_sum = f64::try_from(initial.lstm().unwrap().h.abs().sum(tch::Kind::Float)).unwrap();
                assert_eq!(start_sum > 0.0, round == 1, "{obs}: round {round} starts from {start_sum}");
                let advantages = vec![0.25; rollout.len()];
                let device = t.device();
                let batch = Batch::new(&rollout, &advantages, &initial, &t.agent.obs_shape, device);
                let (gap, covered) = first_epoch_gap(&mut t, &batch, &rollout);
                assert!(gap < 1e-5, "{obs} round {round}: recomputed log-probabilities differ by {gap}");
                assert_eq!(covered, rollout.len(), "{obs}: the first epoch covers every transition once");
                if round == 1 {
                    // Unrolled from blank states instead, the sequences are not the rollout's.
                    let blank = t.agent.memory(t.cfg.num_envs);
                    let wrong = Batch::new(&rollout, &advantages, &blank, &t.agent.obs_shape, device);
                    let (gap, _) = first_epoch_gap(&mut t, &wrong, &rollout);
                    assert!(gap > 1e-4, "{obs}: the initial state must matter, gap {gap}");
                }
            }
            drop(t);
            fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn a_restricted_recurrent_update_unrolls_masked_steps_but_learns_only_from_the_others() {
        let cfg = TrainConfig {
            network: Network::Lstm,
            lstm_size: 16,
            hidden: 16,
            num_envs: 4,
            num_steps: 16,
            num_minibatches: 2,
            update_epochs: 2,
            steps: 4 * 16,
            max_episode_steps: 7,
            num_levels: 20,
            difficulty: Difficulty::MIN,
            device: DeviceChoice::Cpu,
            ..TrainConfig::default()
        };
        let dirs: Vec<_> = (0..2)
            .map(|k| std::env::temp_dir().join(format!("ludica-lstm-masked-{k}-{}", std::process::id())))
            .collect();
        dirs.iter().for_each(|d| drop(fs::remove_dir_all(d)));
        let (mut t, mut twin) =
            (Trainer::create(cfg.clone(), &dirs[0]).unwrap(), Trainer::create(cfg, &dirs[1]).unwrap());
        let mut rollout = t.new_rollout();
        let initial = t.memory.copy();
        assert!(t.collect(&mut rollout, &mut Vec::new(), None, &AtomicBool::new(false)).unwrap());
        // Learned: envs 0 and 1 from step 5 on (after masked steps that carry their state).
        let n = t.cfg.num_envs as i64;
        let steps = t.cfg.num_steps as i64;
        let learned = move || -> Vec<i64> { (5..steps).flat_map(|s| [s * n, s * n + 1]).collect() };
        let samples = learned();
        let advantages: Vec<f32> = (0..rollout.len()).map(|i| (i % 7) as f32 * 0.1 - 0.3).collect();
        let device = t.device();
        let mut batch = Batch::new(&rollout, &advantages, &initial, &t.agent.obs_shape, device);
        batch.learn_only_from(samples.clone());

        // The learned steps' log-probabilities come from the unroll through the masked ones.
        let (gap, covered) = first_epoch_gap(&mut t, &batch, &rollout);
        assert!(gap < 1e-5, "recomputed log-probabilities differ by {gap}");
        assert_eq!(covered, samples.len(), "the first epoch covers the learned steps, once each");
        twin.rng = t.rng.clone();
        first_epoch_gap(&mut twin, &batch, &rollout); // the same Adam history as `t`

        // Masked steps contribute no loss: other advantages there leave the update the same.
        let mut changed = advantages.clone();
        for (i, a) in changed.iter_mut().enumerate() {
            if !samples.contains(&(i as i64)) {
                *a = 5.0 - *a * 3.0;
            }
        }
        let mut other = Batch::new(&rollout, &changed, &initial, &t.agent.obs_shape, device);
        other.learn_only_from(samples);
        let same_weights = |t: &Trainer, twin: &Trainer| {
            t.agent.named_variables().iter().zip(twin.agent.named_variables()).all(|((_, x), (_, y))| x.equal(&y))
        };
        assert!(same_weights(&t, &twin), "both trainers start from the seed's weights");
        let rng = t.rng.clone();
        let a = ppo::update(&t.agent.net, &mut t.adam, &batch, &t.cfg, 1e-3, &mut rng.clone());
        let b = ppo::update(&twin.agent.net, &mut twin.adam, &other, &twin.cfg, 1e-3, &mut rng.clone());
        assert_eq!((a.policy_loss, a.value_loss), (b.policy_loss, b.value_loss));
        assert!(same_weights(&t, &twin), "the masked steps' advantages moved the weights");
        // Whereas a learned step's advantage counts (learning rate 0: the weights stay put).
        let d = ppo::update(&twin.agent.net, &mut twin.adam, &other, &twin.cfg, 0.0, &mut rng.clone());
        changed[(5 * n) as usize] += 1.0;
        let mut third = Batch::new(&rollout, &changed, &initial, &t.agent.obs_shape, device);
        third.learn_only_from(learned());
        let c = ppo::update(&twin.agent.net, &mut twin.adam, &third, &twin.cfg, 0.0, &mut rng.clone());
        assert_ne!(c.policy_loss, d.policy_loss);
        drop((t, twin));
        dirs.iter().for_each(|d| fs::remove_dir_all(d).unwrap());
    }
}
