//! Checkpoints: the network's VarStore file and the Adam moments (safetensors), committed by a
//! JSON sidecar `checkpoint.json` that names them and holds everything else a run needs to
//! continue exactly (config, game, level spec, version, counters, RNG, reward statistics, env
//! cursors). Every file is written to a temporary name and renamed; the sidecar is renamed
//! last, so a crash at any point leaves the previous checkpoint whole.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ludica_envs::{LevelSpec, ObsKind};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::config::TrainConfig;
use crate::envs::EnvCursor;
use crate::error::AgentError;
use crate::normalize::RewardNormalizer;
use crate::policy::Agent;

/// The sidecar's file name inside a run directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";
/// Version of the checkpoint layout; bumped when it changes incompatibly.
pub const FORMAT: u32 = 1;

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
}

/// Writes `bytes` to `path` atomically (temporary file in the same directory, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), AgentError> {
    let tmp = tmp_path(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        AgentError::io("write", path, e)
    })
}

fn tmp_path(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Writes named tensors as safetensors atomically (moved to the CPU first).
fn write_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<(), AgentError> {
    let tmp = tmp_path(path);
    let cpu: Vec<(String, Tensor)> =
        tensors.iter().map(|(n, t)| (n.clone(), t.to_device(tch::Device::Cpu).contiguous())).collect();
    Tensor::write_safetensors(&cpu, &tmp)?;
    fs::rename(&tmp, path).map_err(|e| AgentError::io("write", path, e))
}

/// Saves a checkpoint into `dir`: the tensors under names of this update, then the sidecar,
/// then removes the files of older checkpoints.
pub fn save(
    dir: &Path,
    mut ckpt: Checkpoint,
    model: &[(String, Tensor)],
    optimizer: &[(String, Tensor)],
) -> Result<(), AgentError> {
    ckpt.model_file = format!("model-{:08}.safetensors", ckpt.update);
    ckpt.optimizer_file = format!("optimizer-{:08}.safetensors", ckpt.update);
    write_tensors(&dir.join(&ckpt.model_file), model)?;
    write_tensors(&dir.join(&ckpt.optimizer_file), optimizer)?;
    let json = serde_json::to_vec_pretty(&ckpt).expect("a checkpoint serializes");
    write_atomic(&dir.join(CHECKPOINT_FILE), &json)?;
    let entries = fs::read_dir(dir).map_err(|e| AgentError::io("list", dir, e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = (name.starts_with("model-") || name.starts_with("optimizer-"))
            && name.ends_with(".safetensors")
            && name != ckpt.model_file
            && name != ckpt.optimizer_file;
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Reads the sidecar of the run in `dir`, with a one-line error if it is missing or corrupt.
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
    if ckpt.format != FORMAT {
        return Err(AgentError::Checkpoint(format!(
            "checkpoint {} has format {}, this ludica reads format {FORMAT}",
            path.display(),
            ckpt.format
        )));
    }
    // Checked as a new run's config is, before anything is built from it.
    ckpt.config.validate().map_err(|e| AgentError::Checkpoint(format!("checkpoint {}: config {e}", path.display())))?;
    Ok(ckpt)
}

/// Reads a safetensors file of the checkpoint, naming the file if it is missing or corrupt.
pub fn read_tensors(dir: &Path, file: &str) -> Result<Vec<(String, Tensor)>, AgentError> {
    let path = dir.join(file);
    if file.contains('/') || file.contains("..") || !path.is_file() {
        return Err(AgentError::Checkpoint(format!("checkpoint file {} is missing", path.display())));
    }
    Tensor::read_safetensors(&path).map_err(|_| {
        AgentError::Checkpoint(format!("checkpoint file {} is corrupt: not a safetensors file", path.display()))
    })
}

impl Checkpoint {
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
        (self.config.max_episode_steps > 0).then_some(self.config.max_episode_steps)
    }

    /// Builds the checkpoint's agent on `device` with its saved weights.
    pub fn load_agent(&self, dir: &Path, device: tch::Device) -> Result<Agent, AgentError> {
        let game = self.check_game()?;
        let mut agent = Agent::new(game, self.obs, self.config.hidden, device);
        let saved = read_tensors(dir, &self.model_file)?;
        copy_weights(&mut agent, &saved, &dir.join(&self.model_file))?;
        Ok(agent)
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
