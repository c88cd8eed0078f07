//! Checked checkpoints and one writer per run: a damaged checkpoint (a field out of range,
//! changed tensors, metrics that do not match, NUL bytes) is refused with a line naming the
//! fault, never replayed for minutes; a second trainer on a run directory is refused naming
//! the first one's pid; a reader of a run in training always gets a whole checkpoint; a failed
//! save leaves no orphan; and a seeded mutation fuzzer over the sidecar, the metrics and the
//! tensor files finds no panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ludica_agents::checkpoint::{self, CHECKPOINT_FILE};
use ludica_agents::metrics::METRICS_FILE;
use ludica_agents::net::Network;
use ludica_agents::{ResumeOptions, RunEnd, TrainConfig, Trainer};
use rand::{Rng, RngExt, SeedableRng};
use serde_json::{Value, json};

mod common;

use common::{scratch, tiny};

fn config(updates: u64) -> TrainConfig {
    TrainConfig { checkpoint_every: 1, ..tiny(updates) }
}

/// A run of 6 updates stopped after 2, so a resume has work left.
fn stopped_run(name: &str) -> PathBuf {
    let dir = scratch(name);
    let stop = AtomicBool::new(false);
    let mut t = Trainer::create(config(6), &dir).unwrap();
    let end = t.run(&stop, &mut |r| stop.store(r.update == 2, Ordering::SeqCst)).unwrap();
    assert_eq!(end, RunEnd::Interrupted);
    dir
}

fn copy_run(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn sidecar(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(CHECKPOINT_FILE)).unwrap()).unwrap()
}

fn write_sidecar(dir: &Path, value: &Value) {
    std::fs::write(dir.join(CHECKPOINT_FILE), serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

fn resume_error(dir: &Path) -> String {
    match Trainer::resume(dir, &ResumeOptions::default()) {
        Ok(_) => panic!("a damaged checkpoint in {} was accepted", dir.display()),
        Err(e) => e.to_string(),
    }
}

fn flip_last_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    *bytes.last_mut().unwrap() ^= 0x10;
    std::fs::write(path, bytes).unwrap();
}

/// A change to a sidecar's JSON.
type Edit = dyn Fn(&mut Value);

#[test]
fn damaged_checkpoints_are_refused_naming_the_fault() {
    let base = stopped_run("damaged-base");
    let ckpt = checkpoint::load(&base).unwrap();
    let case = scratch("damaged-case");
    let edit_json = |edit: &Edit| {
        copy_run(&base, &case);
        let mut value = sidecar(&case);
        edit(&mut value);
        write_sidecar(&case, &value);
        resume_error(&case)
    };
    let cases: [(&Edit, &str); 10] = [
        (&|v| v["envs"][0]["levels_drawn"] = json!(1_000_000_000_000u64), "env 0 has levels_drawn = 1000000000000"),
        (
            &|v| v["reward_normalizer"]["returns"].as_array_mut().unwrap().truncate(3),
            "reward_normalizer: returns holds 3 values for num_envs = 4",
        ),
        (&|v| v["global_step"] = json!(129), "global_step = 129"),
        (&|v| v["update"] = json!(1_000_000), "update = 1000000"),
        (&|v| v["time_s"] = json!(-1.0), "time_s = -1"),
        (&|v| v["model_file"] = json!("../elsewhere.safetensors"), "model_file"),
        (&|v| v["envs"][1]["actions"] = json!([200]), "env 1 holds action 200"),
        (&|v| v["envs"].as_array_mut().unwrap().pop().map(drop).unwrap(), "3 env cursors for num_envs = 4"),
        (&|v| v["model_sha256"] = json!("xyz"), "64 hex digits"),
        (&|v| v["format"] = json!(3), "format 3"),
    ];
    for (edit, fault) in cases {
        let err = edit_json(edit);
        assert!(err.contains(fault), "expected '{fault}' in: {err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    for file in [&ckpt.model_file, &ckpt.optimizer_file] {
        copy_run(&base, &case);
        flip_last_byte(&case.join(file));
        let err = resume_error(&case);
        assert!(err.contains(file.as_str()) && err.contains("does not match its SHA-256"), "{err}");
    }

    copy_run(&base, &case);
    let metrics = std::fs::read(case.join(METRICS_FILE)).unwrap();
    std::fs::write(case.join(METRICS_FILE), vec![0u8; metrics.len()]).unwrap();
    let err = resume_error(&case);
    assert!(err.contains("metrics.jsonl does not match its checkpoint"), "{err}");
    assert_eq!(
        std::fs::read(case.join(METRICS_FILE)).unwrap().len(),
        metrics.len(),
        "a refused resume changes nothing"
    );

    copy_run(&base, &case);
    let len = std::fs::metadata(case.join(CHECKPOINT_FILE)).unwrap().len() as usize;
    std::fs::write(case.join(CHECKPOINT_FILE), vec![0u8; len]).unwrap();
    let err = resume_error(&case);
    assert!(err.contains("checkpoint.json is corrupt"), "{err}");

    std::fs::remove_dir_all(&case).unwrap();
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn a_recurrent_checkpoints_memory_file_is_checked_like_the_others() {
    let base = scratch("memory-base");
    let stop = AtomicBool::new(false);
    let recurrent = TrainConfig { network: Network::Lstm, lstm_size: 8, ..config(6) };
    let mut t = Trainer::create(recurrent.clone(), &base).unwrap();
    assert_eq!(t.run(&stop, &mut |r| stop.store(r.update == 2, Ordering::SeqCst)).unwrap(), RunEnd::Interrupted);
    drop(t);
    let file = checkpoint::load(&base).unwrap().memory_file.expect("a recurrent checkpoint names its memory file");
    assert_eq!(file, "memory-00000002.safetensors");
    let case = scratch("memory-case");

    copy_run(&base, &case);
    flip_last_byte(&case.join(&file));
    let err = resume_error(&case);
    assert!(err.contains(&file) && err.contains("does not match its SHA-256"), "{err}");

    copy_run(&base, &case);
    std::fs::remove_file(case.join(&file)).unwrap();
    let err = resume_error(&case);
    assert!(err.contains(&file) && err.contains("missing"), "{err}");

    for key in ["memory_file", "memory_sha256"] {
        copy_run(&base, &case);
        let mut value = sidecar(&case);
        value.as_object_mut().unwrap().remove(key);
        write_sidecar(&case, &value);
        let err = resume_error(&case);
        assert!(err.contains("needs memory_file") && !err.contains('\n'), "{err}");
    }

    // The states of a run with another LSTM size, under the right checksum: wrong shapes.
    let other = scratch("memory-other");
    let stop = AtomicBool::new(false);
    let mut t = Trainer::create(TrainConfig { lstm_size: 4, ..recurrent }, &other).unwrap();
    assert_eq!(t.run(&stop, &mut |r| stop.store(r.update == 2, Ordering::SeqCst)).unwrap(), RunEnd::Interrupted);
    drop(t);
    copy_run(&base, &case);
    let foreign = std::fs::read(other.join(&file)).unwrap();
    std::fs::write(case.join(&file), &foreign).unwrap();
    let mut value = sidecar(&case);
    value["memory_sha256"] = json!(checkpoint::sha256_hex(&foreign));
    write_sidecar(&case, &value);
    let err = resume_error(&case);
    assert!(err.contains("is for another run") && err.contains("[4, 4]") && !err.contains('\n'), "{err}");

    // A feed-forward run's sidecar may not claim one.
    let plain = stopped_run("memory-plain");
    let mut value = sidecar(&plain);
    value["memory_file"] = json!(file);
    write_sidecar(&plain, &value);
    assert!(resume_error(&plain).contains("belong to a recurrent run"));

    for dir in [&base, &case, &other, &plain] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn format_1_checkpoints_resume_with_a_warning_but_damaged_metrics_are_still_refused() {
    let base = stopped_run("format1");
    let mut value = sidecar(&base);
    let object = value.as_object_mut().unwrap();
    for key in ["model_sha256", "optimizer_sha256", "metrics_sha256"] {
        object.remove(key);
    }
    object.insert("format".into(), json!(1));
    write_sidecar(&base, &value);
    let ckpt = checkpoint::load(&base).unwrap();
    assert!(ckpt.warning().is_some_and(|w| w.contains("cannot be verified")));

    let case = scratch("format1-nul");
    copy_run(&base, &case);
    let mut metrics = std::fs::read(case.join(METRICS_FILE)).unwrap();
    metrics[10..20].fill(0);
    std::fs::write(case.join(METRICS_FILE), metrics).unwrap();
    assert!(resume_error(&case).contains("does not match its checkpoint"));

    let mut t = Trainer::resume(&base, &ResumeOptions::default()).unwrap();
    assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
    drop(t);
    let after = checkpoint::load(&base).unwrap();
    assert_eq!((after.format, after.warning()), (checkpoint::FORMAT, None), "the next checkpoint adds checksums");
    std::fs::remove_dir_all(&case).unwrap();
    std::fs::remove_dir_all(&base).unwrap();
}

#[test]
fn a_run_directory_has_one_trainer_at_a_time() {
    let dir = stopped_run("lock");
    let first = Trainer::resume(&dir, &ResumeOptions::default()).unwrap();
    let err = resume_error(&dir);
    assert!(err.contains("in use") && err.contains(&format!("pid {}", std::process::id())), "{err}");
    drop(first);
    Trainer::resume(&dir, &ResumeOptions::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reader_of_a_run_in_training_always_gets_a_whole_checkpoint() {
    let dir = scratch("reader");
    let (created, done) = (AtomicBool::new(false), AtomicBool::new(false));
    let mut reads = 0;
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut t = Trainer::create(config(60), &dir).unwrap();
            created.store(true, Ordering::SeqCst);
            t.run(&AtomicBool::new(false), &mut |_| {}).unwrap();
            done.store(true, Ordering::SeqCst);
        });
        while !done.load(Ordering::SeqCst) {
            if created.load(Ordering::SeqCst) {
                let (ckpt, _agent) = checkpoint::load_latest(&dir, tch::Device::Cpu).expect("a whole checkpoint");
                assert!(ckpt.update <= 60);
                reads += 1;
            }
        }
    });
    assert!(reads > 10, "the reader must overlap the training, read {reads} times");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failed_save_leaves_the_previous_checkpoint_and_no_orphan() {
    let dir = stopped_run("failed-save");
    // A folder where the next optimizer file goes makes that write fail after the model's.
    std::fs::create_dir(dir.join("optimizer-00000003.safetensors")).unwrap();
    let mut t = Trainer::resume(&dir, &ResumeOptions::default()).unwrap();
    let err = t.run(&AtomicBool::new(false), &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("optimizer-00000003.safetensors': it is a folder"), "{err}");
    drop(t);
    assert_eq!(checkpoint::load(&dir).unwrap().update, 2, "the last committed checkpoint stays");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(!names.iter().any(|n| n == "model-00000003.safetensors"), "no orphan model file: {names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "no temporary file: {names:?}");
    std::fs::remove_dir(dir.join("optimizer-00000003.safetensors")).unwrap();
    let mut t = Trainer::resume(&dir, &ResumeOptions::default()).unwrap();
    assert_eq!(t.run(&AtomicBool::new(false), &mut |_| {}).unwrap(), RunEnd::Finished);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Values a mutated field may take: bounds, overflows, wrong types.
fn odd_value(rng: &mut impl Rng) -> Value {
    let values = [
        json!(0),
        json!(-1),
        json!(1),
        json!(255),
        json!(1u64 << 63),
        json!(u64::MAX),
        json!(1_000_000_000_000u64),
        json!(1e308),
        json!(-1e308),
        json!(0.5),
        json!(""),
        json!("NaN"),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!([0, 0, 0]),
    ];
    values[rng.random_range(0..values.len())].clone()
}

/// Every leaf path of `value` outside `skip` (JSON pointers).
fn leaves(value: &Value, at: String, skip: &str, out: &mut Vec<String>) {
    if at == skip {
        return;
    }
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| leaves(v, format!("{at}/{k}"), skip, out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| leaves(v, format!("{at}/{i}"), skip, out)),
        _ => out.push(at),
    }
}

/// One random damage to `bytes`: a flipped byte, a run of NULs, a cut, or inserted garbage.
fn damage_bytes(bytes: &mut Vec<u8>, rng: &mut impl Rng) {
    if bytes.is_empty() {
        bytes.push(rng.random());
        return;
    }
    let at = rng.random_range(0..bytes.len());
    match rng.random_range(0..4) {
        0 => bytes[at] ^= 1 << rng.random_range(0..8),
        1 => {
            let end = (at + rng.random_range(1..64)).min(bytes.len());
            bytes[at..end].fill(0);
        }
        2 => bytes.truncate(at),
        _ => {
            let garbage: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
            bytes.splice(at..at, garbage);
        }
    }
}

/// Cases of the checkpoint fuzzer: `LUDICA_FUZZ_CASES` or a default of a few seconds.
fn fuzz_cases(default: usize) -> usize {
    std::env::var("LUDICA_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn fuzzed_checkpoints_never_panic() {
    let base = stopped_run("fuzz-base");
    let ckpt = checkpoint::load(&base).unwrap();
    let case = scratch("fuzz-case");
    let mut rng = rand_pcg::Pcg64::seed_from_u64(0x5EED);
    let (cases, started) = (fuzz_cases(300), Instant::now());
    let (mut refused, mut resumed) = (0, 0);
    for n in 0..cases {
        copy_run(&base, &case);
        let target = rng.random_range(0..10);
        // The config's own bounds are the config fuzzer's: its fields are mutated here only
        // for `load`, which checks them without building anything.
        let load_only = target == 0;
        match target {
            0..=5 => {
                let mut value = sidecar(&case);
                let mut paths = Vec::new();
                leaves(&value, String::new(), if load_only { "-" } else { "/config" }, &mut paths);
                let path = &paths[rng.random_range(0..paths.len())];
                *value.pointer_mut(path).unwrap() = odd_value(&mut rng);
                write_sidecar(&case, &value);
            }
            6 | 7 => {
                let mut bytes = std::fs::read(case.join(CHECKPOINT_FILE)).unwrap();
                damage_bytes(&mut bytes, &mut rng);
                std::fs::write(case.join(CHECKPOINT_FILE), bytes).unwrap();
            }
            8 => {
                let mut bytes = std::fs::read(case.join(METRICS_FILE)).unwrap();
                damage_bytes(&mut bytes, &mut rng);
                std::fs::write(case.join(METRICS_FILE), bytes).unwrap();
            }
            _ => {
                let file = case.join(if rng.random() { &ckpt.model_file } else { &ckpt.optimizer_file });
                let mut bytes = std::fs::read(&file).unwrap();
                damage_bytes(&mut bytes, &mut rng);
                std::fs::write(&file, bytes).unwrap();
            }
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let loaded = checkpoint::load(&case).map(drop);
            if load_only { loaded } else { Trainer::resume(&case, &ResumeOptions::default()).map(drop) }
        }));
        match outcome {
            Ok(Ok(())) => resumed += 1,
            Ok(Err(e)) => {
                let e = e.to_string();
                assert!(!e.is_empty() && !e.contains('\n'), "case {n}: not one line: {e}");
                refused += 1;
            }
            Err(_) => panic!("case {n} (target {target}) panicked; rerun with LUDICA_FUZZ_CASES={}", n + 1),
        }
    }
    eprintln!(
        "checkpoint fuzzer: {cases} cases in {:.1} s: {refused} refused, {resumed} accepted",
        started.elapsed().as_secs_f64()
    );
    assert!(refused > cases / 2, "most damage must be caught: {refused} of {cases}");
    std::fs::remove_dir_all(&case).unwrap();
    std::fs::remove_dir_all(&base).unwrap();
}
