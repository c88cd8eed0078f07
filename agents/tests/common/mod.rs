//! What the trainer's integration tests share: scratch run directories, and a tiny symbolic
//! run on the CPU that each test adjusts to what it checks.

use std::path::PathBuf;

use ludica_agents::{DeviceChoice, TrainConfig};
use ludica_envs::ObsKind;
use ludica_procgen::Difficulty;

/// A path for run `name` of this test process, with nothing left there from an earlier run.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ludica-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `updates` updates of 4 symbolic envs x 16 steps on 20 easiest levels, a 16-unit network.
pub fn tiny(updates: u64) -> TrainConfig {
    TrainConfig {
        obs: ObsKind::Symbolic,
        num_envs: 4,
        num_steps: 16,
        num_minibatches: 2,
        update_epochs: 1,
        steps: updates * 4 * 16,
        hidden: 16,
        num_levels: 20,
        difficulty: Difficulty::MIN,
        device: DeviceChoice::Cpu,
        ..TrainConfig::default()
    }
}
