//! Checkpoint and resume: a run stopped (between updates or in the middle of a rollout) and
//! resumed from its run directory ends bit-identical to one that never stopped: same
//! metrics lines (but wall-clock fields), same weights, same Adam moments, and for a
//! recurrent network the same LSTM state in every env.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ludica_agents::checkpoint;
use ludica_agents::metrics::{METRICS_FILE, read_metrics};
use ludica_agents::net::Network;
use ludica_agents::{ResumeOptions, RunEnd, TrainConfig, Trainer};
use ludica_envs::ObsKind;

mod common;

use common::{scratch, tiny};

fn config(obs: ObsKind) -> TrainConfig {
    TrainConfig { obs, num_steps: 32, update_epochs: 2, steps: 6 * 4 * 32, hidden: 32, checkpoint_every: 1, ..tiny(0) }
}

/// Metrics without the wall-clock fields, and the final tensors, of the run in `dir`.
fn outcome(dir: &Path) -> (Vec<String>, Vec<(String, Vec<f32>)>) {
    let lines = read_metrics(&dir.join(METRICS_FILE))
        .unwrap()
        .into_iter()
        .map(|mut r| {
            r.time_s = 0.0;
            r.sps = 0.0;
            serde_json::to_string(&r).unwrap()
        })
        .collect();
    let ckpt = checkpoint::load(dir).unwrap();
    let mut tensors = Vec::new();
    for file in [Some(&ckpt.model_file), Some(&ckpt.optimizer_file), ckpt.memory_file.as_ref()].into_iter().flatten() {
        for (name, t) in checkpoint::read_tensors(dir, file, None).unwrap() {
            tensors.push((name, Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()));
        }
    }
    tensors.sort_by(|a, b| a.0.cmp(&b.0));
    (lines, tensors)
}

fn straight_run(obs: ObsKind, dir: &Path) {
    straight_run_of(config(obs), dir);
}

fn straight_run_of(cfg: TrainConfig, dir: &Path) {
    let mut t = Trainer::create(cfg, dir).unwrap();
    assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
}

#[test]
fn a_run_stopped_between_updates_resumes_exactly() {
    for obs in [ObsKind::Symbolic, ObsKind::Rgb] {
        let (a, b) = (scratch(&format!("straight-{obs}")), scratch(&format!("stopped-{obs}")));
        straight_run(obs, &a);

        let stop = AtomicBool::new(false);
        let mut t = Trainer::create(config(obs), &b).unwrap();
        let end = t
            .run(&stop, &mut |r| {
                if r.update == 2 {
                    stop.store(true, Ordering::SeqCst);
                }
            })
            .unwrap();
        assert_eq!((end, t.update()), (RunEnd::Interrupted, 2));
        drop(t);
        let mut t = Trainer::resume(&b, &ResumeOptions::default()).unwrap();
        assert_eq!((t.update(), t.global_step()), (2, 2 * 4 * 32));
        assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);

        let (straight, resumed) = (outcome(&a), outcome(&b));
        assert_eq!(straight.0.len(), 6);
        assert_eq!(straight.0, resumed.0, "{obs}: metrics differ after resume");
        assert!(straight.1 == resumed.1, "{obs}: weights or Adam moments differ after resume");
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}

#[test]
fn curriculum_runs_stopped_between_updates_resume_exactly_with_their_buffer_and_level_log() {
    use ludica_agents::curriculum::{LEVELS_FILE, read_levels};
    use ludica_envs::curriculum::Curriculum;
    for curriculum in [Curriculum::Plr, Curriculum::RobustPlr] {
        let cfg = TrainConfig {
            curriculum,
            plr_buffer_size: 8,
            plr_replay_prob: 0.8,
            num_steps: 32,
            steps: 6 * 4 * 32,
            checkpoint_every: 1,
            ..tiny(0)
        };
        let (a, b) = (scratch(&format!("straight-{curriculum}")), scratch(&format!("stopped-{curriculum}")));
        let mut t = Trainer::create(cfg.clone(), &a).unwrap();
        assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
        let stop = AtomicBool::new(false);
        let mut t = Trainer::create(cfg, &b).unwrap();
        t.run(&stop, &mut |r| stop.store(r.update == 3, Ordering::SeqCst)).unwrap();
        drop(t);
        // A line written after the checkpoint (as by a trainer killed mid-write) is dropped.
        let mut log = std::fs::OpenOptions::new().append(true).open(b.join(LEVELS_FILE)).unwrap();
        std::io::Write::write_all(&mut log, b"{\"update\": 99").unwrap();
        let mut t = Trainer::resume(&b, &ResumeOptions::default()).unwrap();
        assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);

        let (straight, resumed) = (outcome(&a), outcome(&b));
        assert_eq!(straight.0, resumed.0, "{curriculum}: metrics differ after resume");
        assert!(straight.1 == resumed.1, "{curriculum}: weights or Adam moments differ after resume");
        let levels = read_levels(&a.join(LEVELS_FILE)).unwrap();
        assert_eq!(levels, read_levels(&b.join(LEVELS_FILE)).unwrap(), "{curriculum}: levels.jsonl differs");
        let last = levels.last().unwrap().update;
        assert_eq!(last, 6, "every update logs its levels");
        let ckpt = checkpoint::load(&a).unwrap();
        let sampler = &ckpt.curriculum.as_ref().unwrap().sampler;
        assert_eq!(sampler.buffer().len(), 8, "{curriculum}: 20 levels fill the buffer of 8");
        assert!(sampler.buffer().iter().any(|e| e.replays > 0), "{curriculum}: buffered levels were replayed");
        let records = read_metrics(&a.join(METRICS_FILE)).unwrap();
        let shares: Vec<f64> = records.iter().map(|r| r.curriculum.unwrap().replay_share).collect();
        assert_eq!(shares[0], 0.0, "the first rollout plays new levels only: {shares:?}");
        assert!(shares.iter().any(|&s| s > 0.0), "replays start once levels are scored: {shares:?}");
        if curriculum == Curriculum::RobustPlr {
            assert_eq!(records[0].stats.policy_loss, 0.0, "no update without replayed levels");
        }
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}

#[test]
fn a_run_stopped_mid_rollout_resumes_exactly_whenever_the_stop_lands() {
    let a = scratch("straight-mid");
    straight_run(ObsKind::Symbolic, &a);
    let expected = outcome(&a);
    stopped_mid_rollout_runs_resume_to(&config(ObsKind::Symbolic), &expected, [30, 170], "mid");
    std::fs::remove_dir_all(&a).unwrap();
}

/// A recurrent run stopped between updates, and in the middle of a rollout, resumes exactly:
/// its checkpoint carries every env's LSTM state (as it was when the rollout began).
#[test]
fn a_recurrent_run_resumes_exactly() {
    // Episodes end inside rollouts, so that states are reset and carried over boundaries.
    let cfg = TrainConfig { network: Network::Lstm, lstm_size: 16, max_episode_steps: 12, ..config(ObsKind::Symbolic) };
    let a = scratch("straight-lstm");
    straight_run_of(cfg.clone(), &a);
    let expected = outcome(&a);
    assert_eq!(expected.0.len(), 6);
    assert!(expected.1.iter().any(|(name, _)| name == "h") && expected.1.iter().any(|(name, _)| name == "c"));

    let b = scratch("stopped-lstm");
    let stop = AtomicBool::new(false);
    let mut t = Trainer::create(cfg.clone(), &b).unwrap();
    let end = t
        .run(&stop, &mut |r| {
            if r.update == 3 {
                stop.store(true, Ordering::SeqCst);
            }
        })
        .unwrap();
    assert_eq!((end, t.update()), (RunEnd::Interrupted, 3));
    drop(t);
    let mut t = Trainer::resume(&b, &ResumeOptions::default()).unwrap();
    assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
    assert!(outcome(&b) == expected, "a recurrent run stopped between updates resumes differently");

    std::fs::remove_dir_all(&b).unwrap();

    stopped_mid_rollout_runs_resume_to(&cfg, &expected, [40, 150], "mid-lstm");
    std::fs::remove_dir_all(&a).unwrap();
}

/// Runs `cfg` once per delay, stopped by a timer `delay_ms` into the run (most often in the
/// middle of a rollout) and resumed; each must end as `expected`, and at least one stop must
/// land before its run ends.
fn stopped_mid_rollout_runs_resume_to(
    cfg: &TrainConfig,
    expected: &(Vec<String>, Vec<(String, Vec<f32>)>),
    delays_ms: [u64; 2],
    name: &str,
) {
    let mut interrupted = 0;
    for delay_ms in delays_ms {
        let dir = scratch(&format!("{name}-{delay_ms}"));
        let stop = Arc::new(AtomicBool::new(false));
        let mut t = Trainer::create(cfg.clone(), &dir).unwrap();
        let flag = Arc::clone(&stop);
        let timer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(delay_ms));
            flag.store(true, Ordering::SeqCst);
        });
        let end = t.run(&stop, &mut |_| {}).unwrap();
        timer.join().unwrap();
        drop(t);
        if end == RunEnd::Interrupted {
            interrupted += 1;
            let mut t = Trainer::resume(&dir, &ResumeOptions::default()).unwrap();
            t.run(&AtomicBool::new(false), &mut |_| {}).unwrap();
        }
        assert!(outcome(&dir) == *expected, "{name}: stopped after {delay_ms} ms, the resumed run differs");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(interrupted > 0, "{name}: at least one stop must land before the run ends");
}

#[test]
fn a_new_run_refuses_an_existing_directory_and_bad_configs_leave_nothing() {
    let dir = scratch("exists");
    std::fs::create_dir_all(&dir).unwrap();
    let err = Trainer::create(config(ObsKind::Symbolic), &dir).err().unwrap().to_string();
    assert!(err.contains("already exists") && err.contains("--resume"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();

    let dir = scratch("bad");
    let bad = TrainConfig { num_minibatches: 3, ..config(ObsKind::Symbolic) };
    let err = Trainer::create(bad, &dir).err().unwrap().to_string();
    assert!(err.contains("num_minibatches = 3"), "{err}");
    assert!(!dir.exists(), "a refused run leaves no directory");
    let leftovers: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(&format!("partial-{}", std::process::id())))
        .collect();
    assert!(leftovers.is_empty(), "no staging directory is left behind");
}

/// A run directory written by ludica 0.1.0 before `TrainConfig` became one clap + serde
/// struct (maze, symbolic, 2 envs, stopped after update 1 of 3), copied as it was: the new
/// code reads its saved config and trains it to the end.
#[test]
fn a_run_directory_from_before_the_config_rewrite_resumes() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run-0.1.0");
    let dir = scratch("fixture-0.1.0");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let saved = checkpoint::load(&dir).unwrap().config;
    assert_eq!((saved.num_envs, saved.num_steps, saved.hidden, saved.steps), (2, 16, 8, 96));
    assert_eq!(
        TrainConfig { num_steps: 16, ..saved.clone() },
        serde_json::from_value(serde_json::to_value(&saved).unwrap()).unwrap(),
        "the saved config round-trips"
    );
    let mut t = Trainer::resume(&dir, &ResumeOptions::default()).unwrap();
    assert_eq!(t.update(), 1);
    assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
    assert_eq!((t.update(), t.global_step()), (3, 96));
    assert_eq!(read_metrics(&dir.join(METRICS_FILE)).unwrap().len(), 3);
    std::fs::remove_dir_all(&dir).unwrap();
}
