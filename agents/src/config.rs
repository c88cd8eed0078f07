//! Everything that defines a training run, with Procgen's published PPO settings as defaults:
//! `TrainConfig`, its validation, loading from TOML or JSON files, and the value parsers
//! (`25M` step counts, `easy` difficulties, `auto|cpu|cuda` devices) the CLI shares.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use clap::{ArgAction, Args, FromArgMatches};
use ludica_envs::curriculum::{self, Curriculum, PlrParams, ScoreFn};
use ludica_envs::{LevelSpec, ObsKind, SEED_LIMIT, ViewMode};
use ludica_procgen::Difficulty;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::AgentError;
use crate::net::{NetSpec, Network};
use ludica_envs::memory::product;

/// Most envs a run steps together.
pub const MAX_NUM_ENVS: usize = 4096;
/// Most steps per env in one rollout.
pub const MAX_NUM_STEPS: usize = 65_536;
/// Most passes over one rollout.
pub const MAX_UPDATE_EPOCHS: usize = 1000;
/// Widest hidden layer.
pub const MAX_HIDDEN: usize = 8192;
/// Most env worker threads or libtorch threads.
pub const MAX_THREADS: usize = ludica_envs::MAX_THREADS;

/// The hyper-parameters and settings of a run, each declared once: its doc is the flag's
/// help and the key's documentation, its `arg` attribute holds the default that both
/// `ludica train --help` and config files use. Field names are the config-file keys and,
/// with `-` for `_`, the `ludica train` flags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Game to train on (see `ludica games`).
    #[arg(long, default_value = "maze")]
    pub game: String,
    /// Observations: rgb (IMPALA-CNN) or symbolic (MLP).
    #[arg(long, default_value_t = ObsKind::Rgb)]
    pub obs: ObsKind,
    /// View: full (what the game frames) or local (a window centred on the agent, the rest of
    /// the level unseen; the same observation shape). Evaluation uses the same view.
    #[arg(long, default_value_t = ViewMode::Full)]
    pub view: ViewMode,
    /// Number of distinct training levels, 0 for unlimited (Procgen's protocol: 200).
    #[arg(long, default_value_t = 200)]
    pub num_levels: u64,
    /// First training level seed.
    #[arg(long, default_value_t = 0)]
    pub start_level: u64,
    /// Difficulty: easy, medium, hard or a number in [0, 1].
    #[arg(long, default_value_t = Difficulty::EASY)]
    #[serde(deserialize_with = "de_difficulty")]
    pub difficulty: Difficulty,
    /// Cut episodes after N steps as failures (Gymnasium's TimeLimit); 0 keeps the game's own
    /// limit. Evaluation uses the same limit.
    #[arg(long, default_value_t = 0)]
    pub max_episode_steps: u32,
    /// Total env steps (all envs together), with K/M/G suffixes; rounded down to whole
    /// rollouts of num_envs x num_steps (a note says so).
    #[arg(long, default_value = "25M", value_parser = parse_count)]
    #[serde(serialize_with = "ser_count", deserialize_with = "de_count")]
    pub steps: u64,
    /// Seed of weights, actions, minibatches and level streams, in [0, 2^63).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the network runs: auto (CUDA when present, else CPU), cpu, cuda or cuda:N.
    #[arg(long, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Worker threads stepping the envs, 1 to 1024 (results do not depend on it).
    #[arg(long, default_value_t = 1)]
    pub env_threads: usize,
    /// Threads libtorch may use on the CPU, 1 to 1024.
    #[arg(long, default_value_t = 1)]
    pub torch_threads: usize,
    /// Checkpoint every this many updates (and at the end).
    #[arg(long, default_value_t = 50)]
    pub checkpoint_every: u64,
    /// PPO: envs stepped together, 1 to 4096.
    #[arg(long, default_value_t = 64)]
    pub num_envs: usize,
    /// PPO: steps per env per rollout, 1 to 65536.
    #[arg(long, default_value_t = 256)]
    pub num_steps: usize,
    /// PPO: minibatches per rollout; must divide num_envs x num_steps.
    #[arg(long, default_value_t = 8)]
    pub num_minibatches: usize,
    /// PPO: epochs over each rollout, 1 to 1000.
    #[arg(long, default_value_t = 3)]
    pub update_epochs: usize,
    /// PPO: Adam learning rate (at the start, when annealed).
    #[arg(long, default_value_t = 5e-4, value_parser = parse_finite)]
    pub learning_rate: f64,
    /// PPO: anneal the learning rate linearly to 0 over the run.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub anneal_lr: bool,
    /// PPO: Adam epsilon (CleanRL's).
    #[arg(long, default_value_t = 1e-5, value_parser = parse_finite)]
    pub adam_eps: f64,
    /// PPO: discount factor, in [0, 1].
    #[arg(long, default_value_t = 0.999, value_parser = parse_finite)]
    pub gamma: f64,
    /// PPO: GAE lambda, in [0, 1].
    #[arg(long, default_value_t = 0.95, value_parser = parse_finite)]
    pub gae_lambda: f64,
    /// PPO: clip range of the probability ratio and of the value change.
    #[arg(long, default_value_t = 0.2, value_parser = parse_finite)]
    pub clip_coef: f64,
    /// PPO: clip the value loss around the rollout's values.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub clip_vloss: bool,
    /// PPO: entropy bonus coefficient.
    #[arg(long, default_value_t = 0.01, value_parser = parse_finite)]
    pub ent_coef: f64,
    /// PPO: value loss coefficient.
    #[arg(long, default_value_t = 0.5, value_parser = parse_finite)]
    pub vf_coef: f64,
    /// PPO: gradients are rescaled so their global norm is at most this.
    #[arg(long, default_value_t = 0.5, value_parser = parse_finite)]
    pub max_grad_norm: f64,
    /// PPO: normalize advantages within each minibatch.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub norm_adv: bool,
    /// PPO: scale rewards by a running estimate of the discounted return's std.
    #[arg(long, default_value_t = true, action = ArgAction::Set)]
    pub norm_reward: bool,
    /// Width of the network's hidden layer(s), 1 to 8192 (the IMPALA-CNN's 256).
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    /// Which training level each env plays next: dr (uniform), plr (Prioritized Level
    /// Replay) or robust-plr (PLR, learning only from replayed levels); see docs/curricula.md.
    #[arg(long, default_value_t = Curriculum::Dr)]
    pub curriculum: Curriculum,
    /// PLR: most levels in the replay buffer; 0 = the whole level set, at most 4000.
    #[arg(long, default_value_t = 0)]
    pub plr_buffer_size: usize,
    /// PLR: temperature beta of the rank prioritization (1/rank)^(1/beta), > 0.
    #[arg(long, default_value_t = curriculum::DEFAULT_TEMPERATURE, value_parser = parse_finite)]
    pub plr_temperature: f64,
    /// PLR: staleness coefficient rho in [0, 1], the staleness share of the replay distribution.
    #[arg(long, default_value_t = curriculum::DEFAULT_STALENESS, value_parser = parse_finite)]
    pub plr_staleness: f64,
    /// PLR: probability in [0, 1] of replaying a buffered level (capped by the buffer's fill).
    #[arg(long, default_value_t = curriculum::DEFAULT_REPLAY_PROB, value_parser = parse_finite)]
    pub plr_replay_prob: f64,
    /// PLR: level score, positive-value-loss (mean max(GAE, 0)) or abs-gae (mean |GAE|).
    #[arg(long, default_value_t = ScoreFn::PositiveValueLoss)]
    pub plr_score: ScoreFn,
    /// Network: feedforward, or lstm (an LSTM core after the encoder, its state carried per
    /// env and reset at episode ends; minibatches are then whole env sequences, so num_envs
    /// must be a multiple of num_minibatches).
    #[arg(long, value_enum, default_value_t = Network::Feedforward)]
    pub network: Network,
    /// Units of the LSTM core with --network lstm, 1 to 8192.
    #[arg(long, default_value_t = 256)]
    pub lstm_size: usize,
    /// Evaluate every K updates (and after the last) on the training levels and on held-out
    /// levels, logged in metrics.jsonl; 0 never evaluates.
    #[arg(long, default_value_t = 0)]
    pub eval_every: u64,
    /// Episodes per split in each evaluation, 2 to 1000000.
    #[arg(long, default_value_t = 100)]
    pub eval_episodes: usize,
    /// First seed of the held-out levels (unlimited from there; they must lie above the
    /// training levels), as in `ludica eval`.
    #[arg(long, default_value_t = crate::eval::DEFAULT_TEST_START)]
    pub test_start_level: u64,
}

/// The defaults are the ones the fields' `arg` attributes declare: the config of an empty
/// command line.
impl Default for TrainConfig {
    fn default() -> Self {
        let command = TrainConfig::augment_args(clap::Command::new("defaults").no_binary_name(true));
        let matches = command
            .try_get_matches_from(std::iter::empty::<String>())
            .expect("an empty command line parses: every option has a default");
        TrainConfig::from_arg_matches(&matches).expect("every default parses as its field's type")
    }
}

impl TrainConfig {
    /// Reads a config from a `.toml` or `.json` file. Keys left out keep their defaults;
    /// an unknown key or a bad value is an error naming it.
    pub fn from_file(path: &Path) -> Result<TrainConfig, AgentError> {
        let text = std::fs::read_to_string(path).map_err(|e| AgentError::io("read config", path, e))?;
        let format = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        TrainConfig::from_text(&text, format)
            .map_err(|msg| AgentError::Config(format!("config file {}: {msg}", path.display())))
    }

    /// Parses the text of a config file in `format` (`toml` or `json`); the error says why not.
    pub fn from_text(text: &str, format: &str) -> Result<TrainConfig, String> {
        match format {
            "toml" => toml::from_str(text).map_err(|e| e.message().to_string()),
            "json" => {
                // An array would fill the fields by position: only an object of keys is a config.
                let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
                if !value.is_object() {
                    return Err(format!(
                        "it holds {}, but a config is a JSON object of option keys, like {{\"num_envs\": 8}}",
                        json_kind(&value)
                    ));
                }
                serde_json::from_value(value).map_err(|e| e.to_string())
            }
            _ => Err("unknown format: the name must end in .toml or .json".into()),
        }
    }

    /// Rollout size: `num_envs * num_steps`.
    pub fn batch_size(&self) -> usize {
        self.num_envs * self.num_steps
    }

    /// Samples per minibatch.
    pub fn minibatch_size(&self) -> usize {
        self.batch_size() / self.num_minibatches
    }

    /// The network this run trains, for `game` (the run's game).
    pub fn net_spec(&self, game: &ludica_envs::GameDef) -> NetSpec {
        let lstm = (self.network == Network::Lstm).then_some(self.lstm_size);
        NetSpec { lstm, ..NetSpec::new(game, self.obs, self.hidden) }
    }

    /// Updates in the whole run (the last partial rollout is dropped, as in CleanRL).
    pub fn num_updates(&self) -> u64 {
        self.steps / self.batch_size() as u64
    }

    /// The training level distribution.
    pub fn levels(&self) -> LevelSpec {
        LevelSpec {
            num_levels: self.num_levels,
            start_level: self.start_level,
            sequential: false,
            difficulty: self.difficulty,
        }
    }

    /// The curriculum's settings.
    pub fn plr_params(&self) -> PlrParams {
        PlrParams {
            buffer_size: self.plr_buffer_size,
            temperature: self.plr_temperature,
            staleness: self.plr_staleness,
            replay_prob: self.plr_replay_prob,
            score: self.plr_score,
        }
    }

    /// The episode time limit, when shorter than the game's own.
    pub fn time_limit(&self) -> Option<u32> {
        (self.max_episode_steps > 0).then_some(self.max_episode_steps)
    }

    /// The held-out level distribution: unlimited levels from `test_start_level`.
    pub fn test_levels(&self) -> LevelSpec {
        LevelSpec { num_levels: 0, start_level: self.test_start_level, ..self.levels() }
    }

    /// Checks every value against its allowed range; the error names the first bad one.
    /// Every config goes through it, from flags, files or a checkpoint, before anything is
    /// allocated.
    pub fn validate(&self) -> Result<(), AgentError> {
        let bad = |what: &str, got: String, allowed: &str| {
            Err(AgentError::Config(format!("{what} = {got} is out of range: {allowed}")))
        };
        ludica_envs::games::find(&self.game).map_err(|e| AgentError::Config(e.to_string()))?;
        self.levels().validate().map_err(|e| AgentError::Config(e.to_string()))?;
        if self.seed >= SEED_LIMIT {
            return bad("seed", self.seed.to_string(), "seeds are whole numbers in [0, 2^63)");
        }
        let counts = [
            ("num_envs", self.num_envs, MAX_NUM_ENVS),
            ("num_steps", self.num_steps, MAX_NUM_STEPS),
            ("update_epochs", self.update_epochs, MAX_UPDATE_EPOCHS),
            ("env_threads", self.env_threads, MAX_THREADS),
            ("torch_threads", self.torch_threads, MAX_THREADS),
            ("hidden", self.hidden, MAX_HIDDEN),
            ("lstm_size", self.lstm_size, MAX_HIDDEN),
        ];
        for (what, v, max) in counts {
            if !(1..=max).contains(&v) {
                return bad(what, v.to_string(), &format!("must be from 1 to {max}"));
            }
        }
        if self.num_minibatches == 0 || !self.batch_size().is_multiple_of(self.num_minibatches) {
            return bad(
                "num_minibatches",
                self.num_minibatches.to_string(),
                &format!("must divide num_envs x num_steps = {}", self.batch_size()),
            );
        }
        if self.network == Network::Lstm && !self.num_envs.is_multiple_of(self.num_minibatches) {
            return Err(AgentError::Config(format!(
                "num_minibatches = {} does not divide num_envs = {}: with network = lstm each minibatch is whole env sequences, so num_envs must be a multiple of num_minibatches",
                self.num_minibatches, self.num_envs
            )));
        }
        if !(2..=crate::eval::MAX_EPISODES).contains(&self.eval_episodes) {
            return bad(
                "eval_episodes",
                self.eval_episodes.to_string(),
                &format!("must be from 2 to {} (two at least, for confidence intervals)", crate::eval::MAX_EPISODES),
            );
        }
        self.test_levels().validate().map_err(|e| AgentError::Config(format!("test_start_level: {e}")))?;
        // Checked only when evaluating, so that runs made before this option still resume.
        let overlap = self.num_levels > 0 && self.test_start_level < self.start_level.saturating_add(self.num_levels);
        if self.eval_every > 0 && overlap {
            return bad(
                "test_start_level",
                self.test_start_level.to_string(),
                &format!(
                    "the held-out levels must lie above the training levels {}..{}",
                    self.start_level,
                    self.start_level + self.num_levels
                ),
            );
        }
        self.plr_params().check(&self.levels()).map_err(|e| AgentError::Config(e.to_string()))?;
        if self.checkpoint_every == 0 {
            return bad("checkpoint_every", "0".into(), "must be at least 1 update");
        }
        if self.num_updates() == 0 {
            return bad(
                "steps",
                self.steps.to_string(),
                &format!("must be at least one rollout, num_envs x num_steps = {}", self.batch_size()),
            );
        }
        let unit = [("gamma", self.gamma), ("gae_lambda", self.gae_lambda)];
        for (what, v) in unit {
            if !(0.0..=1.0).contains(&v) {
                return bad(what, v.to_string(), "must be in [0, 1]");
            }
        }
        let nonneg = [
            ("clip_coef", self.clip_coef),
            ("ent_coef", self.ent_coef),
            ("vf_coef", self.vf_coef),
            ("max_grad_norm", self.max_grad_norm),
        ];
        for (what, v) in nonneg {
            if !(v >= 0.0 && v.is_finite()) {
                return bad(what, v.to_string(), "must be a finite number >= 0");
            }
        }
        let positive_f = [("learning_rate", self.learning_rate), ("adam_eps", self.adam_eps)];
        for (what, v) in positive_f {
            if !(v > 0.0 && v.is_finite()) {
                return bad(what, v.to_string(), "must be a finite number > 0");
            }
        }
        Ok(())
    }

    /// Bytes a run of this (valid) config needs at least in main memory: the envs'
    /// observation buffers, the rollout storage and its copy as one batch tensor, one
    /// minibatch as floats (with an LSTM, also its gates, cells and outputs at every step,
    /// kept for the backward pass), and the network's weights, gradients and two Adam moments.
    pub fn memory_needed(&self) -> Result<u64, AgentError> {
        let game = ludica_envs::games::find(&self.game)?;
        let obs_len = game.obs_len(self.obs);
        let envs = product(&[self.num_envs, 2, obs_len]);
        // Per transition: its observation twice, an i64 action, three f32s, an ended flag.
        let rollout = product(&[self.batch_size(), 2 * obs_len + 8 + 3 * 4 + 1]);
        let spec = self.net_spec(game);
        let recurrent = spec.lstm.map_or(0, |size| product(&[self.minibatch_size(), size, 7 * 4]));
        let minibatch = product(&[self.minibatch_size(), obs_len, 4]).saturating_add(recurrent);
        let network = spec.parameter_count().saturating_mul(4 * 4);
        Ok(envs.saturating_add(rollout).saturating_add(minibatch).saturating_add(network))
    }

    /// Refuses a run whose buffers cannot be allocated on this machine, naming the sizes.
    pub fn check_memory(&self) -> Result<(), AgentError> {
        let what = || {
            format!(
                "training {} {} with num_envs = {}, num_steps = {}, hidden = {}",
                self.game, self.obs, self.num_envs, self.num_steps, self.hidden
            )
        };
        ludica_envs::memory::ensure_fits(what, self.memory_needed()?).map_err(|e| AgentError::Config(e.to_string()))
    }

    /// A note when `steps` is not a whole number of rollouts: the run trains the rounded-down
    /// figure, and the note names it.
    pub fn rounding_note(&self) -> Option<String> {
        let trained = self.num_updates() * self.batch_size() as u64;
        (trained != self.steps).then(|| {
            format!(
                "note: steps = {} is not a multiple of num_envs x num_steps = {}: training {} updates = {trained} steps",
                self.steps,
                self.batch_size(),
                self.num_updates()
            )
        })
    }
}

/// What a JSON value is, for errors: `an array`, `a number`, ...
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// A float option's value: any finite number (`1e-4`, `0.5`), not `NaN` or `inf`.
pub fn parse_finite(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("'{s}' is not allowed: give a finite number, like 0.5 or 1e-4")),
    }
}

/// Where tensors live, as the user asked for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA device 0 when libtorch sees one, else the CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// CUDA device N.
    Cuda(usize),
}

/// The number of CUDA devices libtorch sees on this machine.
pub fn cuda_device_count() -> usize {
    tch::Cuda::device_count().max(0) as usize
}

impl DeviceChoice {
    /// The tch device, or an error when CUDA was asked for and is not there.
    pub fn resolve(self) -> Result<tch::Device, AgentError> {
        match self {
            DeviceChoice::Auto => Ok(tch::Device::cuda_if_available()),
            DeviceChoice::Cpu => Ok(tch::Device::Cpu),
            DeviceChoice::Cuda(n) => {
                let count = cuda_device_count();
                if count == 0 {
                    Err(AgentError::Device(format!(
                        "device '{self}' is not available: libtorch finds no CUDA GPU on this machine; use --device cpu or auto"
                    )))
                } else if n >= count {
                    Err(AgentError::Device(format!(
                        "device '{self}' is not available: this machine has CUDA devices 0..{count}"
                    )))
                } else {
                    Ok(tch::Device::Cuda(n))
                }
            }
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = AgentError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || AgentError::Config(format!("device '{s}' is not allowed: use auto, cpu, cuda or cuda:N"));
        match s {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda(0)),
            _ => match s.strip_prefix("cuda:") {
                Some(n) => n.parse().map(DeviceChoice::Cuda).map_err(|_| bad()),
                None => Err(bad()),
            },
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Auto => f.write_str("auto"),
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Cuda(0) => f.write_str("cuda"),
            DeviceChoice::Cuda(n) => write!(f, "cuda:{n}"),
        }
    }
}

impl Serialize for DeviceChoice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DeviceChoice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// Parses a count with an optional K/M/G suffix and `_` separators: `25M`, `1.5k`, `100_000`.
pub fn parse_count(s: &str) -> Result<u64, String> {
    let bad = || format!("'{s}' is not a count: use a whole number with an optional K, M or G suffix, like 25M");
    let clean: String = s.trim().chars().filter(|&c| c != '_').collect();
    let (digits, scale) = match clean.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&clean[..clean.len() - 1], 1e3),
        Some('M') => (&clean[..clean.len() - 1], 1e6),
        Some('G') => (&clean[..clean.len() - 1], 1e9),
        _ => (&clean[..], 1.0),
    };
    if scale == 1.0 {
        return digits.parse().map_err(|_| bad());
    }
    let value: f64 = digits.parse().map_err(|_| bad())?;
    let n = value * scale;
    if n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n < u64::MAX as f64 { Ok(n as u64) } else { Err(bad()) }
}

fn ser_count<S: Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(*v)
}

/// Accepts `steps = 25000000` or `steps = "25M"`.
fn de_count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Count {
        Number(u64),
        Text(String),
    }
    match Count::deserialize(d)? {
        Count::Number(n) => Ok(n),
        Count::Text(t) => parse_count(&t).map_err(serde::de::Error::custom),
    }
}

/// Accepts `difficulty = "easy"` or `difficulty = 0.3`.
fn de_difficulty<'de, D: Deserializer<'de>>(d: D) -> Result<Difficulty, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Value {
        Number(f32),
        Text(String),
    }
    match Value::deserialize(d)? {
        Value::Number(v) => Difficulty::new(v).map_err(serde::de::Error::custom),
        Value::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_procgens_ppo_settings() {
        let c = TrainConfig::default();
        assert_eq!((c.num_envs, c.num_steps, c.num_minibatches, c.update_epochs), (64, 256, 8, 3));
        assert_eq!((c.learning_rate, c.gamma, c.gae_lambda, c.clip_coef, c.ent_coef), (5e-4, 0.999, 0.95, 0.2, 0.01));
        assert_eq!(c.minibatch_size(), 2048);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn counts_take_suffixes() {
        assert_eq!(parse_count("25M"), Ok(25_000_000));
        assert_eq!(parse_count("1.5k"), Ok(1500));
        assert_eq!(parse_count("100_000"), Ok(100_000));
        assert!(parse_count("1.5").is_err());
        assert!(parse_count("-3M").is_err());
        assert!(parse_count("lots").unwrap_err().contains("'lots'"));
    }

    #[test]
    fn config_files_name_unknown_keys_and_keep_defaults() {
        let dir = std::env::temp_dir().join(format!("ludica-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.toml");
        std::fs::write(&good, "obs = \"symbolic\"\nsteps = \"2M\"\ndifficulty = \"hard\"\n").unwrap();
        let c = TrainConfig::from_file(&good).unwrap();
        assert_eq!((c.obs, c.steps, c.difficulty, c.num_envs), (ObsKind::Symbolic, 2_000_000, Difficulty::HARD, 64));
        let json = dir.join("c.json");
        std::fs::write(&json, r#"{"num_envs": 8, "device": "cpu"}"#).unwrap();
        assert_eq!(TrainConfig::from_file(&json).unwrap().device, DeviceChoice::Cpu);
        assert_eq!(TrainConfig::from_text("view = \"local\"", "toml").unwrap().view, ViewMode::Local);
        assert_eq!(TrainConfig::from_text("{}", "json").unwrap().view, ViewMode::Full, "full unless said");
        let err = TrainConfig::from_text("view = \"partial\"", "toml").unwrap_err();
        assert!(err.contains("view 'partial' is not allowed: use full or local"), "{err}");
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "learnin_rate = 0.1\n").unwrap();
        let err = TrainConfig::from_file(&bad).unwrap_err().to_string();
        assert!(err.contains("learnin_rate") && !err.contains('\n'), "{err}");
        for (text, kind) in [("[]", "an array"), ("[8, 256]", "an array"), ("3", "a number"), ("null", "null")] {
            let err = TrainConfig::from_text(text, "json").unwrap_err();
            assert!(err.contains(&format!("it holds {kind}")) && err.contains("JSON object"), "{err}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn out_of_range_values_are_named() {
        let check = |c: TrainConfig, word: &str| {
            let err = c.validate().unwrap_err().to_string();
            assert!(err.contains(word), "{err}");
        };
        check(TrainConfig { num_minibatches: 7, ..Default::default() }, "num_minibatches = 7");
        check(TrainConfig { gamma: 1.5, ..Default::default() }, "gamma = 1.5");
        check(TrainConfig { learning_rate: 0.0, ..Default::default() }, "learning_rate");
        check(TrainConfig { steps: 10, ..Default::default() }, "steps = 10");
        check(TrainConfig { game: "tetris".into(), ..Default::default() }, "tetris");
        check(
            TrainConfig { hidden: 1_000_000_000, ..Default::default() },
            "hidden = 1000000000 is out of range: must be from 1 to 8192",
        );
        check(TrainConfig { torch_threads: 5000, ..Default::default() }, "torch_threads = 5000");
        check(TrainConfig { update_epochs: 1001, ..Default::default() }, "update_epochs = 1001");
        check(TrainConfig { num_steps: MAX_NUM_STEPS + 1, ..Default::default() }, "num_steps = 65537");
        check(TrainConfig { seed: SEED_LIMIT, ..Default::default() }, "seed = 9223372036854775808");
        check(TrainConfig { plr_temperature: 0.0, ..Default::default() }, "plr_temperature = 0");
        check(TrainConfig { plr_replay_prob: 1.5, ..Default::default() }, "plr_replay_prob = 1.5");
        check(
            TrainConfig { curriculum: Curriculum::Plr, plr_buffer_size: 201, ..Default::default() },
            "plr_buffer_size = 201 is out of range: the buffer cannot hold more than the 200 training levels",
        );
        check(TrainConfig { lstm_size: 0, ..Default::default() }, "lstm_size = 0");
        // Feed-forward minibatches are any split of the transitions; recurrent ones whole envs.
        let split = TrainConfig { num_envs: 6, num_steps: 8, num_minibatches: 4, ..Default::default() };
        assert!(split.validate().is_ok());
        let recurrent = TrainConfig { network: Network::Lstm, ..split };
        let err = recurrent.validate().unwrap_err().to_string();
        assert!(err.contains("num_minibatches = 4") && err.contains("num_envs = 6") && !err.contains('\n'), "{err}");
        assert!(TrainConfig { num_minibatches: 3, ..recurrent }.validate().is_ok());
        let widest = TrainConfig { hidden: MAX_HIDDEN, num_envs: MAX_NUM_ENVS, steps: 1 << 40, ..Default::default() };
        assert!(widest.validate().is_ok());
    }

    #[test]
    fn memory_estimates_grow_with_the_buffers_and_refuse_the_impossible() {
        let small = TrainConfig { obs: ObsKind::Symbolic, ..Default::default() };
        let wide = TrainConfig { hidden: 4096, ..small.clone() };
        let (a, b) = (small.memory_needed().unwrap(), wide.memory_needed().unwrap());
        // The MLP's 4096 x 4096 layer alone is 16.8M parameters, x 16 bytes with Adam.
        assert!(b - a > 4096 * 4096 * 16, "{a} -> {b}");
        let rgb = TrainConfig::default();
        // The rollout holds 64 x 256 rgb observations, twice.
        assert!(rgb.memory_needed().unwrap() > 2 * 64 * 256 * 64 * 64 * 3);
        assert!(small.check_memory().is_ok());
        let huge = TrainConfig { num_envs: MAX_NUM_ENVS, num_steps: MAX_NUM_STEPS, steps: 1 << 40, ..rgb };
        if ludica_envs::memory::available().is_some() {
            let err = huge.check_memory().unwrap_err().to_string();
            assert!(err.contains("num_steps = 65536") && err.contains("TiB"), "{err}");
        }
    }

    #[test]
    fn steps_that_are_not_whole_rollouts_get_a_note() {
        let c = TrainConfig { steps: 200_000, ..Default::default() };
        let note = c.rounding_note().unwrap();
        assert!(note.contains("steps = 200000") && note.contains("12 updates = 196608 steps"), "{note}");
        assert_eq!(TrainConfig { steps: 16384 * 3, ..Default::default() }.rounding_note(), None);
    }

    #[test]
    fn defaults_come_from_the_flag_declarations() {
        let from_flags = TrainConfig::from_arg_matches(
            &TrainConfig::augment_args(clap::Command::new("t")).try_get_matches_from(["t", "--hidden", "64"]).unwrap(),
        )
        .unwrap();
        assert_eq!(from_flags, TrainConfig { hidden: 64, ..Default::default() });
        let lstm = TrainConfig::from_arg_matches(
            &TrainConfig::augment_args(clap::Command::new("t"))
                .try_get_matches_from(["t", "--network", "lstm", "--lstm-size", "32"])
                .unwrap(),
        )
        .unwrap();
        assert_eq!((lstm.network, lstm.lstm_size), (Network::Lstm, 32));
        assert_eq!(TrainConfig::from_text("network = \"lstm\"\nlstm_size = 32", "toml").unwrap(), lstm);
        let bad = TrainConfig::from_text("network = \"gru\"", "toml").unwrap_err();
        assert!(bad.contains("gru") && bad.contains("lstm") && bad.contains("feedforward"), "{bad}");
        assert_eq!(TrainConfig::default().network, Network::Feedforward);
        assert_eq!(TrainConfig::default().lstm_size, 256);
        assert_eq!(TrainConfig::from_text("", "toml").unwrap(), TrainConfig::default(), "an empty file");
    }

    #[test]
    fn devices_parse_and_name_bad_values() {
        assert_eq!("cuda:1".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cuda(1));
        assert_eq!(DeviceChoice::Cuda(0).to_string(), "cuda");
        assert!("gpu".parse::<DeviceChoice>().unwrap_err().to_string().contains("'gpu'"));
    }

    #[test]
    fn asking_for_a_missing_gpu_is_one_clear_line() {
        if tch::Cuda::device_count() == 0 {
            let err = DeviceChoice::Cuda(0).resolve().unwrap_err().to_string();
            assert!(err.contains("no CUDA GPU") && !err.contains('\n'), "{err}");
            assert_eq!(DeviceChoice::Auto.resolve().unwrap(), tch::Device::Cpu);
        } else {
            let n = tch::Cuda::device_count() as usize;
            assert!(DeviceChoice::Cuda(n).resolve().is_err());
        }
    }
}
