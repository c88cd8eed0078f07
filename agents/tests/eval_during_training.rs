//! Evaluation during training (`eval_every`): the evaluated updates log train and held-out
//! statistics, the summary reports what they cost, and the run trains bit-identically to one
//! that never evaluates (evaluation draws from none of training's RNG streams).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use ludica_agents::checkpoint;
use ludica_agents::metrics::{METRICS_FILE, SUMMARY_FILE, Summary, UpdateRecord, read_metrics};
use ludica_agents::{RunEnd, TrainConfig, Trainer};

mod common;

use common::{scratch, tiny};

fn config(eval_every: u64) -> TrainConfig {
    TrainConfig { num_levels: 10, max_episode_steps: 20, eval_every, eval_episodes: 6, ..tiny(5) }
}

fn train(cfg: TrainConfig, dir: &Path) -> Vec<UpdateRecord> {
    let mut t = Trainer::create(cfg, dir).unwrap();
    assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
    read_metrics(&dir.join(METRICS_FILE)).unwrap()
}

/// The records without wall-clock fields and evaluations, and the final weights' checksum.
fn training_only(dir: &Path, records: &[UpdateRecord]) -> (Vec<UpdateRecord>, Option<String>) {
    let lines = records.iter().map(|r| UpdateRecord { time_s: 0.0, sps: 0.0, eval: None, ..*r }).collect();
    let ckpt = checkpoint::load(dir).unwrap();
    (lines, ckpt.model_sha256)
}

#[test]
fn evaluating_during_training_logs_both_splits_and_changes_nothing_else() {
    let (plain, evaluated) = (scratch("plain"), scratch("evaluated"));
    let without = train(config(0), &plain);
    let with = train(config(2), &evaluated);

    assert!(without.iter().all(|r| r.eval.is_none()));
    let at: Vec<u64> = with.iter().filter(|r| r.eval.is_some()).map(|r| r.update).collect();
    assert_eq!(at, [2, 4, 5], "every 2nd update and the last");
    for r in with.iter().filter_map(|r| r.eval.as_ref()) {
        assert_eq!((r.train.episodes, r.test.episodes), (6, 6));
        assert_eq!(r.train.levels, "seeds 0..10, difficulty 0");
        assert_eq!(r.test.levels, "seeds 1000000000.., difficulty 0");
        assert!((0.0..=1.0).contains(&r.test.success_rate) && r.time_s > 0.0);
    }
    assert_eq!(training_only(&plain, &without), training_only(&evaluated, &with), "training is unchanged");

    let summary: Summary = serde_json::from_slice(&std::fs::read(evaluated.join(SUMMARY_FILE)).unwrap()).unwrap();
    let eval_s: f64 = with.iter().filter_map(|r| r.eval.as_ref()).map(|e| e.time_s).sum();
    assert_eq!(summary.eval_time_s, Some(eval_s));
    let share = summary.eval_share.unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");
    let plain_summary: Summary = serde_json::from_slice(&std::fs::read(plain.join(SUMMARY_FILE)).unwrap()).unwrap();
    assert_eq!(plain_summary.eval_time_s, None);
    std::fs::remove_dir_all(&plain).unwrap();
    std::fs::remove_dir_all(&evaluated).unwrap();
}

#[test]
fn held_out_levels_inside_the_training_range_are_refused() {
    let cfg = TrainConfig { test_start_level: 5, ..config(1) };
    let err = cfg.validate().unwrap_err().to_string();
    assert!(err.contains("test_start_level = 5") && err.contains("0..10"), "{err}");
    assert!(TrainConfig { eval_every: 0, ..cfg }.validate().is_ok(), "only checked when evaluating");
    let err = TrainConfig { eval_episodes: 1, ..config(1) }.validate().unwrap_err().to_string();
    assert!(err.contains("eval_episodes = 1"), "{err}");
}
