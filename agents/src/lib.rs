//! ludica-agents: PPO (with GAE) on tch for ludica's games — networks (IMPALA-CNN for rgb, an
//! MLP for symbolic, either optionally followed by an LSTM core), rollout storage, the
//! losses, an Adam whose state can be saved, the training loop with exact checkpoint/resume,
//! TensorBoard event files, evaluation on train and held-out levels (also during training),
//! frozen level suites, learning-curve plots and videos of episodes. The `ludica train`,
//! `eval`, `plot`, `suite` and `record` commands are thin layers over it.
//!
//! ```no_run
//! use std::sync::atomic::AtomicBool;
//! use ludica_agents::{Trainer, TrainConfig};
//! use ludica_envs::ObsKind;
//!
//! let cfg = TrainConfig { obs: ObsKind::Symbolic, steps: 200_000, ..TrainConfig::default() };
//! let mut trainer = Trainer::create(cfg, "runs/demo".as_ref()).unwrap();
//! trainer.run(&AtomicBool::new(false), &mut |r| println!("{:?}", r.success_rate)).unwrap();
//! ```

#![forbid(unsafe_code)]

pub mod checkpoint;
pub mod config;
pub mod curriculum;
pub mod envs;
mod error;
pub mod eval;
pub mod experiment;
pub mod metrics;
pub mod net;
pub mod normalize;
pub mod optim;
pub mod output;
pub mod periodic_eval;
pub mod plot;
pub mod policy;
pub mod ppo;
pub mod report;
pub mod rollout;
pub mod run_lock;
pub mod suite;
pub mod tensorboard;
pub mod train;
pub mod video;

pub use config::{DeviceChoice, TrainConfig};
pub use error::AgentError;
pub use train::{ResumeOptions, RunEnd, Trainer};
