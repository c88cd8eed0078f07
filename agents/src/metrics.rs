//! What a run logs: one `UpdateRecord` per update as a JSON line in `metrics.jsonl` (field
//! names are stable: plots and tools read them), and the `Summary` written at the end.

use std::io::BufRead;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::curriculum::CurriculumPoint;
use crate::error::AgentError;
use crate::periodic_eval::EvalPoint;
use crate::ppo::UpdateStats;

/// File name of the per-update metrics inside a run directory.
pub const METRICS_FILE: &str = "metrics.jsonl";
/// File name of the final summary inside a run directory.
pub const SUMMARY_FILE: &str = "summary.json";

/// One update's metrics. Episode fields cover the episodes that ended during this update's
/// rollout and are `null` when none did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateRecord {
    /// Update number, from 1.
    pub update: u64,
    /// Env steps so far (all envs together).
    pub global_step: u64,
    /// Seconds of training so far (resumed runs include earlier sessions).
    pub time_s: f64,
    /// Env steps per second over this update (rollout and learning).
    pub sps: f64,
    /// Learning rate used in this update.
    pub learning_rate: f64,
    /// Episodes that ended in this update's rollout.
    pub episodes: u64,
    /// Their mean (unnormalized) return.
    pub episode_return_mean: Option<f64>,
    /// Their mean length in steps.
    pub episode_length_mean: Option<f64>,
    /// The share of them that reached the goal.
    pub success_rate: Option<f64>,
    /// The update's losses and statistics (`policy_loss`, `value_loss`, `entropy`,
    /// `approx_kl`, `old_approx_kl`, `clipfrac`, `grad_norm`, `explained_variance`), as
    /// fields of the record itself.
    #[serde(flatten)]
    pub stats: UpdateStats,
    /// The evaluation after this update on training and held-out levels (`--eval-every`);
    /// absent from the line when the update was not evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval: Option<EvalPoint>,
    /// The curriculum's buffer and replay share after this update (`--curriculum plr` or
    /// `robust-plr`); absent under `dr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub curriculum: Option<CurriculumPoint>,
}

/// The end-of-run summary (`summary.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Game.
    pub game: String,
    /// Observation kind.
    pub obs: String,
    /// Updates done.
    pub updates: u64,
    /// Env steps done.
    pub global_step: u64,
    /// Training seconds (all sessions).
    pub time_s: f64,
    /// Mean env steps per second over the run.
    pub sps: f64,
    /// Episodes that ended during the last 10% of updates (at least the last one).
    pub final_episodes: u64,
    /// Their mean return.
    pub final_episode_return_mean: Option<f64>,
    /// Their success rate.
    pub final_success_rate: Option<f64>,
    /// Whether the run reached its step budget (false when stopped early by Ctrl-C).
    pub finished: bool,
    /// Wall seconds spent evaluating (`--eval-every`), included in `time_s`; absent without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_time_s: Option<f64>,
    /// `eval_time_s` as a share of `time_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eval_share: Option<f64>,
}

impl Summary {
    /// A summary of `records` (in update order).
    pub fn from_records(game: &str, obs: &str, records: &[UpdateRecord], finished: bool) -> Summary {
        let last = records.last();
        let tail = &records[records.len() - (records.len() / 10).max(1).min(records.len())..];
        let episodes: u64 = tail.iter().map(|r| r.episodes).sum();
        let weighted = |f: fn(&UpdateRecord) -> Option<f64>| {
            (episodes > 0)
                .then(|| tail.iter().filter_map(|r| f(r).map(|v| v * r.episodes as f64)).sum::<f64>() / episodes as f64)
        };
        let time_s = last.map_or(0.0, |r| r.time_s);
        let global_step = last.map_or(0, |r| r.global_step);
        let evals: Vec<&EvalPoint> = records.iter().filter_map(|r| r.eval.as_ref()).collect();
        let eval_time_s = (!evals.is_empty()).then(|| evals.iter().map(|e| e.time_s).sum::<f64>());
        Summary {
            game: game.to_string(),
            obs: obs.to_string(),
            updates: last.map_or(0, |r| r.update),
            global_step,
            time_s,
            sps: if time_s > 0.0 { global_step as f64 / time_s } else { 0.0 },
            final_episodes: episodes,
            final_episode_return_mean: weighted(|r| r.episode_return_mean),
            final_success_rate: weighted(|r| r.success_rate),
            finished,
            eval_time_s,
            eval_share: eval_time_s.map(|t| if time_s > 0.0 { t / time_s } else { 0.0 }),
        }
    }
}

/// Reads a run's metrics file; a line that does not parse is an error naming it.
pub fn read_metrics(path: &Path) -> Result<Vec<UpdateRecord>, AgentError> {
    let bytes = std::fs::read(path).map_err(|e| AgentError::io("read metrics", path, e))?;
    parse_metrics(&bytes, path)
}

/// The records of metrics-file bytes (read from `path`); a line that does not parse is an
/// error naming it.
pub fn parse_metrics(bytes: &[u8], path: &Path) -> Result<Vec<UpdateRecord>, AgentError> {
    let mut records = Vec::new();
    for (n, line) in bytes.lines().enumerate() {
        let line = line.map_err(|e| AgentError::io("read metrics", path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line)
            .map_err(|e| AgentError::Config(format!("{} line {}: not a metrics record: {e}", path.display(), n + 1)))?;
        records.push(record);
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(update: u64, episodes: u64, success: Option<f64>) -> UpdateRecord {
        UpdateRecord {
            update,
            global_step: update * 100,
            time_s: update as f64,
            sps: 100.0,
            learning_rate: 1e-3,
            episodes,
            episode_return_mean: success.map(|s| 10.0 * s),
            episode_length_mean: Some(5.0),
            success_rate: success,
            stats: UpdateStats::default(),
            eval: None,
            curriculum: None,
        }
    }

    #[test]
    fn records_keep_their_field_names() {
        let line = serde_json::to_string(&record(3, 2, Some(0.5))).unwrap();
        for key in [
            "\"update\":3",
            "\"global_step\":300",
            "\"success_rate\":0.5",
            "\"approx_kl\":0.0",
            "\"clipfrac\":0.0",
            "\"explained_variance\":null",
        ] {
            assert!(line.contains(key), "{line}");
        }
        assert_eq!(serde_json::from_str::<UpdateRecord>(&line).unwrap(), record(3, 2, Some(0.5)));
    }

    #[test]
    fn the_summary_weights_the_last_tenth_by_episodes() {
        let mut records: Vec<_> = (1..=18).map(|u| record(u, 1, Some(0.0))).collect();
        records.push(record(19, 1, Some(1.0)));
        records.push(record(20, 3, Some(0.0)));
        let s = Summary::from_records("maze", "symbolic", &records, true);
        assert_eq!((s.updates, s.global_step, s.final_episodes), (20, 2000, 4));
        assert_eq!(s.final_success_rate, Some(0.25));
        assert_eq!(s.sps, 100.0);
        assert_eq!((s.eval_time_s, s.eval_share), (None, None), "no evaluation, no cost fields");
        assert!(!serde_json::to_string(&s).unwrap().contains("eval"));
    }

    #[test]
    fn the_summary_reports_the_cost_of_evaluation() {
        let episode = crate::eval::Episode { episode_return: 1.0, length: 3, success: true };
        let split = crate::eval::split_stats("l".into(), &[episode, episode]);
        let mut records: Vec<_> = (1..=4).map(|u| record(u, 1, Some(0.0))).collect();
        for r in records.iter_mut().skip(1).step_by(2) {
            r.eval = Some(EvalPoint { train: split.clone(), test: split.clone(), time_s: 0.5 });
        }
        let s = Summary::from_records("maze", "symbolic", &records, true);
        // Evaluations after updates 2 and 4, half a second each, in 4 s of training.
        assert_eq!((s.eval_time_s, s.eval_share), (Some(1.0), Some(0.25)));
        let line = serde_json::to_string(&records[1]).unwrap();
        assert!(line.contains("\"eval\":{\"train\":{") && line.contains("\"time_s\":0.5"), "{line}");
        assert_eq!(serde_json::from_str::<UpdateRecord>(&line).unwrap(), records[1]);
        assert!(!serde_json::to_string(&records[0]).unwrap().contains("eval"));
    }
}
