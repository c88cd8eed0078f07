//! Everything that defines a training run, with Procgen's published PPO settings as defaults:
//! `TrainConfig`, its validation, loading from TOML or JSON files, and the value parsers
//! (`25M` step counts, `easy` difficulties, `auto|cpu|cuda` devices) the CLI shares.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use ludica_envs::{LevelSpec, ObsKind};
use ludica_procgen::Difficulty;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::AgentError;

/// The hyper-parameters and settings of a run. Field names are the config-file keys and,
/// with `-` for `_`, the `ludica train` flags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Game to train on (see `ludica games`).
    pub game: String,
    /// Observation kind: `rgb` (IMPALA-CNN) or `symbolic` (MLP).
    pub obs: ObsKind,
    /// Number of distinct training levels; 0 means unlimited.
    pub num_levels: u64,
    /// First training level seed.
    pub start_level: u64,
    /// Level difficulty: easy, medium, hard or a number in [0, 1].
    #[serde(deserialize_with = "de_difficulty")]
    pub difficulty: Difficulty,
    /// Cut episodes after this many steps, as failures (Gymnasium's `TimeLimit`); 0 keeps
    /// the game's own limit. Evaluation uses the same limit.
    pub max_episode_steps: u32,
    /// Total environment steps to train for (all envs together).
    #[serde(serialize_with = "ser_count", deserialize_with = "de_count")]
    pub steps: u64,
    /// Seed of the network initialisation, action sampling, minibatches and level streams.
    pub seed: u64,
    /// Where the network runs: auto (CUDA when present, else CPU), cpu, cuda or cuda:N.
    pub device: DeviceChoice,
    /// Worker threads stepping the envs (results do not depend on it).
    pub env_threads: usize,
    /// Threads libtorch may use on the CPU.
    pub torch_threads: usize,
    /// Write a checkpoint every this many updates (and always at the end).
    pub checkpoint_every: u64,
    /// Envs stepped together.
    pub num_envs: usize,
    /// Steps per env in each rollout.
    pub num_steps: usize,
    /// Minibatches each rollout is split into.
    pub num_minibatches: usize,
    /// Passes over each rollout.
    pub update_epochs: usize,
    /// Adam learning rate (at the start, when annealed).
    pub learning_rate: f64,
    /// Decay the learning rate linearly to 0 over the run.
    pub anneal_lr: bool,
    /// Adam epsilon.
    pub adam_eps: f64,
    /// Discount factor.
    pub gamma: f64,
    /// GAE lambda.
    pub gae_lambda: f64,
    /// PPO clip range of the probability ratio (and of the value change).
    pub clip_coef: f64,
    /// Clip the value loss around the rollout's values.
    pub clip_vloss: bool,
    /// Entropy bonus coefficient.
    pub ent_coef: f64,
    /// Value loss coefficient.
    pub vf_coef: f64,
    /// Gradients are rescaled so their global norm is at most this.
    pub max_grad_norm: f64,
    /// Normalize advantages within each minibatch.
    pub norm_adv: bool,
    /// Scale rewards by a running estimate of the discounted return's standard deviation.
    pub norm_reward: bool,
    /// Width of the network's hidden layer(s).
    pub hidden: usize,
}

/// Defaults, shared by `TrainConfig::default()` and the CLI's help text.
pub mod defaults {
    /// Default game.
    pub const GAME: &str = "maze";
    /// Default training levels (Procgen's generalization protocol).
    pub const NUM_LEVELS: u64 = 200;
    /// Default first level.
    pub const START_LEVEL: u64 = 0;
    /// Default total steps (Procgen's easy-mode budget).
    pub const STEPS: u64 = 25_000_000;
    /// Default seed.
    pub const SEED: u64 = 1;
    /// Default env worker threads.
    pub const ENV_THREADS: usize = 1;
    /// Default libtorch CPU threads.
    pub const TORCH_THREADS: usize = 1;
    /// Default checkpoint interval, in updates.
    pub const CHECKPOINT_EVERY: u64 = 50;
    /// Default number of envs.
    pub const NUM_ENVS: usize = 64;
    /// Default rollout length.
    pub const NUM_STEPS: usize = 256;
    /// Default minibatches.
    pub const NUM_MINIBATCHES: usize = 8;
    /// Default epochs.
    pub const UPDATE_EPOCHS: usize = 3;
    /// Default learning rate.
    pub const LEARNING_RATE: f64 = 5e-4;
    /// Default Adam epsilon (CleanRL's).
    pub const ADAM_EPS: f64 = 1e-5;
    /// Default discount.
    pub const GAMMA: f64 = 0.999;
    /// Default GAE lambda.
    pub const GAE_LAMBDA: f64 = 0.95;
    /// Default clip range.
    pub const CLIP_COEF: f64 = 0.2;
    /// Default entropy coefficient.
    pub const ENT_COEF: f64 = 0.01;
    /// Default value coefficient.
    pub const VF_COEF: f64 = 0.5;
    /// Default gradient norm bound.
    pub const MAX_GRAD_NORM: f64 = 0.5;
    /// Default hidden width (the IMPALA-CNN's 256).
    pub const HIDDEN: usize = 256;
}

impl Default for TrainConfig {
    fn default() -> Self {
        use defaults::*;
        TrainConfig {
            game: GAME.into(),
            obs: ObsKind::Rgb,
            num_levels: NUM_LEVELS,
            start_level: START_LEVEL,
            difficulty: Difficulty::EASY,
            max_episode_steps: 0,
            steps: STEPS,
            seed: SEED,
            device: DeviceChoice::Auto,
            env_threads: ENV_THREADS,
            torch_threads: TORCH_THREADS,
            checkpoint_every: CHECKPOINT_EVERY,
            num_envs: NUM_ENVS,
            num_steps: NUM_STEPS,
            num_minibatches: NUM_MINIBATCHES,
            update_epochs: UPDATE_EPOCHS,
            learning_rate: LEARNING_RATE,
            anneal_lr: true,
            adam_eps: ADAM_EPS,
            gamma: GAMMA,
            gae_lambda: GAE_LAMBDA,
            clip_coef: CLIP_COEF,
            clip_vloss: true,
            ent_coef: ENT_COEF,
            vf_coef: VF_COEF,
            max_grad_norm: MAX_GRAD_NORM,
            norm_adv: true,
            norm_reward: true,
            hidden: HIDDEN,
        }
    }
}

impl TrainConfig {
    /// Reads a config from a `.toml` or `.json` file. Keys left out keep their defaults;
    /// an unknown key or a bad value is an error naming it.
    pub fn from_file(path: &Path) -> Result<TrainConfig, AgentError> {
        let text = std::fs::read_to_string(path).map_err(|e| AgentError::io("read config", path, e))?;
        let bad = |msg: String| AgentError::Config(format!("config file {}: {msg}", path.display()));
        match path.extension().and_then(|e| e.to_str()) {
            Some("toml") => toml::from_str(&text).map_err(|e| bad(e.message().to_string())),
            Some("json") => serde_json::from_str(&text).map_err(|e| bad(e.to_string())),
            _ => Err(bad("unknown format: the name must end in .toml or .json".into())),
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

    /// Checks every value against its allowed range; the error names the first bad one.
    pub fn validate(&self) -> Result<(), AgentError> {
        let bad = |what: &str, got: String, allowed: &str| {
            Err(AgentError::Config(format!("{what} = {got} is out of range: {allowed}")))
        };
        ludica_envs::games::find(&self.game).map_err(|e| AgentError::Config(e.to_string()))?;
        self.levels().validate().map_err(|e| AgentError::Config(e.to_string()))?;
        let positive = [
            ("num_envs", self.num_envs),
            ("num_steps", self.num_steps),
            ("num_minibatches", self.num_minibatches),
            ("update_epochs", self.update_epochs),
            ("env_threads", self.env_threads),
            ("torch_threads", self.torch_threads),
            ("hidden", self.hidden),
        ];
        for (what, v) in positive {
            if v == 0 {
                return bad(what, v.to_string(), "must be at least 1");
            }
        }
        if self.num_envs > 4096 {
            return bad("num_envs", self.num_envs.to_string(), "at most 4096");
        }
        if !self.batch_size().is_multiple_of(self.num_minibatches) {
            return bad(
                "num_minibatches",
                self.num_minibatches.to_string(),
                &format!("must divide num_envs x num_steps = {}", self.batch_size()),
            );
        }
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

impl DeviceChoice {
    /// The tch device, or an error when CUDA was asked for and is not there.
    pub fn resolve(self) -> Result<tch::Device, AgentError> {
        match self {
            DeviceChoice::Auto => Ok(tch::Device::cuda_if_available()),
            DeviceChoice::Cpu => Ok(tch::Device::Cpu),
            DeviceChoice::Cuda(n) => {
                let count = tch::Cuda::device_count().max(0) as usize;
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
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "learnin_rate = 0.1\n").unwrap();
        let err = TrainConfig::from_file(&bad).unwrap_err().to_string();
        assert!(err.contains("learnin_rate") && !err.contains('\n'), "{err}");
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
