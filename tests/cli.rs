//! Integration tests of the `ludica` binary: bad input ends with one line and exit code 2,
//! files are written whole or not at all, output is deterministic, and play reaches goals.

use std::path::Path;
use std::process::{Command, Output};

use ludica_procgen::search::{UNREACHED, grid_distances};
use ludica_procgen::{Difficulty, Level, SpawnKind, maze};

mod common;
use common::{ludica, scratch};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout.clone()).expect("text output is UTF-8")
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

fn path_arg(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Runs `args`, expecting exit code 2, nothing on stdout and one `error:` line on stderr
/// that contains every one of `needles`.
fn assert_bad_input(args: &[&str], needles: &[&str]) {
    let out = ludica(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?} gave {:?}: {err}", out.status);
    assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line expected, got: {err}");
    assert!(err.starts_with("error: "), "{args:?}: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{args:?}: '{needle}' missing from: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_exits_2_with_one_line_naming_the_value_and_what_is_allowed() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["levels", "--game", "zelda"], &["'zelda'", "maze"]),
        (&["bench", "--game", "zelda"], &["'zelda'", "maze", "all"]),
        (&["play", "--game", "zelda", "--keys", "R"], &["'zelda'", "maze"]),
        (&["levels", "--seeds", "9..3"], &["'9..3'", "A..B"]),
        (&["levels", "--seeds", "4..4"], &["'4..4'", "empty"]),
        (&["levels", "--seeds", "0..x"], &["'0..x'", "A..B"]),
        (&["levels", "--seeds", "0..2000000"], &["'0..2000000'", "at most"]),
        (&["levels", "--seed", "-1"], &["'-1'", "whole number"]),
        (&["levels", "--difficulty", "1.5"], &["'1.5'", "easy", "[0, 1]"]),
        (&["levels", "--difficulty", "-0.1"], &["'-0.1'", "[0, 1]"]),
        (&["play", "--difficulty", "brutal", "--keys", "R"], &["'brutal'", "hard"]),
        (&["levels", "--format", "gif"], &["'gif'", "ascii", "json", "png"]),
        (&["levels", "--format", "png", "--scale", "0", "--out", "x.png"], &["'0'", "1..=32"]),
        (&["levels", "--format", "png", "--seeds", "0..65", "--out", "x.png"], &["65", "at most 64"]),
        (&["levels", "--seed", "1", "--seeds", "0..3"], &["--seed", "--seeds"]),
        (&["levels", "--load", "/no/such/levels.jsonl"], &["'/no/such/levels.jsonl'"]),
        (&["bench", "--obs", "depth"], &["'depth'", "rgb", "symbolic"]),
        (&["bench", "--view", "partial"], &["'partial'", "full", "local"]),
        (&["train", "--view", "partial"], &["'partial'", "full", "local"]),
        (&["eval", "--run", "x", "--view", "partial"], &["'partial'", "full", "local"]),
        (&["play", "--view", "partial", "--keys", "R"], &["'partial'", "full", "local"]),
        (&["levels", "--view", "partial"], &["'partial'", "full", "local"]),
        (&["levels", "--view", "local"], &["--view local", "--format png"]),
        (&["bench", "--num-envs", "0"], &["'0'", "--num-envs"]),
        (&["bench", "--steps", "0"], &["'0'", "--steps"]),
        (&["play", "--keys", "RRX"], &["'X'", "L R U D"]),
        (&["play"], &["terminal", "--keys"]),
        (&["dance"], &["'dance'"]),
        (&["calibrate", "--game", "zelda"], &["'zelda'", "maze"]),
        (&["calibrate", "--game", "maze", "--difficulty", "brutal"], &["'brutal'", "easy", "[0, 1]"]),
        (&["calibrate", "--game", "maze", "--episodes", "5"], &["'5'", "from 10 to 100000"]),
        (&["calibrate", "--game", "maze", "--episodes", "many"], &["'many'", "from 10 to 100000"]),
        (&["calibrate", "--all", "--game", "maze"], &["--all", "--game"]),
        (&["calibrate"], &["--game"]),
        (&["calibrate", "--game", "maze", "--cards", "docs/games"], &["--table"]),
    ];
    for (args, needles) in cases {
        assert_bad_input(args, needles);
    }
}

#[test]
fn an_unwritable_out_path_leaves_no_file_and_no_temp_file() {
    let dir = scratch("unwritable");
    let missing = dir.join("missing").join("levels.png");
    assert_bad_input(&["levels", "--format", "png", "--out", path_arg(&missing)], &[path_arg(&missing)]);
    let folder = dir.join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    assert_bad_input(&["levels", "--format", "json", "--out", path_arg(&folder)], &[path_arg(&folder)]);
    assert!(!missing.exists());
    assert_eq!(entries(&dir), ["a-folder"], "no temp file is left behind");
    assert!(entries(&folder).is_empty());
}

#[test]
fn a_failed_run_keeps_the_old_file_whole() {
    let dir = scratch("keep-old");
    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{not json}\n").unwrap();
    let out = dir.join("out.json");
    std::fs::write(&out, "old contents").unwrap();
    assert_bad_input(&["levels", "--load", path_arg(&bad), "--format", "json", "--out", path_arg(&out)], &["line 1"]);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old contents");
    assert_eq!(entries(&dir), ["bad.jsonl", "out.json"]);
}

#[test]
fn the_same_seed_gives_the_same_json_and_png_bytes() {
    let dir = scratch("same-seed");
    let json = |seed: &str| stdout(&ludica(&["levels", "--seed", seed, "--difficulty", "0.6", "--format", "json"]));
    assert_eq!(json("11"), json("11"));
    assert_ne!(json("11"), json("12"));
    let png = |name: &str, seeds: &str| {
        let path = dir.join(name);
        stdout(&ludica(&["levels", "--seeds", seeds, "--format", "png", "--out", path_arg(&path)]));
        std::fs::read(path).unwrap()
    };
    assert_eq!(png("a.png", "0..6"), png("b.png", "0..6"));
    assert_ne!(png("a.png", "0..6"), png("c.png", "1..7"));
}

#[test]
fn seeds_0_to_200_give_200_json_levels_in_seed_order() {
    let text = stdout(&ludica(&["levels", "--seeds", "0..200", "--format", "json"]));
    let seeds: Vec<u64> = text.lines().map(|l| Level::from_json(l).expect("every line is a level").seed).collect();
    assert_eq!(seeds, (0..200).collect::<Vec<_>>());
}

#[test]
fn json_round_trips_through_load() {
    let dir = scratch("round-trip");
    let file = dir.join("levels.jsonl");
    stdout(&ludica(&[
        "levels",
        "--seeds",
        "40..60",
        "--difficulty",
        "hard",
        "--format",
        "json",
        "--out",
        path_arg(&file),
    ]));
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written.lines().count(), 20);
    let loaded = ludica(&["levels", "--load", path_arg(&file), "--format", "json"]);
    assert_eq!(stdout(&loaded), written);
    let ascii_loaded = stdout(&ludica(&["levels", "--load", path_arg(&file)]));
    let ascii_generated = stdout(&ludica(&["levels", "--seeds", "40..60", "--difficulty", "hard"]));
    assert_eq!(ascii_loaded, ascii_generated);
}

#[test]
fn a_bad_level_file_line_is_named_by_its_number() {
    let dir = scratch("bad-file");
    let good = maze::generate(5, Difficulty::EASY);
    let mut walled = good.clone();
    let goal = walled.first(SpawnKind::Goal).unwrap().tile();
    walled.set(goal.0, goal.1, ludica_procgen::Tile::Wall);
    let mut other_game = good.clone();
    other_game.game = "zelda".into();
    let cases = [
        (walled.to_json(), vec!["line 3", "not playable", "wall"]),
        (other_game.to_json(), vec!["line 3", "'zelda'", "maze"]),
        (good.to_json().replace("\"rows\":[\"", "\"rows\":[\"x"), vec!["line 3"]),
    ];
    for (n, (bad_line, needles)) in cases.iter().enumerate() {
        let file = dir.join(format!("levels-{n}.jsonl"));
        std::fs::write(&file, format!("{}\n\n{bad_line}\n", good.to_json())).unwrap();
        let mut needles: Vec<&str> = needles.clone();
        needles.push(path_arg(&file));
        assert_bad_input(&["levels", "--load", path_arg(&file), "--format", "ascii"], &needles);
        assert_bad_input(&["play", "--level", path_arg(&file), "--keys", "R"], &needles);
    }
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], PNG_SIGNATURE);
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn png_pictures_have_the_signature_and_the_expected_size() {
    let dir = scratch("png");
    let one = dir.join("one.png");
    stdout(&ludica(&["levels", "--seed", "7", "--format", "png", "--scale", "6", "--out", path_arg(&one)]));
    let level = maze::generate(7, Difficulty::EASY);
    assert_eq!(png_size(&std::fs::read(&one).unwrap()), (level.width as u32 * 6, level.height as u32 * 6));

    let grid = dir.join("grid.png");
    let args = ["levels", "--seeds", "0..5", "--format", "png", "--scale", "4", "--columns", "2", "--out"];
    stdout(&ludica(&[&args[..], &[path_arg(&grid)]].concat()));
    let levels: Vec<Level> = (0..5).map(|s| maze::generate(s, Difficulty::EASY)).collect();
    let cell_w = levels.iter().map(|l| l.width).max().unwrap() as u32 * 4;
    let cell_h = levels.iter().map(|l| l.height).max().unwrap() as u32 * 4;
    assert_eq!(png_size(&std::fs::read(&grid).unwrap()), (2 * cell_w + 3 * 4, 3 * cell_h + 4 * 4));

    let piped = ludica(&["levels", "--seed", "7", "--format", "png", "--scale", "6"]);
    assert!(piped.status.success());
    assert_eq!(piped.stdout, std::fs::read(&one).unwrap(), "PNG to a pipe is the same picture");
}

#[test]
fn bench_prints_a_positive_rate_for_a_tiny_run() {
    let text = stdout(&ludica(&["bench", "--num-envs", "4", "--steps", "64", "--obs", "symbolic", "--repeats", "3"]));
    assert_eq!(text.lines().count(), 4, "three runs and the median: {text}");
    let median = text.lines().last().unwrap();
    let rate: u64 = median
        .split_whitespace()
        .nth(2)
        .and_then(|n| n.replace(',', "").parse().ok())
        .unwrap_or_else(|| panic!("no rate in: {median}"));
    assert!(median.starts_with("maze median:") && rate > 0, "{median}");

    let json = stdout(&ludica(&["bench", "--game", "all", "--num-envs", "3", "--steps", "10", "--json"]));
    for line in json.lines() {
        let record: serde_json::Value = serde_json::from_str(line).expect("one JSON record per line");
        assert_eq!(record["steps"], 12, "10 steps round up to whole batches of 3");
        assert_eq!(record["num_envs"], 3);
        assert!(record["steps_per_sec"].as_f64().unwrap() > 0.0, "{record}");
    }
    assert_eq!(json.lines().count(), ludica::games::GAMES.len());
}

/// The arrow-key script of a shortest path from the agent to the goal.
fn shortest_path_keys(level: &Level) -> String {
    let open = |l: &Level, x: usize, y: usize| !l.tile(x as i32, y as i32).is_solid();
    let goal = level.first(SpawnKind::Goal).unwrap().tile();
    let dist = grid_distances(level, goal, open);
    let (mut x, mut y) = level.first(SpawnKind::Agent).unwrap().tile();
    assert_ne!(dist[y * level.width + x], UNREACHED);
    let mut keys = String::new();
    while (x, y) != goal {
        let here = dist[y * level.width + x];
        let steps = [('L', -1, 0), ('R', 1, 0), ('U', 0, -1), ('D', 0, 1)];
        let (key, nx, ny) = steps
            .iter()
            .map(|&(k, dx, dy)| (k, (x as i32 + dx) as usize, (y as i32 + dy) as usize))
            .find(|&(_, nx, ny)| {
                nx < level.width && ny < level.height && here.checked_sub(1) == Some(dist[ny * level.width + nx])
            })
            .expect("a cell on a shortest path has a neighbour one step closer");
        keys.push(key);
        (x, y) = (nx, ny);
    }
    keys
}

#[test]
fn play_keys_along_the_shortest_path_reach_the_goal() {
    let level = maze::generate(3, Difficulty::HARD);
    let keys = shortest_path_keys(&level);
    let steps = level.meta["path_length"] as usize;
    assert_eq!(keys.len(), steps);
    let text = stdout(&ludica(&["play", "--seed", "3", "--difficulty", "hard", "--keys", &keys]));
    let want = format!("outcome: success after {steps} steps, return 10");
    assert!(text.lines().last().unwrap().starts_with(&want), "{text}");
    let goal = level.first(SpawnKind::Goal).unwrap().tile();
    assert_eq!(
        text.lines().nth(goal.1).unwrap().chars().nth(goal.0),
        Some('A'),
        "the agent stands on the goal: {text}"
    );

    let short = stdout(&ludica(&["play", "--seed", "3", "--difficulty", "hard", "--keys", &keys[1..]]));
    assert!(short.contains("outcome: still playing"), "one key short of the goal: {short}");
    let extra = stdout(&ludica(&["play", "--seed", "3", "--difficulty", "hard", "--keys", &format!("{keys}LLJ")]));
    assert!(extra.contains(&want) && extra.contains("3 key(s) left"), "{extra}");
}

#[test]
fn play_a_level_file_and_ignore_keys_the_game_lacks() {
    let dir = scratch("play-file");
    let level = maze::generate(21, Difficulty::EASY);
    let file = dir.join("level.json");
    std::fs::write(&file, level.to_json()).unwrap();
    let keys = shortest_path_keys(&level);
    let text = stdout(&ludica(&["play", "--level", path_arg(&file), "--keys", &format!("J{keys}")]));
    assert!(text.contains("outcome: success") && text.contains("1 key(s) ignored"), "{text}");
    assert!(text.starts_with(&level.to_ascii().lines().next().unwrap().to_string()));
}

#[test]
fn games_lists_every_game_with_its_shapes() {
    let table = stdout(&ludica(&["games"]));
    let json: serde_json::Value = serde_json::from_str(&stdout(&ludica(&["games", "--json"]))).unwrap();
    for game in ludica::games::GAMES {
        let row = table.lines().find(|l| l.split_whitespace().next() == Some(game.name)).expect("listed");
        assert!(row.contains("[64, 64, 3]") && row.contains(&game.actions.join(", ")), "{row}");
        let record = json.as_array().unwrap().iter().find(|g| g["name"] == game.name).expect("in the JSON");
        assert_eq!(record["num_actions"], game.actions.len());
        assert_eq!(record["symbolic_shape"], serde_json::json!(game.obs_shape(ludica::ObsKind::Symbolic)));
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ludica"))
        .args(["levels", "--seeds", "0..1000000", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the ludica binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(Level::from_json(first.trim_end()).is_ok());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_local_view_is_taken_by_bench_play_and_levels() {
    let bench = ["bench", "--num-envs", "4", "--steps", "64", "--repeats", "1", "--json", "--view", "local"];
    let record: serde_json::Value = serde_json::from_str(stdout(&ludica(&bench)).trim()).unwrap();
    assert_eq!(record["view"], "local");
    assert!(record["steps_per_sec"].as_f64().is_some_and(|r| r > 0.0), "{record}");
    let frame = |view: &str| stdout(&ludica(&["play", "--view", view, "--look", "text", "--keys", "R"]));
    let (local, full) = (frame("local"), frame("full"));
    assert_ne!(local, full);
    assert!(local.contains("  "), "cells beyond the window print blank:\n{local}");
    let dir = scratch("local-png");
    let png = dir.join("local.png");
    let args = ["levels", "--format", "png", "--view", "local", "--seeds", "0..2", "--scale", "16", "--columns", "2"];
    let out = ludica(&[&args[..], &["--out", path_arg(&png)]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(png_size(&std::fs::read(&png).unwrap()), (2 * 128 + 3 * 16, 128 + 2 * 16));
}

#[test]
fn calibrate_measures_a_random_policy_repeatably_and_writes_table_and_card() {
    let args = ["calibrate", "--game", "maze", "--difficulty", "0", "--episodes", "20", "--seed", "5", "--json"];
    let one = stdout(&ludica(&args));
    let two = stdout(&ludica(&[&args[..], &["--threads", "2"]].concat()));
    assert_eq!(one, two, "the thread count changes nothing");
    let row: serde_json::Value = serde_json::from_str(one.trim()).unwrap();
    assert_eq!(
        (row["game"].as_str(), row["episodes"].as_u64(), row["max_return"].as_f64()),
        (Some("maze"), Some(20), Some(10.0))
    );
    assert!((0.0..=1.0).contains(&row["random_success"].as_f64().unwrap()), "{row}");

    let dir = scratch("calibrate");
    let (table, cards) = (dir.join("table.jsonl"), dir.join("cards"));
    std::fs::create_dir(&cards).unwrap();
    std::fs::write(cards.join("maze.md"), "# maze\n## Rules\nwalk\n").unwrap();
    std::fs::write(&table, "{\"game\":\"runner\",\"difficulty\":0.25,\"episodes\":10,\"seed\":0,\"random_return\":0.0,\"random_return_ci95\":0.0,\"random_success\":0.0,\"max_return\":10.0,\"max_source\":\"solver\"}\n").unwrap();
    let text = stdout(&ludica(&[&args[..9], &["--table", path_arg(&table), "--cards", path_arg(&cards)]].concat()));
    assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("maze ") && l.contains("solver")), "{text}");
    let written = std::fs::read_to_string(&table).unwrap();
    assert_eq!(written.lines().count(), 2, "maze's row is added, runner's kept: {written}");
    assert!(written.lines().next().unwrap().contains("\"maze\"") && written.contains(one.trim()), "{written}");
    let card = std::fs::read_to_string(cards.join("maze.md")).unwrap();
    assert!(card.starts_with("# maze\n## Rules\nwalk\n\n## Calibration\n") && card.contains("| 0 | "), "{card}");
    assert!(!card.contains("runner"), "a card shows its own game's rows only");
}
