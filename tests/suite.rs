//! `ludica suite` and the level checks of `ludica eval`: a suite file is written and checked
//! against today's generators, a changed hash is said loudly, a run's recorded suites are
//! checked by eval, and the leak check counts held-out layouts seen in training.

mod common;
use common::{TINY, ludica, scratch};

#[test]
fn suites_are_written_checked_and_changes_are_said() {
    let root = scratch("file");
    let file = root.join("maze.json");
    let f = file.to_str().unwrap();
    let out = ludica(&["suite", "--name", "maze-10", "--game", "maze", "--seeds", "0..10", "--out", f]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("maze seeds 0..10, difficulty easy, 10 levels, sha256 "));
    let out = ludica(&["suite", "--check", f]);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("unchanged since recorded"));

    // What a generator change looks like: the recorded hash is no longer today's.
    let mut suite: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    suite["sha256"] = "0".repeat(64).into();
    std::fs::write(&file, serde_json::to_vec(&suite).unwrap()).unwrap();
    let out = ludica(&["suite", "--check", f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("WARNING: maze-10 levels"));

    // A suite of a level file keeps its levels.
    let levels = root.join("levels.jsonl");
    let out = ludica(&[
        "levels",
        "--game",
        "heist",
        "--seeds",
        "3..6",
        "--format",
        "json",
        "--out",
        levels.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let from_file = root.join("heist.json");
    let out =
        ludica(&["suite", "--name", "h", "--levels", levels.to_str().unwrap(), "--out", from_file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(ludica(&["suite", "--check", from_file.to_str().unwrap()]).status.success());

    for (args, word) in [
        (vec!["suite", "--name", "x", "--seeds", "5..2", "--out", f], "'5..2'"),
        (vec!["suite", "--name", "x", "--game", "tetris", "--seeds", "0..2", "--out", f], "tetris"),
        (vec!["suite", "--check", root.join("none.json").to_str().unwrap()], "none.json"),
    ] {
        let out = ludica(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(word) && stderr.lines().filter(|l| !l.is_empty()).count() == 1, "{stderr}");
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn eval_checks_the_runs_recorded_levels_and_counts_leaks() {
    let root = scratch("eval");
    let run = root.join("run");
    let r = run.to_str().unwrap();
    let mut args = vec!["train", "--out", r, "--steps", "64", "--difficulty", "0"];
    args.extend_from_slice(TINY);
    assert!(ludica(&args).status.success());
    let suites: serde_json::Value = serde_json::from_slice(&std::fs::read(run.join("suites.json")).unwrap()).unwrap();
    assert_eq!(suites[0]["name"], "train");
    assert_eq!(suites[0]["hashed_levels"], 10);
    assert_eq!(suites[1]["levels"]["seeds"]["start"], 1_000_000_000u64);

    let eval = |extra: &[&str]| {
        let mut args = vec!["eval", "--run", r, "--episodes", "40", "--num-envs", "4", "--no-baseline"];
        args.extend_from_slice(extra);
        let out = ludica(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let table = eval(&[]);
    assert!(table.contains("train levels (maze seeds 0..10, difficulty 0): unchanged since recorded"), "{table}");
    assert!(table.contains("leak check: ") && table.contains("of 40 held-out levels (seeds 1000000000..1000000040)"));
    // Held-out levels that are training levels are all counted as leaks.
    let copies = root.join("copies.jsonl");
    let out = ludica(&[
        "levels",
        "--seeds",
        "0..4",
        "--difficulty",
        "0",
        "--format",
        "json",
        "--out",
        copies.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let table = eval(&["--levels", copies.to_str().unwrap()]);
    assert!(table.contains("leak check: 4 of 4 held-out levels (from a file)"), "{table}");

    let mut changed = suites.clone();
    changed[0]["sha256"] = "f".repeat(64).into();
    std::fs::write(run.join("suites.json"), serde_json::to_vec(&changed).unwrap()).unwrap();
    let table = eval(&[]);
    assert!(table.contains("WARNING: train levels (maze seeds 0..10, difficulty 0) CHANGED since recorded"), "{table}");
    let report: serde_json::Value = serde_json::from_str(&eval(&["--json"])).unwrap();
    assert_eq!(report["suites"][0]["recorded"], "f".repeat(64));
    std::fs::remove_dir_all(&root).unwrap();
}
