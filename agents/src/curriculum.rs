//! The trainer's side of level curricula (`--curriculum plr|robust-plr`; the sampler itself is
//! `ludica_envs::curriculum`): which level and kind of level (replayed or new) each rollout
//! step was played on, the scores given back to the sampler after GAE, the steps a robust-PLR
//! update learns from, the per-level log `levels.jsonl`, and the sampler's part of a
//! checkpoint.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, Write};
use std::path::Path;

use ludica_envs::curriculum::{LevelChange, LevelSampler, score_segments};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::envs::EnvCursor;
use crate::error::AgentError;

/// File name of the per-level log inside a run directory.
pub const LEVELS_FILE: &str = "levels.jsonl";

/// The sampler of `cfg`'s curriculum, seeded by the run's seed; `None` for `dr`, whose levels
/// come from each env's own stream.
pub fn sampler(cfg: &TrainConfig) -> Result<Option<LevelSampler>, AgentError> {
    if !cfg.curriculum.replays() {
        return Ok(None);
    }
    LevelSampler::new(cfg.curriculum, cfg.levels(), cfg.plr_params(), cfg.seed)
        .map(Some)
        .map_err(|e| AgentError::Config(e.to_string()))
}

/// The curriculum's part of a checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CurriculumState {
    /// The sampler: its buffer, scores, clock and RNG.
    pub sampler: LevelSampler,
    /// Length of `levels.jsonl` at this checkpoint (later lines are dropped on resume).
    pub levels_bytes: u64,
}

impl CurriculumState {
    /// Checks that the sampler is the one `cfg` describes.
    pub fn check(&self, cfg: &TrainConfig) -> Result<(), String> {
        let s = &self.sampler;
        if s.curriculum() != cfg.curriculum || *s.levels() != cfg.levels() || *s.params() != cfg.plr_params() {
            return Err("its curriculum sampler does not match its config".into());
        }
        if s.buffer().len() > s.capacity() || s.buffer().iter().any(|e| !cfg.levels().contains(e.seed)) {
            return Err("its curriculum buffer holds levels outside the run's levels".into());
        }
        Ok(())
    }
}

/// Each rollout step's level and whether it was replayed, time-major like the rollout.
pub struct LevelTrace {
    /// Level seed of each transition.
    pub seeds: Vec<u64>,
    /// Whether each transition's level was replayed from the buffer.
    pub replayed: Vec<bool>,
}

impl LevelTrace {
    /// Room for `len` transitions.
    pub fn new(len: usize) -> LevelTrace {
        LevelTrace { seeds: vec![0; len], replayed: vec![false; len] }
    }

    /// Records the levels the envs play at step `t` (before it is taken).
    pub fn record(&mut self, t: usize, cursors: &[EnvCursor]) {
        let n = cursors.len();
        for (e, c) in cursors.iter().enumerate() {
            self.seeds[t * n + e] = c.level_seed;
            self.replayed[t * n + e] = c.replay;
        }
    }

    /// The transitions a robust-PLR update learns from: those on replayed levels.
    pub fn replayed_samples(&self) -> Vec<i64> {
        (0..self.replayed.len() as i64).filter(|&i| self.replayed[i as usize]).collect()
    }

    /// The share of transitions on replayed levels.
    pub fn replay_share(&self) -> f64 {
        self.replayed.iter().filter(|&&r| r).count() as f64 / self.replayed.len().max(1) as f64
    }
}

/// Scores every env's runs of steps on one level from the rollout's GAE advantages and gives
/// them to `sampler`; returns what changed, level by level.
pub fn score_rollout(
    sampler: &mut LevelSampler,
    trace: &LevelTrace,
    ended: &[bool],
    advantages: &[f32],
    num_envs: usize,
) -> Vec<LevelChange> {
    let segments = score_segments(&trace.seeds, ended, advantages, num_envs, sampler.params().score);
    sampler.update(&segments)
}

/// The curriculum's figures for one update's metrics line.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurriculumPoint {
    /// Levels in the buffer after the update.
    pub buffer_levels: usize,
    /// Mean score of the buffered levels.
    pub buffer_score_mean: Option<f64>,
    /// Share of the rollout's steps played on replayed levels.
    pub replay_share: f64,
}

impl CurriculumPoint {
    /// The figures of `sampler` after an update whose rollout `trace` recorded.
    pub fn new(sampler: &LevelSampler, trace: &LevelTrace) -> CurriculumPoint {
        let buffer = sampler.buffer();
        let mean = (!buffer.is_empty()).then(|| buffer.iter().map(|e| e.score).sum::<f64>() / buffer.len() as f64);
        CurriculumPoint { buffer_levels: buffer.len(), buffer_score_mean: mean, replay_share: trace.replay_share() }
    }
}

/// One line of `levels.jsonl`: a level scored, or evicted from the buffer, in an update.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelLine {
    /// The update.
    pub update: u64,
    /// What happened to the level.
    #[serde(flatten)]
    pub change: LevelChange,
}

/// The run's `levels.jsonl`, appended to after each update.
pub struct LevelLog {
    file: File,
    bytes: u64,
}

impl LevelLog {
    /// Opens the log in `dir`, keeping its first `bytes` bytes (those of the checkpoint being
    /// resumed from; 0 for a new run) and dropping the rest.
    pub fn open(dir: &Path, bytes: u64) -> Result<LevelLog, AgentError> {
        let path = dir.join(LEVELS_FILE);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .read(true)
            .open(&path)
            .map_err(|e| AgentError::io("open", &path, e))?;
        let len = file.metadata().map_err(|e| AgentError::io("read", &path, e))?.len();
        if len < bytes {
            return Err(AgentError::Checkpoint(format!(
                "{} is shorter than its checkpoint says ({len} < {bytes} bytes): it was truncated",
                path.display()
            )));
        }
        file.set_len(bytes).map_err(|e| AgentError::io("truncate", &path, e))?;
        Ok(LevelLog { file, bytes })
    }

    /// Appends the lines of update `update`, and flushes them.
    pub fn write(&mut self, dir: &Path, update: u64, changes: &[LevelChange]) -> Result<(), AgentError> {
        let mut text = String::new();
        for &change in changes {
            text.push_str(&serde_json::to_string(&LevelLine { update, change }).expect("a level line serializes"));
            text.push('\n');
        }
        let path = dir.join(LEVELS_FILE);
        self.file.write_all(text.as_bytes()).map_err(|e| AgentError::io("write", &path, e))?;
        self.file.sync_data().map_err(|e| AgentError::io("write", &path, e))?;
        self.bytes += text.len() as u64;
        Ok(())
    }

    /// Bytes written so far (for the checkpoint).
    pub fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// Reads a run's `levels.jsonl`; a line that does not parse is an error naming it.
pub fn read_levels(path: &Path) -> Result<Vec<LevelLine>, AgentError> {
    let file = File::open(path).map_err(|e| AgentError::io("read levels", path, e))?;
    let mut lines = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| AgentError::io("read levels", path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        lines.push(
            serde_json::from_str(&line).map_err(|e| {
                AgentError::Config(format!("{} line {}: not a level record: {e}", path.display(), n + 1))
            })?,
        );
    }
    Ok(lines)
}

/// One point of a buffer history: `(env steps, mean property, mean score)` of the buffered
/// levels after an update.
pub type BufferPoint = (f64, Option<f64>, Option<f64>);

/// How the replay buffer of the run in `dir` changed, from its `levels.jsonl`: after each
/// update, its env steps, the mean of level property `property` (a key of the levels' `meta`,
/// each level regenerated from its seed) over the buffered levels, and their mean score.
pub fn buffer_history(dir: &Path, property: &str) -> Result<Vec<BufferPoint>, AgentError> {
    let cfg = crate::checkpoint::load(dir)?.config;
    let path = dir.join(LEVELS_FILE);
    if !path.is_file() {
        return Err(AgentError::Config(format!(
            "{} has no {LEVELS_FILE}: it was not trained with --curriculum plr or robust-plr",
            dir.display()
        )));
    }
    let game = ludica_envs::games::find(&cfg.game)?;
    let sample = game.level(cfg.start_level, cfg.difficulty);
    if !sample.meta.contains_key(property) {
        let keys: Vec<&str> = sample.meta.keys().map(String::as_str).collect();
        return Err(AgentError::Config(format!(
            "level property '{property}' is unknown: {} levels have {}",
            game.name,
            keys.join(", ")
        )));
    }
    let mut buffer: BTreeMap<u64, f64> = BTreeMap::new();
    let mut properties: BTreeMap<u64, Option<f64>> = BTreeMap::new();
    let mut points = Vec::new();
    let lines = read_levels(&path)?;
    for (k, line) in lines.iter().enumerate() {
        let c = &line.change;
        match (c.in_buffer, c.score) {
            (true, Some(score)) => buffer.insert(c.seed, score),
            _ => buffer.remove(&c.seed),
        };
        if lines.get(k + 1).is_some_and(|next| next.update == line.update) {
            continue;
        }
        let mut values = Vec::new();
        for &seed in buffer.keys() {
            let value =
                properties.entry(seed).or_insert_with(|| game.level(seed, cfg.difficulty).meta.get(property).copied());
            values.extend(*value);
        }
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let scores: Vec<f64> = buffer.values().copied().collect();
        let steps = (line.update * cfg.batch_size() as u64) as f64;
        points.push((steps, mean(&values), mean(&scores)));
    }
    Ok(points)
}
