//! Checkpoints: the network's VarStore file, the Adam moments and, for a recurrent network,
//! each env's LSTM state (safetensors), committed by a JSON sidecar `checkpoint.json` that
//! names them, holds their SHA-256 and that of the run's metrics up to the checkpoint, and
//! everything else a run needs to continue exactly (config, game, level spec, version,
//! counters, RNG, reward statistics, env cursors). Every file is
//! written whole by [`crate::output`]; the sidecar is renamed last, so a crash at any point
//! leaves the previous checkpoint whole. Loading checks every field against its bounds and
//! every file against its checksum, so a damaged checkpoint is refused with the fault named.
//!
//! Format 1 (before checksums) is still read: its files cannot be verified, which
//! [`Checkpoint::warning`] says.

use std::fs;
use std::path::Path;

use ludica_envs::{LevelSpec, ObsKind};
use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tch::Tensor;

use crate::config::TrainConfig;
use crate::curriculum::CurriculumState;
use crate::envs::EnvCursor;
use crate::error::AgentError;
use crate::net::Network;
use crate::normalize::RewardNormalizer;
use crate::output::write_file;
use crate::policy::{Agent, Memory};

/// The sidecar's file name inside a run directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";
/// Version of the checkpoint layout; bumped when it changes incompatibly.
pub const FORMAT: u32 = 2;
/// The format before checksums, still read (with a warning).
const FORMAT_UNCHECKED: u32 = 1;
/// How often a reader retries when a checkpoint is replaced while it reads it.
const READ_ATTEMPTS: usize = 10;

/// The sidecar: everything about a checkpoint except the tensors.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// Version of ludica that wrote it.
    pub ludica_version: String,
    /// Game trained on.
    pub game: String,
    /// Observation kind.
    pub obs: ObsKind,
    /// Shape of one observation.
    pub obs_shape: Vec<usize>,
    /// Number of actions.
    pub num_actions: usize,
    /// Training level distribution.
    pub levels: LevelSpec,
    /// The run's full configuration.
    pub config: TrainConfig,
    /// Updates done.
    pub update: u64,
    /// Env steps done.
    pub global_step: u64,
    /// Training seconds so far.
    pub time_s: f64,
    /// The VarStore file (safetensors), relative to the run directory.
    pub model_file: String,
    /// The Adam moments file (safetensors), relative to the run directory.
    pub optimizer_file: String,
    /// Adam steps taken.
    pub adam_step: u64,
    /// State of the RNG that samples actions and minibatches.
    pub rng: ludica_procgen::Rng,
    /// Reward normalization statistics.
    pub reward_normalizer: RewardNormalizer,
    /// Each env's state as plain data.
    pub envs: Vec<EnvCursor>,
    /// Length of `metrics.jsonl` at this checkpoint (later lines are dropped on resume).
    pub metrics_bytes: u64,
    /// SHA-256 (hex) of the model file; absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_sha256: Option<String>,
    /// SHA-256 (hex) of the optimizer file; absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimizer_sha256: Option<String>,
    /// SHA-256 (hex) of the first `metrics_bytes` bytes of `metrics.jsonl`; absent in format 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics_sha256: Option<String>,
    /// The curriculum's sampler and per-level log length (`plr`, `robust-plr`); absent
    /// under `dr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curriculum: Option<CurriculumState>,
    /// The file of each env's LSTM state (safetensors), for a recurrent network only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_file: Option<String>,
    /// Its SHA-256 (hex).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_sha256: Option<String>,
}

/// The SHA-256 of `bytes` in lowercase hex, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(Sha256::digest(bytes).as_slice())
}

/// A finished running hash in lowercase hex.
pub fn hasher_hex(hasher: &Sha256) -> String {
    hex(hasher.clone().finalize().as_slice())
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Named tensors as the bytes of a safetensors file (moved to the CPU first).
fn tensor_bytes(tensors: &[(String, Tensor)]) -> Result<Vec<u8>, AgentError> {
    let mut parts = Vec::with_capacity(tensors.len());
    for (name, tensor) in tensors {
        let cpu = tensor.to_device(tch::Device::Cpu).contiguous();
        let numel = cpu.numel();
        let mut data = vec![0u8; numel * cpu.kind().elt_size_in_bytes()];
        cpu.f_copy_data_u8(&mut data, numel)?;
        let shape: Vec<usize> = cpu.size().iter().map(|&d| d as usize).collect();
        parts.push((name.as_str(), Dtype::try_from(cpu.kind())?, shape, data));
    }
    let views = parts
        .iter()
        .map(|(name, dtype, shape, data)| TensorView::new(*dtype, shape.clone(), data).map(|v| (*name, v)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AgentError::Checkpoint(format!("cannot serialize tensors: {e:?}")))?;
    safetensors::tensor::serialize(views, &None)
        .map_err(|e| AgentError::Checkpoint(format!("cannot serialize tensors: {e:?}")))
}

/// The tensor files of a checkpoint, by the prefix of their names.
const TENSOR_FILES: [&str; 3] = ["model", "optimizer", "memory"];

/// The name of a checkpoint's `kind` file (`model`, `optimizer`, `memory`) at `update`.
fn tensor_file(kind: &str, update: u64) -> String {
    format!("{kind}-{update:08}.safetensors")
}

/// Saves a checkpoint into `dir`: the tensors under names of this update (the memory file
/// only when `memory` holds tensors), then the sidecar, then removes the files of older
/// checkpoints. If any write fails, the files this call created are removed and the previous
/// checkpoint stays the committed one.
pub fn save(
    dir: &Path,
    mut ckpt: Checkpoint,
    model: &[(String, Tensor)],
    optimizer: &[(String, Tensor)],
    memory: &Memory,
) -> Result<(), AgentError> {
    ckpt.format = FORMAT;
    ckpt.model_file = tensor_file("model", ckpt.update);
    ckpt.optimizer_file = tensor_file("optimizer", ckpt.update);
    let model = tensor_bytes(model)?;
    let optimizer = tensor_bytes(optimizer)?;
    ckpt.model_sha256 = Some(sha256_hex(&model));
    ckpt.optimizer_sha256 = Some(sha256_hex(&optimizer));
    let memory = memory.lstm().is_some().then(|| tensor_bytes(&memory.tensors())).transpose()?;
    ckpt.memory_file = memory.as_ref().map(|_| tensor_file("memory", ckpt.update));
    ckpt.memory_sha256 = memory.as_deref().map(sha256_hex);
    let json = serde_json::to_vec_pretty(&ckpt).expect("a checkpoint serializes");
    let mut files = vec![(&ckpt.model_file, &model), (&ckpt.optimizer_file, &optimizer)];
    if let (Some(file), Some(bytes)) = (&ckpt.memory_file, &memory) {
        files.push((file, bytes));
    }
    let mut created = Vec::new();
    let mut write_all = || -> Result<(), AgentError> {
        for (file, bytes) in &files {
            let path = dir.join(file);
            if !path.exists() {
                created.push(path.clone());
            }
            write_file(&path, bytes)?;
        }
        Ok(write_file(&dir.join(CHECKPOINT_FILE), &json)?)
    };
    if let Err(e) = write_all() {
        for path in created {
            // Best effort: an orphan that cannot be removed is removed by the next save.
            let _ = fs::remove_file(path);
        }
        return Err(e);
    }
    let entries = fs::read_dir(dir).map_err(|e| AgentError::io("list", dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = TENSOR_FILES.iter().any(|kind| name.starts_with(&format!("{kind}-")))
            && name.ends_with(".safetensors")
            && !files.iter().any(|(file, _)| **file == name);
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Reads the sidecar of the run in `dir` and checks every field against its bounds, with a
/// one-line error naming the fault if it is missing, corrupt or out of range.
pub fn load(dir: &Path) -> Result<Checkpoint, AgentError> {
    if !dir.is_dir() {
        return Err(AgentError::Checkpoint(format!("run directory {} does not exist", dir.display())));
    }
    let path = dir.join(CHECKPOINT_FILE);
    let text = fs::read(&path).map_err(|_| {
        AgentError::Checkpoint(format!("{} has no {CHECKPOINT_FILE}: it is not a ludica run directory", dir.display()))
    })?;
    let ckpt: Checkpoint = serde_json::from_slice(&text)
        .map_err(|e| AgentError::Checkpoint(format!("checkpoint {} is corrupt: {e}", path.display())))?;
    if ckpt.format != FORMAT && ckpt.format != FORMAT_UNCHECKED {
        return Err(AgentError::Checkpoint(format!(
            "checkpoint {} has format {}, this ludica reads formats {FORMAT_UNCHECKED} and {FORMAT}",
            path.display(),
            ckpt.format
        )));
    }
    ckpt.check_fields()
        .map_err(|why| AgentError::Checkpoint(format!("checkpoint {} is corrupt: {why}", path.display())))?;
    // Checked as a new run's config is, before anything is built from it.
    ckpt.config.validate().map_err(|e| AgentError::Checkpoint(format!("checkpoint {}: config {e}", path.display())))?;
    Ok(ckpt)
}

/// The run's last committed checkpoint and its agent on `device`. A run still training may
/// commit a newer checkpoint (and remove the older files) while this reads: it then reads the
/// newer one, so it never mixes two checkpoints nor fails on a file just removed.
pub fn load_latest(dir: &Path, device: tch::Device) -> Result<(Checkpoint, Agent), AgentError> {
    let mut attempt = 1;
    loop {
        let ckpt = load(dir)?;
        match ckpt.load_agent(dir, device) {
            Err(_) if attempt < READ_ATTEMPTS && load(dir).is_ok_and(|newer| newer != ckpt) => attempt += 1,
            result => return result.map(|agent| (ckpt, agent)),
        }
    }
}

/// Reads a safetensors file of the checkpoint, naming the file if it is missing, corrupt or
/// does not match its checksum (`sha256`, when the checkpoint has one).
pub fn read_tensors(dir: &Path, file: &str, sha256: Option<&str>) -> Result<Vec<(String, Tensor)>, AgentError> {
    let path = dir.join(file);
    let bytes = match fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AgentError::Checkpoint(format!("checkpoint file {} is missing", path.display())));
        }
        Err(e) => return Err(AgentError::io("read", &path, e)),
    };
    if let Some(expected) = sha256
        && sha256_hex(&bytes) != expected
    {
        return Err(AgentError::Checkpoint(format!(
            "checkpoint file {} does not match its SHA-256 in {CHECKPOINT_FILE}: it was changed or damaged after it was saved",
            path.display()
        )));
    }
    let corrupt = |why: String| AgentError::Checkpoint(format!("checkpoint file {} is corrupt: {why}", path.display()));
    let tensors = SafeTensors::deserialize(&bytes).map_err(|e| corrupt(format!("not a safetensors file ({e:?})")))?;
    tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| Ok((name, Tensor::try_from(view).map_err(|e| corrupt(e.to_string()))?)))
        .collect()
}

impl Checkpoint {
    /// What a user should know before relying on this checkpoint (format 1 has no checksums).
    pub fn warning(&self) -> Option<&'static str> {
        (self.format == FORMAT_UNCHECKED).then_some(
            "this checkpoint predates checksums (format 1): its files cannot be verified; the next checkpoint of the run adds them",
        )
    }

    /// Checks every field against its bounds and against the others (not the files, which
    /// are checked when read). The error names the field.
    fn check_fields(&self) -> Result<(), String> {
        let sums = [&self.model_sha256, &self.optimizer_sha256, &self.metrics_sha256];
        if self.format == FORMAT && sums.iter().any(|s| s.as_ref().is_none_or(|s| !is_sha256(s))) {
            return Err("model_sha256, optimizer_sha256 and metrics_sha256 must each be 64 hex digits".into());
        }
        if self.format == FORMAT_UNCHECKED && sums.iter().any(|s| s.is_some()) {
            return Err("format 1 has no checksums, yet it holds some".into());
        }
        let cfg = &self.config;
        cfg.validate().map_err(|e| format!("its config: {e}"))?;
        if self.game != cfg.game {
            return Err(format!("game = {:?} is not its config's {:?}", self.game, cfg.game));
        }
        if self.obs != cfg.obs || self.levels != cfg.levels() {
            return Err("obs and levels disagree with its config".into());
        }
        if self.update > cfg.num_updates() {
            return Err(format!("update = {} is beyond the run's {} updates", self.update, cfg.num_updates()));
        }
        if Some(self.global_step) != self.update.checked_mul(cfg.batch_size() as u64) {
            return Err(format!(
                "global_step = {} is not update x num_envs x num_steps = {} x {}",
                self.global_step,
                self.update,
                cfg.batch_size()
            ));
        }
        if !(self.time_s.is_finite() && self.time_s >= 0.0) {
            return Err(format!("time_s = {} is not a duration", self.time_s));
        }
        let adam_steps = self.update.saturating_mul((cfg.update_epochs * cfg.num_minibatches) as u64);
        if self.adam_step > adam_steps {
            return Err(format!(
                "adam_step = {} exceeds the {adam_steps} steps of {} updates",
                self.adam_step, self.update
            ));
        }
        for (file, kind) in [(&self.model_file, "model"), (&self.optimizer_file, "optimizer")] {
            if *file != tensor_file(kind, self.update) {
                return Err(format!("{kind}_file = {file:?} is not {}", tensor_file(kind, self.update)));
            }
        }
        match (cfg.network, &self.memory_file, &self.memory_sha256) {
            (Network::Feedforward, None, None) => {}
            (Network::Feedforward, _, _) => {
                return Err("memory_file and memory_sha256 belong to a recurrent run, not a feedforward one".into());
            }
            (Network::Lstm, Some(file), Some(sum)) if *file == tensor_file("memory", self.update) && is_sha256(sum) => {
            }
            (Network::Lstm, _, _) => {
                return Err(format!(
                    "a recurrent run's checkpoint needs memory_file = {:?} and its memory_sha256 (64 hex digits)",
                    tensor_file("memory", self.update)
                ));
            }
        }
        if self.envs.len() != cfg.num_envs {
            return Err(format!("it holds {} env cursors for num_envs = {}", self.envs.len(), cfg.num_envs));
        }
        self.reward_normalizer.check(cfg.num_envs, cfg.gamma).map_err(|why| format!("reward_normalizer: {why}"))?;
        match &self.curriculum {
            Some(state) => state.check(cfg)?,
            None if cfg.curriculum.replays() => {
                return Err(format!("curriculum = {} needs the sampler's state, which it lacks", cfg.curriculum));
            }
            None => {}
        }
        let game = ludica_envs::games::find(&cfg.game).map_err(|e| e.to_string())?;
        // Each env starts at most one level per step: this bound keeps a resume's replay of
        // the level streams as short as the training it stands for.
        let steps_per_env = self.global_step / cfg.num_envs as u64;
        for (i, env) in self.envs.iter().enumerate() {
            if env.levels_drawn == 0 || env.levels_drawn > steps_per_env + 1 {
                return Err(format!(
                    "env {i} has levels_drawn = {}: allowed 1 to {} after {steps_per_env} steps per env",
                    env.levels_drawn,
                    steps_per_env + 1
                ));
            }
            if env.actions.len() as u64 > steps_per_env {
                return Err(format!(
                    "env {i} holds {} actions, more than its {steps_per_env} steps",
                    env.actions.len()
                ));
            }
            if let Some(a) = env.actions.iter().find(|&&a| usize::from(a) >= game.actions.len()) {
                return Err(format!(
                    "env {i} holds action {a}: {} has actions 0 to {}",
                    game.name,
                    game.actions.len() - 1
                ));
            }
            if !env.episode_return.is_finite() {
                return Err(format!("env {i} has episode_return = {}", env.episode_return));
            }
        }
        Ok(())
    }

    /// Checks that this build can play the checkpoint's game with the observation shape its
    /// network was trained on.
    pub fn check_game(&self) -> Result<&'static ludica_envs::GameDef, AgentError> {
        let game = ludica_envs::games::find(&self.game)
            .map_err(|e| AgentError::Checkpoint(format!("checkpoint is for a game this build lacks: {e}")))?;
        let shape = game.obs_shape(self.obs);
        if shape != self.obs_shape || game.actions.len() != self.num_actions {
            return Err(AgentError::Checkpoint(format!(
                "checkpoint was trained on {} {} observations of shape {:?} with {} actions; this build's {} has shape {:?} and {} actions",
                self.game,
                self.obs,
                self.obs_shape,
                self.num_actions,
                self.game,
                shape,
                game.actions.len()
            )));
        }
        Ok(game)
    }

    /// The run's episode time limit, if shorter than the game's.
    pub fn time_limit(&self) -> Option<u32> {
        self.config.time_limit()
    }

    /// Builds the checkpoint's agent on `device` with its saved weights. The weights are read
    /// before the network is built, so that a run still training, which removes a checkpoint's
    /// files once it commits the next, has only the moments between reading the sidecar and
    /// this file to replace it ([`load_latest`] then reads the newer one).
    pub fn load_agent(&self, dir: &Path, device: tch::Device) -> Result<Agent, AgentError> {
        let game = self.check_game()?;
        let saved = read_tensors(dir, &self.model_file, self.model_sha256.as_deref())?;
        let mut agent = Agent::new(game, &self.config.net_spec(game), device);
        copy_weights(&mut agent, &saved, &dir.join(&self.model_file))?;
        Ok(agent)
    }

    /// What the run's envs remembered at this checkpoint, for `agent` (the checkpoint's):
    /// read from the memory file of a recurrent run, blank for a feed-forward one.
    pub fn load_memory(&self, dir: &Path, agent: &Agent) -> Result<Memory, AgentError> {
        let Some(file) = &self.memory_file else {
            return Ok(agent.memory(self.config.num_envs));
        };
        let saved = read_tensors(dir, file, self.memory_sha256.as_deref())?;
        agent.memory_from(self.config.num_envs, &saved).map_err(|why| {
            AgentError::Checkpoint(format!("checkpoint file {} is for another run: {why}", dir.join(file).display()))
        })
    }
}

/// Copies saved tensors into the agent's variables; every variable must be present with its
/// shape, and nothing else may be in the file.
pub fn copy_weights(agent: &mut Agent, saved: &[(String, Tensor)], path: &Path) -> Result<(), AgentError> {
    let _guard = tch::no_grad_guard();
    let vars = agent.named_variables();
    for (name, var) in &vars {
        let Some((_, t)) = saved.iter().find(|(n, _)| n == name) else {
            return Err(AgentError::Checkpoint(format!(
                "checkpoint file {} has no tensor '{name}': it is for another network",
                path.display()
            )));
        };
        if t.size() != var.size() {
            return Err(AgentError::Checkpoint(format!(
                "checkpoint tensor '{name}' in {} has shape {:?}, the network needs {:?}: it is for another game or observation",
                path.display(),
                t.size(),
                var.size()
            )));
        }
        var.shallow_clone().copy_(&t.to_device(var.device()).to_kind(var.kind()));
    }
    if let Some((extra, _)) = saved.iter().find(|(n, _)| !vars.iter().any(|(v, _)| v == n)) {
        return Err(AgentError::Checkpoint(format!(
            "checkpoint file {} has tensor '{extra}' this network lacks: it is for another network",
            path.display()
        )));
    }
    Ok(())
}
