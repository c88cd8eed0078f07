//! The `ludica` binary against a hostile user: output targets that are devices, FIFOs,
//! symlinks, folders or planted temporary names; signals and a full disk in the middle of a
//! write; two trainers on one run directory; damaged checkpoints; out-of-range seeds; and a
//! seeded mutation fuzzer over level files (in process, and through the binary so that an
//! abort would show).

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use ludica_envs::games::GAMES;
use ludica_procgen::{Difficulty, Level};
use rand::{Rng, RngExt, SeedableRng};
use serde_json::{Value, json};

mod common;
use common::{TINY, ludica, scratch};

fn arg(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The one `error:` line of a failed command.
fn one_error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!out.status.success(), "the command should fail; stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected, got: {err}");
    assert!(err.starts_with("error: ") && !err.contains("panicked"), "{err}");
    err
}

const TWO_LEVELS: &[&str] = &["levels", "--seeds", "0..2", "--format", "json", "--out"];

fn levels_to(out: &Path) -> Output {
    let mut args = TWO_LEVELS.to_vec();
    args.push(arg(out));
    ludica(&args)
}

#[test]
fn devices_are_written_through_and_stay_devices() {
    let out = levels_to(Path::new("/dev/null"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device());
    let piped = levels_to(Path::new("/dev/stdout"));
    assert!(piped.status.success(), "{}", String::from_utf8_lossy(&piped.stderr));
    assert_eq!(String::from_utf8_lossy(&piped.stdout).lines().count(), 2, "/dev/stdout, a pipe here, gets the levels");
    let full = levels_to(Path::new("/dev/full"));
    assert!(one_error_line(&full).contains("No space left on device"));
    assert!(std::fs::metadata("/dev/full").unwrap().file_type().is_char_device());

    // A device node of one's own (needs CAP_MKNOD, as root in a container has).
    let dir = scratch("mknod");
    let node = dir.join("null");
    let made = Command::new("mknod").args(["-m", "666", arg(&node), "c", "1", "3"]).status();
    if made.is_ok_and(|s| s.success()) {
        assert!(levels_to(&node).status.success());
        assert!(std::fs::metadata(&node).unwrap().file_type().is_char_device(), "the node stays a device");
        assert_eq!(entries(&dir), ["null"]);
    } else {
        eprintln!("mknod is not permitted here: checked /dev/null and /dev/full only");
    }
}

#[test]
fn a_fifo_is_written_through_to_its_reader() {
    let dir = scratch("fifo");
    let fifo = dir.join("pipe");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let path = fifo.clone();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::fs::File::open(path).unwrap().read_to_string(&mut text).unwrap();
        text
    });
    let out = levels_to(&fifo);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = reader.join().unwrap();
    assert_eq!(text.lines().count(), 2, "the reader gets both levels: {text}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(entries(&dir), ["pipe"]);
}

#[test]
fn a_symlink_is_followed_and_a_folder_refused() {
    let dir = scratch("symlink");
    std::fs::create_dir(dir.join("real")).unwrap();
    std::fs::write(dir.join("real/levels.json"), "old").unwrap();
    symlink("real/levels.json", dir.join("link.json")).unwrap();
    assert!(levels_to(&dir.join("link.json")).status.success());
    assert!(std::fs::symlink_metadata(dir.join("link.json")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(dir.join("real/levels.json")).unwrap().lines().count(), 2);
    assert_eq!(entries(&dir.join("real")), ["levels.json"], "the temporary file was in the link target's folder");

    let err = one_error_line(&levels_to(&dir.join("real")));
    assert!(err.contains("it is a folder"), "{err}");
    assert_eq!(err.matches(arg(&dir.join("real"))).count(), 1, "the path is named once: {err}");
}

#[test]
fn a_planted_link_at_the_old_temporary_name_is_not_followed() {
    let dir = scratch("planted");
    std::fs::write(dir.join("victim"), "precious").unwrap();
    // The shell plants a link at the name the old writer used (`.x.json.<pid>.tmp`), then
    // becomes ludica with the same pid.
    let script = format!(
        "ln -s \"$PWD/victim\" .x.json.$$.tmp; exec '{}' levels --seeds 0..1 --format json --out x.json",
        env!("CARGO_BIN_EXE_ludica")
    );
    let status = Command::new("sh").arg("-c").arg(script).current_dir(&dir).status().unwrap();
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(dir.join("victim")).unwrap(), "precious");
    assert!(std::fs::symlink_metadata(dir.join("x.json")).unwrap().file_type().is_file());
    assert_eq!(std::fs::read_to_string(dir.join("x.json")).unwrap().lines().count(), 1);
}

#[test]
fn a_replaced_file_keeps_its_mode_and_a_255_byte_name_works() {
    let dir = scratch("mode");
    let file = dir.join("levels.json");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(levels_to(&file).status.success());
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o640);
    let long = dir.join("l".repeat(255));
    assert!(levels_to(&long).status.success());
    assert_eq!(std::fs::read_to_string(&long).unwrap().lines().count(), 2);
}

/// Starts `ludica levels` writing a million levels into `out`, and waits until its temporary
/// file has appeared.
fn start_big_write(dir: &Path, out: &Path) -> Child {
    let child = Command::new(env!("CARGO_BIN_EXE_ludica"))
        .args(["levels", "--seeds", "0..1000000", "--format", "json", "--out", arg(out)])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !entries(dir).iter().any(|n| n.ends_with(".tmp")) {
        assert!(started.elapsed() < Duration::from_secs(60), "no temporary file appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    child
}

#[test]
fn a_signal_during_a_write_leaves_the_old_file_and_no_temporary_file() {
    for (signal, number) in [("TERM", 15), ("INT", 2)] {
        let dir = scratch(&format!("signal-{signal}"));
        let out = dir.join("big.jsonl");
        std::fs::write(&out, "old").unwrap();
        let child = start_big_write(&dir, &out);
        assert!(Command::new("kill").args(["-s", signal, &child.id().to_string()]).status().unwrap().success());
        let done = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(128 + number), "SIG{signal}: {:?} {err}", done.status);
        assert!(err.contains(&format!("stopped by signal {number}")), "{err}");
        assert_eq!(entries(&dir), ["big.jsonl"], "SIG{signal} left a temporary file");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
    }
}

/// Runs the binary with a file-size limit of 1 KiB and SIGXFSZ ignored, so that writes past
/// it fail with EFBIG: a full disk that needs no mount.
fn under_a_1_kib_file_limit(args: &[&str]) -> Output {
    Command::new("bash")
        .args(["-c", "ulimit -f 1; trap '' XFSZ; exec \"$@\"", "bash", env!("CARGO_BIN_EXE_ludica")])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn a_full_disk_is_one_line_and_leaves_no_file() {
    let dir = scratch("full");
    let run = dir.join("run");
    let mut args = vec!["train", "--steps", "64", "--out", arg(&run)];
    args.extend_from_slice(TINY);
    let out = under_a_1_kib_file_limit(&args);
    let err = one_error_line(&out);
    assert!(err.contains("File too large") && err.contains(".safetensors"), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "the OS error is said once: {err}");
    assert!(entries(&dir).is_empty(), "no run directory, staging folder or temporary file: {:?}", entries(&dir));

    let levels = dir.join("levels.json");
    let out = under_a_1_kib_file_limit(&["levels", "--seeds", "0..50", "--format", "json", "--out", arg(&levels)]);
    assert!(one_error_line(&out).contains("File too large"));
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
}

#[test]
fn a_second_trainer_on_a_run_directory_is_refused_naming_the_first() {
    let dir = scratch("two-trainers");
    let run = dir.join("run");
    let mut args = vec!["train", "--out", arg(&run), "--steps", "640000", "--checkpoint-every", "1"];
    args.extend_from_slice(TINY);
    let mut first = Command::new(env!("CARGO_BIN_EXE_ludica")).args(&args).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while !run.join("checkpoint.json").exists() {
        assert!(started.elapsed() < Duration::from_secs(120), "the first trainer never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = ludica(&["train", "--resume", arg(&run), "--quiet"]);
    let err = one_error_line(&second);
    assert!(err.contains("in use") && err.contains(&format!("pid {}", first.id())), "{err}");
    // Meanwhile eval reads whole checkpoints of the run in training.
    for _ in 0..3 {
        let eval = ludica(&["eval", "--run", arg(&run), "--episodes", "2", "--num-envs", "2", "--no-baseline"]);
        assert!(eval.status.success(), "{}", String::from_utf8_lossy(&eval.stderr));
    }
    assert!(Command::new("kill").args(["-s", "INT", &first.id().to_string()]).status().unwrap().success());
    assert_eq!(first.wait().unwrap().code(), Some(130));
}

#[test]
fn damaged_checkpoints_are_refused_by_the_cli_in_one_line() {
    let dir = scratch("damaged");
    let run = dir.join("run");
    let mut args = vec!["train", "--out", arg(&run), "--steps", "128"];
    args.extend_from_slice(TINY);
    assert!(ludica(&args).status.success());
    let sidecar: Value = serde_json::from_slice(&std::fs::read(run.join("checkpoint.json")).unwrap()).unwrap();
    let model = run.join(sidecar["model_file"].as_str().unwrap());
    let mut bytes = std::fs::read(&model).unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    std::fs::write(&model, bytes).unwrap();
    for args in [vec!["eval", "--run", arg(&run), "--episodes", "1"], vec!["train", "--resume", arg(&run)]] {
        let err = one_error_line(&ludica(&args));
        assert!(err.contains("does not match its SHA-256") && err.contains(arg(&model)), "{err}");
    }
    // An OS error is said once, not once by the message and again by its source.
    for args in [
        vec!["eval", "--run", arg(&run), "--levels", "/nonexistent/levels.jsonl"],
        vec!["levels", "--load", "/nonexistent/levels.jsonl"],
    ] {
        let err = one_error_line(&ludica(&args));
        assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    }
}

#[test]
fn seeds_from_2_to_the_63_are_refused_everywhere_on_the_command_line() {
    for args in [
        vec!["levels", "--seed", "18446744073709551615"],
        vec!["levels", "--seed", "9223372036854775808"],
        vec!["levels", "--seeds", "9223372036854775807..9223372036854775809"],
    ] {
        let out = ludica(&args);
        assert_eq!(out.status.code(), Some(2));
        let err = one_error_line(&out);
        assert!(err.contains("2^63"), "{err}");
    }
    let dir = scratch("seed-file");
    let mut level: Value = serde_json::from_str(&GAMES[0].level(1, Difficulty::MIN).to_json()).unwrap();
    level["seed"] = json!(u64::MAX);
    std::fs::write(dir.join("l.jsonl"), level.to_string()).unwrap();
    let err = one_error_line(&ludica(&["levels", "--load", arg(&dir.join("l.jsonl"))]));
    assert!(err.contains("line 1") && err.contains("below 2^63"), "{err}");
}

/// One random change to a level's JSON value: a field set to an odd value, an element
/// dropped or doubled, a row character changed.
fn mutate_level(level: &mut Value, rng: &mut impl Rng) {
    let odd = [
        json!(-1),
        json!(0),
        json!(1u64 << 63),
        json!(u64::MAX),
        json!(1e308),
        json!(0.5),
        json!(""),
        json!("?"),
        json!(null),
        json!([]),
        json!({}),
        json!("x".repeat(5000)),
    ];
    let keys = ["game", "seed", "difficulty", "rows", "spawns", "meta"];
    let key = keys[rng.random_range(0..keys.len())];
    match (rng.random_range(0..4), level[key].clone()) {
        (0, _) => level[key] = odd[rng.random_range(0..odd.len())].clone(),
        (1, Value::Array(mut items)) if !items.is_empty() => {
            let at = rng.random_range(0..items.len());
            if rng.random() {
                items.remove(at);
            } else {
                let copy = items[at].clone();
                items.insert(at, copy);
            }
            level[key] = Value::Array(items);
        }
        (2, Value::Array(items)) if key == "rows" && !items.is_empty() => {
            let at = rng.random_range(0..items.len());
            let mut row: Vec<char> = items[at].as_str().unwrap_or_default().chars().collect();
            if !row.is_empty() {
                let tiles = ['.', '#', '~', '^', '%', '=', '!', 'é', '\0'];
                let x = rng.random_range(0..row.len());
                row[x] = tiles[rng.random_range(0..tiles.len())];
            }
            level[key][at] = json!(row.into_iter().collect::<String>());
        }
        (_, Value::Array(items)) if key == "spawns" && !items.is_empty() => {
            let at = rng.random_range(0..items.len());
            let field = ["kind", "x", "y"][rng.random_range(0..3)];
            level[key][at][field] = odd[rng.random_range(0..odd.len())].clone();
        }
        _ => level.as_object_mut().unwrap().remove(key).map(drop).unwrap_or_default(),
    }
}

/// A mutated level file of one to three levels: JSON-aware changes to most lines, sometimes
/// raw byte damage.
fn mutated_file(pristine: &[String], rng: &mut impl Rng) -> Vec<u8> {
    let lines: Vec<String> = (0..rng.random_range(1..4))
        .map(|_| {
            let mut value: Value = serde_json::from_str(&pristine[rng.random_range(0..pristine.len())]).unwrap();
            for _ in 0..rng.random_range(0..3) {
                mutate_level(&mut value, rng);
            }
            value.to_string()
        })
        .collect();
    let mut bytes = lines.join("\n").into_bytes();
    if rng.random_range(0..4) == 0 {
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..3) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => bytes.truncate(at),
            _ => bytes.insert(at, 0),
        }
    }
    bytes
}

fn fuzz_cases(default: usize) -> usize {
    std::env::var("LUDICA_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn fuzzed_level_files_never_panic_nor_abort() {
    let dir = scratch("fuzz-levels");
    let pristine: Vec<String> = GAMES
        .iter()
        .flat_map(|game| [(0, Difficulty::MIN), (1, Difficulty::MAX)].map(|(seed, d)| game.level(seed, d).to_json()))
        .collect();
    // One env per game, reused: each accepted level is played a few steps.
    let mut envs: Vec<ludica_envs::VecEnv> = GAMES.iter().map(|game| one_env(game.name)).collect();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(0x1E7E15);
    let (cases, started) = (fuzz_cases(2000), Instant::now());
    let (mut played, mut refused, mut through_cli) = (0, 0, 0);
    let file = dir.join("levels.jsonl");
    for n in 0..cases {
        let bytes = mutated_file(&pristine, &mut rng);
        std::fs::write(&file, &bytes).unwrap();
        // The library's loaders, in process: parse, check, and play what they accept.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                let Ok(level) = Level::from_json(line) else { continue };
                let Some(k) = GAMES.iter().position(|g| g.name == level.game) else { continue };
                if GAMES[k].accept(&level).is_ok() {
                    play_a_little(&mut envs[k], GAMES[k].actions.len(), level);
                    played += 1;
                } else {
                    refused += 1;
                }
            }
            let _ = ludica_agents::eval::read_levels_file(&file);
        }));
        assert!(outcome.is_ok(), "level case {n} panicked: {}", String::from_utf8_lossy(&bytes));
        // Every 400th case also through the binary (a process start costs ~0.5 s): an abort
        // would kill it with a signal.
        if n % 400 == 0 {
            through_cli += 1;
            let out = ludica(&["levels", "--load", arg(&file), "--format", "json", "--out", "/dev/null"]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(matches!(out.status.code(), Some(0 | 2)), "case {n}: {:?} {err}", out.status.signal());
            assert!(!err.contains("panicked"), "case {n}: {err}");
        }
    }
    eprintln!(
        "level fuzzer: {cases} files ({through_cli} also through the binary) in {:.1} s: {played} levels played, {refused} parsed but refused",
        started.elapsed().as_secs_f64()
    );
    assert!(played > 0 && refused > 0, "the fuzzer must hit both sides: {played} played, {refused} refused");
}

fn one_env(game: &str) -> ludica_envs::VecEnv {
    ludica_envs::VecEnv::new(ludica_envs::VecEnvConfig {
        game: game.into(),
        num_envs: 1,
        num_threads: 1,
        num_shards: 0,
        obs: ludica_envs::ObsKind::Symbolic,
        levels: ludica_envs::LevelSpec::default(),
        view: ludica_envs::ViewMode::Full,
        autoreset: ludica_envs::AutoReset::SameStep,
        seed: 0,
    })
    .unwrap()
}

fn play_a_little(env: &mut ludica_envs::VecEnv, actions: usize, level: Level) {
    env.reset_env_to_level(0, level).unwrap();
    for k in 0..20 {
        env.step(&[(k % actions) as u8]).unwrap();
    }
}
