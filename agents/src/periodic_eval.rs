//! Evaluation during training (`--eval-every K`): every K updates and after the last, the
//! agent plays `eval_episodes` episodes on its training levels and on held-out levels (the
//! splits of `ludica eval`), and the result goes into that update's metrics record. Its own
//! envs and RNG streams (seeded by the run's seed) leave training's untouched: a run trains
//! the same with or without evaluation.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::AgentError;
use crate::eval::{self, Actor, RunLevels, SplitStats, TestLevels};
use crate::policy::Agent;

/// Stream mixed into the run's seed for evaluation's level draws and actions.
const EVAL_STREAM: u64 = 0xE7A1_0C0E;

/// One evaluation, as logged under `eval` in a metrics record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvalPoint {
    /// On the training levels.
    pub train: SplitStats,
    /// On the held-out levels.
    pub test: SplitStats,
    /// Wall seconds the evaluation took.
    pub time_s: f64,
}

/// Whether update `update` (from 1) of a run of `cfg` is evaluated.
pub fn due(cfg: &TrainConfig, update: u64) -> bool {
    cfg.eval_every > 0 && (update.is_multiple_of(cfg.eval_every) || update == cfg.num_updates())
}

/// Evaluates `agent` as the run of `cfg` asks: `eval_episodes` sampled-action episodes on each
/// split, always with the same seeds, so that successive points differ only by the weights.
pub fn evaluate(agent: &Agent, cfg: &TrainConfig) -> Result<EvalPoint, AgentError> {
    let start = Instant::now();
    let test = TestLevels::From(cfg.test_start_level);
    let splits = eval::splits(cfg.levels(), &test)?;
    let run =
        RunLevels { game: &cfg.game, obs: cfg.obs, view: cfg.view, train: cfg.levels(), time_limit: cfg.time_limit() };
    let seed = ludica_procgen::seeds::mix(cfg.seed ^ EVAL_STREAM);
    let [train, test] =
        eval::play_splits(&run, &splits, &Actor::Agent(agent, false), cfg.eval_episodes, cfg.num_envs, seed)?;
    Ok(EvalPoint { train, test, time_s: start.elapsed().as_secs_f64() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kth_update_and_the_last_are_evaluated() {
        let cfg = TrainConfig { num_envs: 2, num_steps: 8, steps: 7 * 16, eval_every: 3, ..TrainConfig::default() };
        let due: Vec<u64> = (1..=7).filter(|&u| due(&cfg, u)).collect();
        assert_eq!(due, [3, 6, 7]);
        assert!(!(1..=7).any(|u| super::due(&TrainConfig { eval_every: 0, ..cfg.clone() }, u)));
    }
}
