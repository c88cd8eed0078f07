//! `ludica experiment run` end to end on a tiny grid: every run trains with its evaluations,
//! a grid stopped by Ctrl-C and run again ends identical to one never stopped, a rerun of a
//! finished grid trains nothing, and bad specs, devices and output directories are one line,
//! exit status 2, with nothing of an earlier experiment lost.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{ludica, scratch};

const SPEC: &str = r#"
[grid]
games = ["maze"]
num_levels = [5, 0]
seeds = [1, 2]

[train]
obs = "symbolic"
difficulty = 0.0
max_episode_steps = 20
num_envs = 4
num_steps = 16
num_minibatches = 2
update_epochs = 1
hidden = 16
steps = 2560
checkpoint_every = 4
eval_every = 20
eval_episodes = 4
"#;

/// Each run's metrics without wall-clock fields, and its final weights' checksum.
fn results(dir: &Path) -> Vec<(String, Vec<serde_json::Value>, serde_json::Value)> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir.join("runs")).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let run = dir.join("runs").join(&name);
            let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
            let lines = metrics
                .lines()
                .map(|l| {
                    let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                    v["time_s"] = 0.into();
                    v["sps"] = 0.into();
                    if v.get("eval").is_some() {
                        v["eval"]["time_s"] = 0.into();
                    }
                    v
                })
                .collect();
            let ckpt: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
            (name, lines, ckpt["model_sha256"].clone())
        })
        .collect()
}

fn one_line_error(out: &Output, word: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().filter(|l| !l.trim().is_empty()).count(), 1, "{stderr}");
    assert!(stderr.contains(word), "'{word}' missing from: {stderr}");
}

#[test]
fn a_grid_stopped_and_rerun_ends_as_one_never_stopped() {
    let root = scratch("grid");
    let spec = root.join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let (whole, stopped) = (root.join("whole"), root.join("stopped"));
    let s = spec.to_str().unwrap();

    let out = ludica(&["experiment", "run", s, "--out", whole.to_str().unwrap(), "--devices", "cpu:2", "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 runs finished"));
    let expected = results(&whole);
    assert_eq!(expected.len(), 4);
    for (name, lines, _) in &expected {
        assert_eq!(lines.len(), 40, "{name}");
        let evals: Vec<u64> =
            lines.iter().filter(|l| l.get("eval").is_some()).map(|l| l["update"].as_u64().unwrap()).collect();
        assert_eq!(evals, [20, 40], "{name}");
    }

    // Stopped once the first runs have logged a few updates, then run again.
    let mut child = Command::new(env!("CARGO_BIN_EXE_ludica"))
        .args(["experiment", "run", s, "--out", stopped.to_str().unwrap(), "--devices", "cpu:2", "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = stopped.join("runs/maze-symbolic-0-n5-s1/metrics.jsonl");
    let start = Instant::now();
    while std::fs::read_to_string(&first).map_or(0, |m| m.lines().count()) < 3 {
        assert!(start.elapsed() < Duration::from_secs(120), "the grid never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(Command::new("sh").args(["-c", &format!("kill -INT {}", child.id())]).status().unwrap().success());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("rerun the same command"), "{stderr}");
    let out = ludica(&["experiment", "run", s, "--out", stopped.to_str().unwrap(), "--devices", "cpu:2", "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(results(&stopped) == expected, "the resumed grid differs from the uninterrupted one");

    // The report: per game and number of levels, over the two seeds, and the IQM over games.
    let out = ludica(&["experiment", "report", whole.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("| maze | symbolic | 0 | 5 | 2 |") && table.contains("| unlimited |"), "{table}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(whole.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["cells"].as_array().unwrap().len(), 2);
    assert_eq!(report["aggregates"].as_array().unwrap().len(), 2);
    assert_eq!(report["levels_changed"].as_array().unwrap().len(), 0);
    assert!(std::fs::read(whole.join("report.png")).unwrap().starts_with(b"\x89PNG"));

    // A rerun of a finished grid trains nothing.
    let out = ludica(&["experiment", "run", s, "--out", whole.to_str().unwrap(), "--quiet"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("(4 before this session)"));
    assert!(results(&whole) == expected);
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_specs_devices_and_directories_are_one_line_and_lose_nothing() {
    let root = scratch("bad");
    let out_dir = root.join("out");
    let o = out_dir.to_str().unwrap();
    let write = |name: &str, text: &str| {
        let path = root.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let typo = write("typo.toml", &SPEC.replace("num_envs", "num_env"));
    one_line_error(&ludica(&["experiment", "run", &typo, "--out", o]), "unknown field `num_env`, expected one of");
    let game = write("game.toml", &SPEC.replace("\"maze\"", "\"tetris\""));
    one_line_error(&ludica(&["experiment", "run", &game, "--out", o]), "tetris");
    let spec = write("spec.toml", SPEC);
    one_line_error(&ludica(&["experiment", "run", &spec, "--out", o, "--devices", "tpu:1"]), "'tpu:1'");
    if !Path::new("/dev/nvidia0").exists() {
        one_line_error(&ludica(&["experiment", "run", &spec, "--out", o, "--devices", "cuda:0"]), "no CUDA GPU");
    }
    assert!(!out_dir.exists(), "refused specs create nothing");

    // A directory with another experiment in it stays as it was.
    std::fs::create_dir_all(out_dir.join("runs")).unwrap();
    std::fs::write(out_dir.join("experiment.json"), "{\"format\": 1, \"runs\": []}").unwrap();
    std::fs::write(out_dir.join("runs/keep.txt"), "results").unwrap();
    one_line_error(&ludica(&["experiment", "run", &spec, "--out", o]), "holds another experiment");
    assert_eq!(std::fs::read_to_string(out_dir.join("runs/keep.txt")).unwrap(), "results");
    assert_eq!(std::fs::read_to_string(out_dir.join("experiment.json")).unwrap(), "{\"format\": 1, \"runs\": []}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// `ludica experiment plan`: the JSON a scheduler elsewhere reads. It claims the directory as
/// `run` does (or, with --dry-run, writes nothing), its arguments train a run that
/// `experiment report` then reads, and a trained run is planned as finished.
#[test]
fn a_plan_names_each_runs_command_state_and_resources() {
    let root = scratch("plan");
    let spec = root.join("spec.toml");
    std::fs::write(&spec, SPEC).unwrap();
    let (s, dir) = (spec.to_str().unwrap(), root.join("exp"));
    let d = dir.to_str().unwrap();
    let plan = |extra: &[&str]| -> serde_json::Value {
        let out = ludica(&[&["experiment", "plan", s, "--out", d], extra].concat());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };

    let dry = plan(&["--dry-run"]);
    assert!(!dir.exists(), "a dry run writes nothing");
    assert_eq!(dry["dir"], d);
    let runs = dry["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["maze-symbolic-0-n5-s1", "maze-symbolic-0-n5-s2", "maze-symbolic-0-n0-s1", "maze-symbolic-0-n0-s2"]
    );
    let first = &runs[0];
    let (run_dir, config) =
        (dir.join("runs/maze-symbolic-0-n5-s1"), dir.join("logs/maze-symbolic-0-n5-s1.config.json"));
    assert_eq!(first["run_dir"], run_dir.to_str().unwrap());
    assert_eq!(first["log"], dir.join("logs/maze-symbolic-0-n5-s1.log").to_str().unwrap());
    assert_eq!(first["state"], "new");
    assert_eq!(first["resources"], serde_json::json!({"cpus": 2, "gpus": 0}));
    assert_eq!(first["steps"], 2560);
    let args: Vec<&str> = first["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    let config_s = config.to_str().unwrap();
    assert_eq!(args, ["train", "--quiet", "--device", "cpu", "--config", config_s, "--out", run_dir.to_str().unwrap()]);
    let cuda = plan(&["--dry-run", "--device", "cuda"]);
    assert_eq!(cuda["runs"][3]["resources"], serde_json::json!({"cpus": 2, "gpus": 1}));
    assert_eq!(cuda["runs"][3]["args"][3], "cuda");

    // The plan claims the directory and writes the config files; its arguments train the run.
    assert_eq!(plan(&[]), dry);
    assert!(dir.join("experiment.json").is_file() && config.is_file());
    let trained = Command::new(env!("CARGO_BIN_EXE_ludica")).args(&args).output().unwrap();
    assert!(trained.status.success(), "{}", String::from_utf8_lossy(&trained.stderr));
    let after = plan(&[]);
    assert_eq!((&after["runs"][0]["state"], &after["runs"][0]["args"]), (&"finished".into(), &serde_json::Value::Null));
    assert_eq!(after["runs"][1]["state"], "new");
    let out = ludica(&["experiment", "report", d]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("| maze | symbolic | 0 | 5 | 1 |"));

    // Bad input: one line, exit status 2, the directory as it was.
    one_line_error(&ludica(&["experiment", "plan", s, "--out", d, "--device", "auto"]), "'auto' is not allowed");
    one_line_error(&ludica(&["experiment", "plan", s, "--out", d, "--device", "tpu"]), "'tpu'");
    let before = std::fs::read(dir.join("experiment.json")).unwrap();
    let other = root.join("other.toml");
    std::fs::write(&other, SPEC.replace("seeds = [1, 2]", "seeds = [1, 2, 3]")).unwrap();
    one_line_error(&ludica(&["experiment", "plan", other.to_str().unwrap(), "--out", d]), "holds another experiment");
    one_line_error(
        &ludica(&["experiment", "plan", other.to_str().unwrap(), "--out", d, "--dry-run"]),
        "holds another experiment",
    );
    assert_eq!(std::fs::read(dir.join("experiment.json")).unwrap(), before);
    assert!(run_dir.join("summary.json").is_file());
    std::fs::remove_dir_all(&root).unwrap();
}
