//! Experiments: a grid of training runs (games x num_levels x seeds, and difficulty, obs and
//! view when listed) sharing training options, read from a TOML spec, and the layout of an
//! experiment directory: `experiment.json` (the runs and their configs, which a rerun must
//! match), `runs/NAME/` (each a `ludica train` run directory) and `logs/NAME.log`. Whether each
//! run is finished, interrupted or not started is read from its run directory, so an
//! experiment resumes from whatever is on disk. Placing runs on devices is the CLI's.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use ludica_envs::ViewMode;

use crate::checkpoint::CHECKPOINT_FILE;
use crate::config::TrainConfig;
use crate::error::AgentError;
use crate::metrics::{SUMMARY_FILE, Summary};
use crate::output::write_file;

/// File name of an experiment's description inside its directory.
pub const EXPERIMENT_FILE: &str = "experiment.json";
/// Version of `experiment.json`.
pub const EXPERIMENT_FORMAT: u32 = 1;
/// Most runs one grid may hold.
pub const MAX_RUNS: usize = 10_000;
/// Keys the grid always sets for each run: a `[train]` section may not set them.
const GRID_KEYS: [&str; 3] = ["game", "num_levels", "seed"];

/// The spec file as written: a `[grid]` and the `[train]` options every run shares.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    grid: Grid,
    #[serde(default)]
    train: toml::Table,
}

/// The axes of the grid.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Grid {
    games: Vec<String>,
    num_levels: Vec<u64>,
    seeds: Vec<u64>,
    #[serde(default)]
    difficulty: Vec<toml::Value>,
    #[serde(default)]
    obs: Vec<toml::Value>,
    #[serde(default)]
    view: Vec<toml::Value>,
}

/// One run of the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSpec {
    /// Its name, also its directory under `runs/`: `GAME-OBS-DIFFICULTY-nNUM_LEVELS-sSEED`
    /// (`n0`: unlimited levels), like `maze-symbolic-easy-n200-s1`; `-local` follows the obs
    /// in the local view (`maze-symbolic-local-easy-n200-s1`).
    pub name: String,
    /// Its training options (the device is chosen when it is placed).
    pub config: TrainConfig,
}

/// An experiment: its runs, in grid order (game, obs, view, difficulty, num_levels, seed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Layout version ([`EXPERIMENT_FORMAT`]).
    pub format: u32,
    /// The runs.
    pub runs: Vec<RunSpec>,
}

/// Where a run stands, from its directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunState {
    /// Not started (or stopped before its first checkpoint).
    New,
    /// Started and checkpointed, not finished: resume it.
    Interrupted,
    /// Finished.
    Finished,
}

/// The checked config of one run of the grid, from its `[train]` table with the grid's keys.
fn run_config(table: &toml::Table) -> Result<TrainConfig, String> {
    let mut config = TrainConfig::from_text(&toml::to_string(table).map_err(|e| e.to_string())?, "toml")?;
    config.validate().map_err(|e| e.to_string())?;
    if config.eval_every == 0 {
        // The report needs test scores: evaluate once, after the last update.
        config.eval_every = config.num_updates();
    }
    Ok(config)
}

/// A run's name (see [`RunSpec::name`]).
fn run_name(c: &TrainConfig) -> String {
    let view = match c.view {
        ViewMode::Full => "",
        ViewMode::Local => "-local",
    };
    format!("{}-{}{view}-{}-n{}-s{}", c.game, c.obs, c.difficulty, c.num_levels, c.seed)
}

impl Experiment {
    /// Reads a spec (TOML text). Unknown keys, keys of the grid given in `[train]`, an empty
    /// axis, and any run's config that does not validate are errors naming the key or value.
    pub fn from_spec(text: &str) -> Result<Experiment, AgentError> {
        let bad = |why: String| AgentError::Config(format!("experiment spec: {why}"));
        let spec: SpecFile = toml::from_str(text).map_err(|e| bad(e.message().replace('\n', " ")))?;
        if let Some(key) = spec.train.keys().find(|k| GRID_KEYS.contains(&k.as_str()) || *k == "device") {
            return Err(bad(if key == "device" {
                "[train] sets device: runs are placed on devices by `--devices`, not by the spec".into()
            } else {
                format!("[train] sets {key}: it belongs to [grid] (games, num_levels, seeds)")
            }));
        }
        let g = &spec.grid;
        for (key, axis) in [("difficulty", &g.difficulty), ("obs", &g.obs), ("view", &g.view)] {
            if !axis.is_empty() && spec.train.contains_key(key) {
                return Err(bad(format!("{key} is set in both [grid] and [train]: keep one")));
            }
        }
        for (axis, len) in [("games", g.games.len()), ("num_levels", g.num_levels.len()), ("seeds", g.seeds.len())] {
            if len == 0 {
                return Err(bad(format!("[grid] {axis} is empty: list at least one value")));
            }
        }
        let or_default = |values: &[toml::Value]| {
            if values.is_empty() { vec![None] } else { values.iter().cloned().map(Some).collect() }
        };
        let (obs_axis, view_axis, difficulty_axis) =
            (or_default(&g.obs), or_default(&g.view), or_default(&g.difficulty));
        let count = g.games.len()
            * obs_axis.len()
            * view_axis.len()
            * difficulty_axis.len()
            * g.num_levels.len()
            * g.seeds.len();
        if count > MAX_RUNS {
            return Err(bad(format!("the grid holds {count} runs: at most {MAX_RUNS} are allowed")));
        }
        let mut runs: Vec<RunSpec> = Vec::with_capacity(count);
        for game in &g.games {
            for obs in &obs_axis {
                for view in &view_axis {
                    for difficulty in &difficulty_axis {
                        for &num_levels in &g.num_levels {
                            for &seed in &g.seeds {
                                let mut table = spec.train.clone();
                                table.insert("game".into(), game.clone().into());
                                table.insert(
                                    "num_levels".into(),
                                    toml::Value::try_from(num_levels).map_err(|e| bad(e.to_string()))?,
                                );
                                table.insert(
                                    "seed".into(),
                                    toml::Value::try_from(seed).map_err(|e| bad(e.to_string()))?,
                                );
                                for (key, value) in [("obs", obs), ("view", view), ("difficulty", difficulty)] {
                                    if let Some(value) = value {
                                        table.insert(key.into(), value.clone());
                                    }
                                }
                                let config = run_config(&table).map_err(bad)?;
                                let name = run_name(&config);
                                if runs.iter().any(|r| r.name == name) {
                                    return Err(bad(format!("run {name} appears twice: a grid axis repeats a value")));
                                }
                                runs.push(RunSpec { name, config });
                            }
                        }
                    }
                }
            }
        }
        Ok(Experiment { format: EXPERIMENT_FORMAT, runs })
    }

    /// Prepares `dir` for this experiment: creates it with `experiment.json`, or, when it
    /// already holds this experiment, keeps everything in it (a rerun resumes). A directory
    /// holding another experiment, or anything else, is refused and left untouched.
    pub fn prepare(&self, dir: &Path) -> Result<(), AgentError> {
        if self.check_dir(dir)? {
            return Ok(());
        }
        for sub in [dir.join("runs"), dir.join("logs")] {
            std::fs::create_dir_all(&sub).map_err(|e| AgentError::io("create", &sub, e))?;
        }
        Ok(write_file(&dir.join(EXPERIMENT_FILE), &serde_json::to_vec_pretty(self).expect("an experiment serializes"))?)
    }

    /// Checks, writing nothing, that `dir` may hold this experiment: true when it already
    /// does, false when it is new or empty. A directory holding another experiment, or
    /// anything else, is an error.
    pub fn check_dir(&self, dir: &Path) -> Result<bool, AgentError> {
        let file = dir.join(EXPERIMENT_FILE);
        if file.exists() {
            let text = std::fs::read(&file).map_err(|e| AgentError::io("read", &file, e))?;
            let other: Experiment = serde_json::from_slice(&text)
                .map_err(|e| AgentError::Config(format!("{} is corrupt: {e}", file.display())))?;
            if other != *self {
                return Err(AgentError::Config(format!(
                    "{} holds another experiment ({} runs, not the {} of this spec, or other options): nothing was changed; pass another --out, or this directory's own spec to resume it",
                    dir.display(),
                    other.runs.len(),
                    self.runs.len()
                )));
            }
            return Ok(true);
        }
        if dir.exists() && std::fs::read_dir(dir).map_err(|e| AgentError::io("list", dir, e))?.next().is_some() {
            return Err(AgentError::Config(format!(
                "{} is not empty and holds no {EXPERIMENT_FILE}: nothing was changed; pass a new or empty --out directory",
                dir.display()
            )));
        }
        Ok(false)
    }

    /// Reads the experiment of `dir`.
    pub fn load(dir: &Path) -> Result<Experiment, AgentError> {
        let file = dir.join(EXPERIMENT_FILE);
        let text = std::fs::read(&file).map_err(|_| {
            AgentError::Config(format!("{} has no {EXPERIMENT_FILE}: it is not an experiment directory", dir.display()))
        })?;
        let experiment: Experiment = serde_json::from_slice(&text)
            .map_err(|e| AgentError::Config(format!("{} is corrupt: {e}", file.display())))?;
        for run in &experiment.runs {
            run.config
                .validate()
                .map_err(|e| AgentError::Config(format!("{}: run {}: {e}", file.display(), run.name)))?;
        }
        Ok(experiment)
    }
}

/// The run directory of `run` in the experiment directory `dir`.
pub fn run_dir(dir: &Path, run: &RunSpec) -> PathBuf {
    dir.join("runs").join(&run.name)
}

/// The log file of `run`'s training processes.
pub fn log_file(dir: &Path, run: &RunSpec) -> PathBuf {
    dir.join("logs").join(format!("{}.log", run.name))
}

/// The config file `ludica train --config` reads for `run`.
pub fn config_file(dir: &Path, run: &RunSpec) -> PathBuf {
    dir.join("logs").join(format!("{}.config.json", run.name))
}

/// Where `run` stands, from its run directory.
pub fn run_state(dir: &Path, run: &RunSpec) -> RunState {
    let run_dir = run_dir(dir, run);
    let finished = std::fs::read(run_dir.join(SUMMARY_FILE))
        .ok()
        .and_then(|text| serde_json::from_slice::<Summary>(&text).ok())
        .is_some_and(|s| s.finished);
    if finished {
        RunState::Finished
    } else if run_dir.join(CHECKPOINT_FILE).is_file() {
        RunState::Interrupted
    } else {
        RunState::New
    }
}

/// Removes the staging directories (`.NAME.partial-PID`) that a training process stopped
/// before it could create its run directory left under `runs/`.
pub fn remove_stale_staging(dir: &Path) {
    for entry in std::fs::read_dir(dir.join("runs")).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".partial-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_envs::ObsKind;

    const SPEC: &str = r#"
[grid]
games = ["maze", "heist"]
num_levels = [10, 0]
seeds = [1, 2, 3]
obs = ["symbolic"]

[train]
steps = "64k"
num_envs = 8
eval_every = 5
"#;

    /// The specs the docs publish (docs/experiments/*.toml) parse and expand as they say.
    #[test]
    fn the_published_specs_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/experiments");
        let read = |name: &str| Experiment::from_spec(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        let generalization = read("generalization.toml");
        assert_eq!(generalization.runs.len(), 2 * 4 * 3);
        assert!(generalization.runs.iter().all(|r| r.config.obs == ObsKind::Symbolic));
        let procgen = read("procgen-protocol.toml");
        let every_game: Vec<&str> = ludica_envs::games::GAMES.iter().map(|g| g.name).collect();
        let spec_games: Vec<&str> = procgen.runs.iter().step_by(3).map(|r| r.config.game.as_str()).collect();
        assert_eq!(spec_games, every_game, "procgen-protocol.toml plays every game, in registry order");
        let c = &procgen.runs[0].config;
        assert_eq!(
            (c.obs, c.num_levels, c.steps, c.num_envs, c.num_steps, c.num_minibatches, c.update_epochs),
            (ObsKind::Rgb, 200, 25_000_000, 64, 256, 8, 3)
        );
    }

    #[test]
    fn a_spec_expands_to_its_grid_in_order() {
        let e = Experiment::from_spec(SPEC).unwrap();
        assert_eq!(e.runs.len(), 12);
        assert_eq!(e.runs[0].name, "maze-symbolic-easy-n10-s1");
        assert_eq!(e.runs[11].name, "heist-symbolic-easy-n0-s3");
        let c = &e.runs[4].config;
        assert_eq!(
            (c.game.as_str(), c.num_levels, c.seed, c.steps, c.num_envs, c.eval_every),
            ("maze", 0, 2, 64_000, 8, 5)
        );
        let with_difficulty =
            SPEC.replace("obs = [\"symbolic\"]", "obs = [\"symbolic\"]\ndifficulty = [\"hard\", 0.1]");
        let e = Experiment::from_spec(&with_difficulty).unwrap();
        assert_eq!(e.runs.len(), 24);
        assert_eq!(e.runs[6].name, "maze-symbolic-0.1-n10-s1");
        let with_view = SPEC.replace("obs = [\"symbolic\"]", "obs = [\"symbolic\"]\nview = [\"full\", \"local\"]");
        let e = Experiment::from_spec(&with_view).unwrap();
        assert_eq!(e.runs.len(), 24);
        assert_eq!((e.runs[5].name.as_str(), e.runs[5].config.view), ("maze-symbolic-easy-n0-s3", ViewMode::Full));
        assert_eq!(
            (e.runs[6].name.as_str(), e.runs[6].config.view),
            ("maze-symbolic-local-easy-n10-s1", ViewMode::Local)
        );
    }

    #[test]
    fn bad_specs_name_the_key_and_what_is_allowed() {
        let check = |text: &str, words: &[&str]| {
            let err = Experiment::from_spec(text).unwrap_err().to_string();
            assert!(words.iter().all(|w| err.contains(w)) && !err.contains('\n'), "{err}");
        };
        check(&SPEC.replace("num_envs", "num_env"), &["num_env", "expected one of", "num_envs"]);
        check(&SPEC.replace("[grid]", "[grid]\nlevels = [1]"), &["levels", "games", "num_levels", "seeds"]);
        check(&format!("{SPEC}\n[extra]\n"), &["extra", "grid", "train"]);
        check(&SPEC.replace("\"heist\"", "\"tetris\""), &["tetris"]);
        check(&SPEC.replace("num_envs = 8", "seed = 4"), &["[train] sets seed", "[grid]"]);
        check(&SPEC.replace("num_envs = 8", "device = \"cpu\""), &["--devices"]);
        check(&SPEC.replace("seeds = [1, 2, 3]", "seeds = []"), &["seeds is empty"]);
        check(&SPEC.replace("seeds = [1, 2, 3]", "seeds = [1, 1]"), &["appears twice"]);
        check(&SPEC.replace("eval_every = 5", "gamma = 2.0"), &["gamma = 2"]);
        check(&SPEC.replace("eval_every = 5", "obs = \"rgb\""), &["obs is set in both"]);
        check(
            &SPEC.replace("seeds = [1, 2, 3]", "seeds = [1]\nview = [\"partial\"]"),
            &["view 'partial'", "full or local"],
        );
        check(
            &SPEC
                .replace("seeds = [1, 2, 3]", "seeds = [1]\nview = [\"local\"]")
                .replace("eval_every = 5", "view = \"full\""),
            &["view is set in both"],
        );
        let fixed = Experiment::from_spec(&SPEC.replace("eval_every = 5", "difficulty = \"hard\"")).unwrap();
        assert_eq!(fixed.runs[0].name, "maze-symbolic-hard-n10-s1", "a single value in [train]");
    }

    #[test]
    fn a_directory_of_another_experiment_is_refused_untouched() {
        let dir = std::env::temp_dir().join(format!("ludica-experiment-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let e = Experiment::from_spec(SPEC).unwrap();
        e.prepare(&dir).unwrap();
        e.prepare(&dir).unwrap();
        assert_eq!(Experiment::load(&dir).unwrap(), e);
        let before = std::fs::read(dir.join(EXPERIMENT_FILE)).unwrap();
        let other = Experiment::from_spec(&SPEC.replace("seeds = [1, 2, 3]", "seeds = [1, 2]")).unwrap();
        let err = other.prepare(&dir).unwrap_err().to_string();
        assert!(err.contains("holds another experiment") && err.contains("nothing was changed"), "{err}");
        assert_eq!(std::fs::read(dir.join(EXPERIMENT_FILE)).unwrap(), before);
        assert_eq!(run_state(&dir, &e.runs[0]), RunState::New);
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::create_dir_all(dir.join("stuff")).unwrap();
        assert!(e.prepare(&dir).unwrap_err().to_string().contains("not empty"));
        assert!(dir.join("stuff").is_dir());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
