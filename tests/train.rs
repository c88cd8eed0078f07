//! The `ludica train`, `eval`, `plot` and `record` commands end to end: a tiny run, its
//! evaluation, plot and video (and `play --record`), Ctrl-C, SIGTERM and --resume, and every
//! kind of bad input giving a one-line error that names the problem and leaves no
//! half-written run directory or file.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{TINY, ludica, scratch};

/// Trains a tiny run into `dir`; flags in `extra` replace those of [`TINY`].
fn train_tiny(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--out", dir.to_str().unwrap()];
    let mut k = 0;
    while k < TINY.len() {
        let takes_value = TINY.get(k + 1).is_some_and(|v| !v.starts_with("--"));
        if !extra.contains(&TINY[k]) {
            args.extend_from_slice(&TINY[k..k + 1 + usize::from(takes_value)]);
        }
        k += 1 + usize::from(takes_value);
    }
    args.extend_from_slice(extra);
    ludica(&args)
}

/// The error a failed command printed: exactly one line, naming `word` (clap adds its
/// "For more information, try '--help'" tip to flag errors).
fn one_line_error(out: &Output, word: &str) -> String {
    assert!(!out.status.success(), "the command should fail");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let lines: Vec<&str> =
        stderr.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("For more information")).collect();
    assert_eq!(lines.len(), 1, "one line, got:\n{stderr}");
    assert!(stderr.contains(word), "'{word}' missing from: {stderr}");
    stderr
}

#[test]
fn train_eval_and_plot_a_tiny_run() {
    let root = scratch("tiny");
    let run = root.join("run");
    // 300 steps are 4 whole rollouts of 4 x 16 and a remainder: a note names the figure trained.
    let out = train_tiny(&run, &["--steps", "300", "--checkpoint-every", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("steps = 300 is not a multiple of num_envs x num_steps = 64: training 4 updates = 256 steps"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("done: 256 steps"));
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 4, "one line per update");
    let ckpt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
    assert_eq!(ckpt["update"], 4);
    assert_eq!(ckpt["game"], "maze");
    assert_eq!(ckpt["config"]["num_envs"], 4);
    assert!(run.join(ckpt["model_file"].as_str().unwrap()).is_file());
    let files: Vec<String> =
        std::fs::read_dir(&run).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert_eq!(files.iter().filter(|f| f.starts_with("model-")).count(), 1, "older checkpoints removed: {files:?}");
    assert!(!files.iter().any(|f| f.ends_with(".tmp")), "{files:?}");

    let r = run.to_str().unwrap();
    let out = ludica(&["eval", "--run", r, "--episodes", "12", "--num-envs", "4", "--device", "cpu"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    for row in ["agent/train", "agent/test", "gap", "random/train", "random/test", "95% CI"] {
        assert!(table.contains(row), "{row} missing from\n{table}");
    }
    let out = ludica(&["eval", "--run", r, "--episodes", "8", "--num-envs", "4", "--json", "--no-baseline"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["train"]["episodes"], 8);
    assert_eq!(report["test"]["episodes"], 8);
    assert!(report["test"]["levels"].as_str().unwrap().contains("1000000000.."));
    assert!(report["random"].is_null());

    let png = root.join("frames.png");
    let out = ludica(&["eval", "--run", r, "--episodes", "4", "--render", "2", "--out", png.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));

    let curves = root.join("curves.png");
    let out = ludica(&["plot", r, r, "--out", curves.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&curves).unwrap().starts_with(b"\x89PNG"));
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_run_trained_in_the_local_view_evaluates_in_it() {
    let root = scratch("local");
    let run = root.join("run");
    let out = train_tiny(&run, &["--steps", "64", "--view", "local"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ckpt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
    assert_eq!(ckpt["config"]["view"], "local", "the run's config keeps its view");
    let r = run.to_str().unwrap();
    let eval = |extra: &[&str]| {
        let args =
            [&["eval", "--run", r, "--episodes", "4", "--num-envs", "4", "--json", "--no-baseline"], extra].concat();
        let out = ludica(&args);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["view"].clone()
    };
    assert_eq!(eval(&[]), "local", "eval plays the run's view");
    assert_eq!(eval(&["--view", "full"]), "full", "unless told otherwise");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn a_recurrent_run_trains_then_evaluates_and_records_on_held_out_levels() {
    let root = scratch("lstm");
    let run = root.join("run");
    // Recurrent minibatches are whole env sequences: 6 envs do not split into 4.
    let out = train_tiny(&run, &["--network", "lstm", "--num-envs", "6", "--num-minibatches", "4"]);
    let err = one_line_error(&out, "num_minibatches = 4");
    assert!(err.contains("num_envs = 6") && out.status.code() == Some(2), "{err}");
    one_line_error(&train_tiny(&run, &["--network", "gru"]), "'gru'");
    assert!(!run.exists());

    let out = train_tiny(&run, &["--network", "lstm", "--lstm-size", "16", "--steps", "128"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ckpt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
    assert_eq!((ckpt["config"]["network"].as_str(), ckpt["config"]["lstm_size"].as_u64()), (Some("lstm"), Some(16)));
    assert!(run.join(ckpt["memory_file"].as_str().unwrap()).is_file(), "the envs' LSTM states are saved");

    let r = run.to_str().unwrap();
    let out = ludica(&["eval", "--run", r, "--episodes", "8", "--num-envs", "4", "--json", "--no-baseline"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["train"]["episodes"].as_u64(), report["test"]["episodes"].as_u64()), (Some(8), Some(8)));
    assert!(report["test"]["levels"].as_str().unwrap().contains("1000000000.."));
    let gif = root.join("lstm.gif");
    let out = ludica(&["record", "--run", r, "--episodes", "2", "--out", gif.to_str().unwrap(), "--scale", "1"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success() && stderr.contains("wrote 2 held-out episodes"), "{stderr}");
    std::fs::remove_dir_all(&root).unwrap();
}

/// Starts a long tiny training run into `run`, sends it `signal` once it has logged two
/// updates, and returns how it ended.
fn train_until_signal(run: &Path, signal: &str) -> Output {
    let mut args = vec!["train".to_string(), "--out".into(), run.to_str().unwrap().into()];
    args.extend(TINY.iter().map(|s| s.to_string()));
    args.extend(["--steps".into(), "64000".into(), "--checkpoint-every".into(), "1000".into()]);
    let child = Command::new(env!("CARGO_BIN_EXE_ludica"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let metrics = run.join("metrics.jsonl");
    let start = Instant::now();
    while std::fs::read_to_string(&metrics).map_or(0, |m| m.lines().count()) < 2 {
        assert!(start.elapsed() < Duration::from_secs(120), "training never logged");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The shell's builtin `kill`, so the test needs no procps.
    let killed = Command::new("sh").args(["-c", &format!("kill -{signal} {}", child.id())]).status().unwrap();
    assert!(killed.success());
    child.wait_with_output().unwrap()
}

#[test]
fn sigterm_like_ctrl_c_saves_a_checkpoint_and_says_how_to_resume() {
    let root = scratch("sigterm");
    let out = train_until_signal(&root.join("run"), "TERM");
    assert_eq!(out.status.code(), Some(143), "128 + SIGTERM");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted: checkpoint saved at update") && stderr.contains("--resume"), "{stderr}");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn ctrl_c_saves_a_checkpoint_and_resume_finishes_the_run() {
    let root = scratch("ctrlc");
    let run = root.join("run");
    let metrics = run.join("metrics.jsonl");
    let out = train_until_signal(&run, "INT");
    assert_eq!(out.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("interrupted: checkpoint saved at update") && stderr.contains("--resume"), "{stderr}");
    let ckpt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("checkpoint.json")).unwrap()).unwrap();
    let saved_update = ckpt["update"].as_u64().unwrap();
    assert!(saved_update >= 2, "the checkpoint holds the updates done before Ctrl-C");

    // Resuming with another config is refused; with the same one it finishes the run.
    let r = run.to_str().unwrap();
    one_line_error(&ludica(&["train", "--resume", r, "--num-envs", "8"]), "num_envs = 4");
    let out = ludica(&["train", "--resume", r, "--quiet", "--steps", "64000"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = std::fs::read_to_string(&metrics).unwrap().lines().count();
    assert_eq!(lines, 1000, "64000 steps / 64 per update, each logged exactly once");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn each_curriculum_trains_and_plr_runs_log_and_plot_their_buffers() {
    let root = scratch("curricula");
    // Two updates each; robust PLR with a recurrent network (its whole-sequence minibatches).
    for (curriculum, network) in [("dr", "feedforward"), ("plr", "feedforward"), ("robust-plr", "lstm")] {
        let run = root.join(curriculum);
        let args = ["--steps", "128", "--curriculum", curriculum, "--plr-buffer-size", "6", "--network", network];
        let out = train_tiny(&run, &args);
        assert!(out.status.success(), "{curriculum}: {}", String::from_utf8_lossy(&out.stderr));
        let levels = run.join("levels.jsonl");
        assert_eq!(levels.is_file(), curriculum != "dr", "{curriculum}: levels.jsonl only under PLR");
        if curriculum != "dr" {
            let text = std::fs::read_to_string(&levels).unwrap();
            let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
            for key in ["update", "seed", "score", "steps", "episodes", "in_buffer"] {
                assert!(first.get(key).is_some(), "{curriculum}: {key} missing from {first}");
            }
            let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
            assert!(metrics.lines().all(|l| l.contains("\"replay_share\"")), "{metrics}");
        }
    }
    let (plr, robust, dr) = (root.join("plr"), root.join("robust-plr"), root.join("dr"));
    let png = root.join("buffer.png");
    let (p, r, d, o) = (plr.to_str().unwrap(), robust.to_str().unwrap(), dr.to_str().unwrap(), png.to_str().unwrap());
    let out = ludica(&["plot", p, r, "--buffer", "path_length", "--out", o]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    one_line_error(
        &ludica(&["plot", p, "--buffer", "width", "--out", o]),
        "'width' is unknown: maze levels have path_length",
    );
    one_line_error(&ludica(&["plot", d, "--buffer", "path_length", "--out", o]), "has no levels.jsonl");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_input_is_one_line_and_leaves_no_run_directory() {
    let root = scratch("bad");
    let run = root.join("run");
    let r = run.to_str().unwrap();

    if !Path::new("/dev/nvidia0").exists() {
        one_line_error(&train_tiny(&run, &["--device", "cuda"]), "no CUDA GPU");
        assert!(!run.exists());
    }
    one_line_error(&train_tiny(&run, &["--device", "tpu"]), "'tpu'");
    one_line_error(&train_tiny(&run, &["--num-minibatches", "3"]), "num_minibatches = 3");
    one_line_error(&train_tiny(&run, &["--gamma", "1.5"]), "gamma = 1.5");
    one_line_error(&train_tiny(&run, &["--game", "tetris"]), "tetris");
    one_line_error(&train_tiny(&run, &["--difficulty", "brutal"]), "brutal");
    let config = root.join("c.toml");
    std::fs::write(&config, "num_env = 8\n").unwrap();
    one_line_error(&train_tiny(&run, &["--config", config.to_str().unwrap()]), "num_env");
    let array = root.join("c.json");
    std::fs::write(&array, "[]").unwrap();
    one_line_error(&train_tiny(&run, &["--config", array.to_str().unwrap()]), "it holds an array");
    std::fs::remove_file(&array).unwrap();
    for (flag, value, named) in [
        ("--hidden", "1000000000", "hidden = 1000000000 is out of range: must be from 1 to 8192"),
        ("--torch-threads", "100000", "torch_threads = 100000"),
        ("--update-epochs", "1000000", "update_epochs = 1000000"),
        ("--num-envs", "5000", "num_envs = 5000"),
        ("--seed", "9223372036854775808", "seed = 9223372036854775808"),
    ] {
        one_line_error(&train_tiny(&run, &[flag, value]), named);
    }
    one_line_error(
        &train_tiny(&run, &["--curriculum", "accel"]),
        "curriculum 'accel' is unknown: use dr, plr or robust-plr",
    );
    for (flag, value, named) in [
        ("--plr-temperature", "0", "plr_temperature = 0 is out of range"),
        ("--plr-replay-prob", "1.5", "plr_replay_prob = 1.5 is out of range: must be in [0, 1]"),
        ("--plr-staleness", "1.5", "plr_staleness = 1.5"),
        ("--plr-buffer-size", "11", "plr_buffer_size = 11 is out of range: the buffer cannot hold more than the 10"),
        ("--plr-score", "l1", "'l1' is unknown: use positive-value-loss or abs-gae"),
    ] {
        one_line_error(&train_tiny(&run, &["--curriculum", "plr", flag, value]), named);
    }
    assert!(!run.exists(), "no refused run left a directory");
    let leftovers = std::fs::read_dir(&root).unwrap().filter(|e| e.as_ref().unwrap().file_name() != "c.toml").count();
    assert_eq!(leftovers, 0, "nor a staging directory");

    one_line_error(&ludica(&["train", "--resume", r]), "does not exist");
    one_line_error(&ludica(&["eval", "--run", r]), "does not exist");
    for (flag, value) in [("--episodes", "0"), ("--episodes", "1000001"), ("--num-envs", "4097")] {
        one_line_error(&ludica(&["eval", "--run", r, flag, value]), &format!("'{value}'"));
    }
    one_line_error(&ludica(&["eval", "--run", r, "--render", "101", "--out", "x.png"]), "1..=100");
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn broken_run_directories_are_refused_in_one_line() {
    let root = scratch("broken");
    let run = root.join("run");
    let r = run.to_str().unwrap();
    // A real run, then broken copies of it.
    assert!(train_tiny(&run, &["--steps", "64"]).status.success());
    one_line_error(&train_tiny(&run, &["--steps", "64"]), "already exists");
    let ckpt_text = std::fs::read_to_string(run.join("checkpoint.json")).unwrap();
    let ckpt: serde_json::Value = serde_json::from_str(&ckpt_text).unwrap();
    let model = run.join(ckpt["model_file"].as_str().unwrap());

    std::fs::write(run.join("checkpoint.json"), &ckpt_text[..ckpt_text.len() / 2]).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "corrupt");
    one_line_error(&ludica(&["train", "--resume", r]), "corrupt");
    std::fs::write(run.join("checkpoint.json"), &ckpt_text).unwrap();

    let weights = std::fs::read(&model).unwrap();
    std::fs::write(&model, &weights[..weights.len() / 3]).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "does not match its SHA-256");
    std::fs::remove_file(&model).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "missing");

    // Weights of another observation kind under this run's name: an rgb network.
    let rgb = root.join("rgb");
    assert!(train_tiny(&rgb, &["--steps", "64", "--obs", "rgb"]).status.success());
    let rgb_ckpt: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rgb.join("checkpoint.json")).unwrap()).unwrap();
    std::fs::copy(rgb.join(rgb_ckpt["model_file"].as_str().unwrap()), &model).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "does not match its SHA-256");
    // With its checksum made to match, the shapes are what refuse it.
    let mut rehashed = ckpt.clone();
    rehashed["model_sha256"] = rgb_ckpt["model_sha256"].clone();
    std::fs::write(run.join("checkpoint.json"), serde_json::to_string(&rehashed).unwrap()).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "another network");

    // A sidecar whose observation shape this build's game does not have.
    let mut reshaped = ckpt.clone();
    reshaped["obs_shape"] = serde_json::json!([999]);
    std::fs::write(run.join("checkpoint.json"), serde_json::to_string(&reshaped).unwrap()).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "shape [999]");
    let mut other_game = ckpt.clone();
    other_game["game"] = serde_json::json!("tetris");
    std::fs::write(run.join("checkpoint.json"), serde_json::to_string(&other_game).unwrap()).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "tetris");
    // A config no run could have written: checked as a new run's, before anything is built.
    let mut wide = ckpt.clone();
    wide["config"]["hidden"] = serde_json::json!(1_000_000_000u64);
    std::fs::write(run.join("checkpoint.json"), serde_json::to_string(&wide).unwrap()).unwrap();
    one_line_error(&ludica(&["eval", "--run", r]), "hidden = 1000000000");
    one_line_error(&ludica(&["train", "--resume", r]), "hidden = 1000000000");
    std::fs::write(run.join("checkpoint.json"), &ckpt_text).unwrap();

    // Held-out levels of another game, and test seeds inside the training range.
    std::fs::write(&model, &weights).unwrap();
    let levels = root.join("levels.jsonl");
    let level = ludica_envs::games::find("maze").unwrap().level(3, Default::default());
    std::fs::write(&levels, level.to_json().replace("\"maze\"", "\"coinrun\"")).unwrap();
    one_line_error(&ludica(&["eval", "--run", r, "--levels", levels.to_str().unwrap()]), "coinrun");
    one_line_error(&ludica(&["eval", "--run", r, "--test-start-level", "5"]), "overlap");
    one_line_error(&ludica(&["plot", root.to_str().unwrap(), "--out", "x.png"]), "metrics.jsonl");
    std::fs::remove_dir_all(&root).unwrap();
}

/// The frames of a GIF, as RGBA pictures of its size, and that size.
fn gif_frames(path: &Path) -> ((u16, u16), Vec<Vec<u8>>) {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(std::fs::File::open(path).unwrap()).unwrap();
    let size = (decoder.width(), decoder.height());
    let mut frames = Vec::new();
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!((frame.width, frame.height), size, "every frame fills the picture");
        frames.push(frame.buffer.to_vec());
    }
    (size, frames)
}

/// The (level seed, steps) of each episode `ludica record` lists on stderr.
fn recorded_episodes(stderr: &str) -> Vec<(u64, usize)> {
    stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("episode "))
        .map(|l| {
            let seed = l.split("level seed ").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
            let steps =
                l.split(", ").find(|p| p.ends_with(" steps")).unwrap().trim_end_matches(" steps").parse().unwrap();
            (seed, steps)
        })
        .collect()
}

#[test]
fn record_writes_a_video_of_the_agent_and_play_records_a_person() {
    let root = scratch("record");
    let run = root.join("run");
    assert!(train_tiny(&run, &["--steps", "128"]).status.success());
    let r = run.to_str().unwrap();
    let record = |out: &Path, extra: &[&str]| {
        let mut args = vec!["record", "--run", r, "--out", out.to_str().unwrap(), "--device", "cpu", "--scale", "2"];
        args.extend_from_slice(extra);
        ludica(&args)
    };

    let a = root.join("a.gif");
    let out = record(&a, &["--episodes", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("wrote 2 held-out episodes"), "{stderr}");
    let episodes = recorded_episodes(&stderr);
    assert_eq!(episodes.len(), 2, "{stderr}");
    assert!(episodes.iter().all(|&(seed, _)| seed >= 1_000_000_000), "held-out seeds: {episodes:?}");
    let (size, frames) = gif_frames(&a);
    assert_eq!(size, (128, 128 + 22), "64 x 64 frames scaled 2x over a caption strip");
    let steps: usize = episodes.iter().map(|&(_, steps)| steps + 1).sum();
    assert_eq!(frames.len(), steps, "every step of both episodes and their first frames");
    assert!(frames.windows(2).any(|w| w[0] != w[1]), "the agent moves or the caption counts");
    // The same seed records the same bytes.
    let b = root.join("b.gif");
    assert!(record(&b, &["--episodes", "2"]).status.success());
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Training levels: seeds of the run's 10 levels.
    let out = record(&b, &["--episodes", "3", "--levels", "train", "--greedy"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success() && stderr.contains("wrote 3 training episodes"), "{stderr}");
    assert!(recorded_episodes(&stderr).iter().all(|&(seed, _)| seed < 10), "{stderr}");

    // Bad paths and formats: one line, status 2, nothing written.
    let bad = |out: Output, word: &str| {
        one_line_error(&out, word);
        assert_eq!(out.status.code(), Some(2), "{word}");
    };
    bad(record(&root.join("v.avi"), &[]), "'.avi' is not a video format");
    bad(record(&root.join("video"), &[]), "without an extension");
    bad(record(&root.join("missing/v.gif"), &[]), "missing/v.gif");
    std::fs::create_dir(root.join("dir.gif")).unwrap();
    bad(record(&root.join("dir.gif"), &[]), "it is a folder");
    bad(ludica(&["record", "--run", r, "--out", a.to_str().unwrap(), "--scale", "9"]), "'9'");
    bad(record(&a, &["--levels", "sideways"]), "sideways");
    bad(record(&a, &["--test-start-level", "3"]), "overlap");
    let no_ffmpeg = Command::new(env!("CARGO_BIN_EXE_ludica"))
        .args(["record", "--run", r, "--out", root.join("v.mp4").to_str().unwrap()])
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    bad(no_ffmpeg, "MP4 needs ffmpeg, which is not on PATH");
    let left: Vec<String> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(left.iter().all(|n| ["run", "a.gif", "b.gif", "dir.gif"].contains(&n.as_str())), "{left:?}");

    // A person's episode: the first frame and one per key played.
    let played = root.join("played.gif");
    let p = played.to_str().unwrap();
    let out = ludica(&["play", "--game", "maze", "--seed", "3", "--keys", "RRDDLU", "--record", p]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("recorded 7 frames"), "{stderr}");
    let (size, frames) = gif_frames(&played);
    assert_eq!((size, frames.len()), ((256, 256 + 22), 7));
    bad(ludica(&["play", "--keys", "R", "--record", root.join("p.webm").to_str().unwrap()]), "'.webm'");
    std::fs::remove_dir_all(&root).unwrap();
}
