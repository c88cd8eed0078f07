//! Frozen level suites: a named set of levels (a game's seeds at a difficulty, or the levels of
//! a file) with the SHA-256 of the levels it stands for, so that a later check can tell whether
//! today's generators still make the same levels. Every run records its training and held-out
//! suites (`suites.json`); `ludica eval` checks them, and counts held-out levels whose layout
//! is a training level's (a leak: small levels at low difficulty do collide).

use std::collections::HashSet;
use std::path::Path;

use ludica_envs::LevelSpec;
use ludica_procgen::{Difficulty, Level, Tile};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::checkpoint::hasher_hex;
use crate::config::TrainConfig;
use crate::error::AgentError;
use crate::output::write_file;

/// Version of the suite layout.
pub const SUITE_FORMAT: u32 = 1;
/// File name of a run's suites inside its run directory.
pub const RUN_SUITES_FILE: &str = "suites.json";
/// Levels a run hashes of its training and held-out seeds: the first ones, up to this many
/// (a run starts within a second; a generator change moves nearly every level anyway).
pub const RUN_HASHED_LEVELS: u64 = 200;
/// Most levels one suite may hash.
pub const MAX_SUITE_LEVELS: u64 = 1_000_000;
/// Most training levels the leak check generates (a larger set is not checked).
pub const MAX_LEAK_TRAIN_LEVELS: u64 = 100_000;
/// Most held-out levels the leak check compares.
pub const MAX_LEAK_TEST_LEVELS: u64 = 10_000;

/// Where a suite's levels come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuiteLevels {
    /// The game's levels of seeds `start..start + count` (`count` 0: unlimited from `start`).
    Seeds {
        /// First seed.
        start: u64,
        /// Number of seeds; 0 for unlimited.
        count: u64,
        /// Difficulty they are generated at.
        difficulty: Difficulty,
    },
    /// These levels (read from a level file), kept in the suite.
    Levels(Vec<Level>),
}

/// A named, hashed set of levels (`ludica suite` writes one as JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// Layout version ([`SUITE_FORMAT`]).
    pub format: u32,
    /// Its name.
    pub name: String,
    /// Game.
    pub game: String,
    /// The levels.
    pub levels: SuiteLevels,
    /// How many levels the hash covers (the first ones).
    pub hashed_levels: u64,
    /// SHA-256 (hex) of those levels' JSON, one per line.
    pub sha256: String,
}

/// A recorded suite against today's generators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuiteCheck {
    /// The suite's name.
    pub name: String,
    /// Its levels, described.
    pub levels: String,
    /// The hash recorded.
    pub recorded: String,
    /// The hash of the same levels as made today (for stored levels: of the stored levels).
    pub now: String,
    /// Levels hashed.
    pub hashed_levels: u64,
    /// Stored levels only: seeds of the first (at most 5) that today's generator makes
    /// differently from the stored level.
    pub changed_seeds: Vec<u64>,
    /// Stored levels only: how many today's generator makes differently.
    pub changed: u64,
}

impl SuiteCheck {
    /// Whether the levels are the ones recorded.
    pub fn unchanged(&self) -> bool {
        self.recorded == self.now && self.changed == 0
    }

    /// One line for people.
    pub fn line(&self) -> String {
        let short = |h: &str| h.chars().take(12).collect::<String>();
        if self.unchanged() {
            format!(
                "{} levels ({}): unchanged since recorded (sha256 {}, {} levels hashed)",
                self.name,
                self.levels,
                short(&self.recorded),
                self.hashed_levels
            )
        } else if self.recorded != self.now {
            format!(
                "WARNING: {} levels ({}) CHANGED since recorded: sha256 {} then, {} now over its first {} levels: scores on them are not comparable with the run's",
                self.name,
                self.levels,
                short(&self.recorded),
                short(&self.now),
                self.hashed_levels
            )
        } else {
            format!(
                "note: {} levels ({}) are as recorded, but {} of {} differ from what today's generator makes of their seeds (seeds {:?}...): edited by hand, or the generator changed",
                self.name, self.levels, self.changed, self.hashed_levels, self.changed_seeds
            )
        }
    }
}

/// The SHA-256 (hex) of `levels`: each level's JSON and a newline, in order.
pub fn hash_levels<'a>(levels: impl IntoIterator<Item = &'a Level>) -> String {
    let mut hasher = Sha256::new();
    for level in levels {
        hasher.update(level.to_json().as_bytes());
        hasher.update(b"\n");
    }
    hasher_hex(&hasher)
}

fn game_def(game: &str) -> Result<&'static ludica_envs::GameDef, AgentError> {
    ludica_envs::games::find(game).map_err(|e| AgentError::Config(e.to_string()))
}

impl Suite {
    /// The suite of `game`'s seeds `start..start + count` (0: unlimited) at `difficulty`,
    /// hashing its first `max_hashed` levels (all of a bounded range up to that).
    pub fn seeds(
        name: &str,
        game: &str,
        difficulty: Difficulty,
        start: u64,
        count: u64,
        max_hashed: u64,
    ) -> Result<Suite, AgentError> {
        let spec = LevelSpec { num_levels: count, start_level: start, sequential: false, difficulty };
        spec.validate().map_err(|e| AgentError::Config(e.to_string()))?;
        let mut suite = Suite {
            format: SUITE_FORMAT,
            name: name.to_string(),
            game: game_def(game)?.name.to_string(),
            levels: SuiteLevels::Seeds { start, count, difficulty },
            hashed_levels: if count == 0 { max_hashed } else { count.min(max_hashed) },
            sha256: String::new(),
        };
        suite.sha256 = hash_levels(&suite.generated()?);
        Ok(suite)
    }

    /// The suite of these levels (all of one game, each checked playable by it).
    pub fn from_levels(name: &str, levels: Vec<Level>) -> Result<Suite, AgentError> {
        let first = levels.first().ok_or_else(|| AgentError::Config("the levels file holds no level".into()))?;
        let game = game_def(&first.game)?;
        for (k, level) in levels.iter().enumerate() {
            if level.game != game.name {
                return Err(AgentError::Config(format!(
                    "level {} is for {}, level 1 for {}: a suite holds the levels of one game",
                    k + 1,
                    level.game,
                    game.name
                )));
            }
            game.accept(level).map_err(|e| AgentError::Config(format!("level {}: {e}", k + 1)))?;
        }
        Ok(Suite {
            format: SUITE_FORMAT,
            name: name.to_string(),
            game: game.name.to_string(),
            hashed_levels: levels.len() as u64,
            sha256: hash_levels(&levels),
            levels: SuiteLevels::Levels(levels),
        })
    }

    /// A run's training suite (`train`) and held-out suite (`test`).
    pub fn of_run(cfg: &TrainConfig) -> Result<[Suite; 2], AgentError> {
        Ok([
            Suite::seeds("train", &cfg.game, cfg.difficulty, cfg.start_level, cfg.num_levels, RUN_HASHED_LEVELS)?,
            Suite::seeds("test", &cfg.game, cfg.difficulty, cfg.test_start_level, 0, RUN_HASHED_LEVELS)?,
        ])
    }

    /// Its levels in words: `maze seeds 0..200, difficulty 0.25` or `maze, 40 levels from a file`.
    pub fn describe(&self) -> String {
        match &self.levels {
            SuiteLevels::Seeds { start, count: 0, difficulty } => {
                format!("{} seeds {start}.., difficulty {difficulty}", self.game)
            }
            SuiteLevels::Seeds { start, count, difficulty } => {
                format!("{} seeds {start}..{}, difficulty {difficulty}", self.game, start + count)
            }
            SuiteLevels::Levels(levels) => format!("{}, {} levels from a file", self.game, levels.len()),
        }
    }

    /// The seeds whose levels the hash covers.
    fn hashed_seeds(&self) -> Vec<(u64, Difficulty)> {
        match &self.levels {
            SuiteLevels::Seeds { start, difficulty, .. } => {
                (*start..start.saturating_add(self.hashed_levels)).map(|s| (s, *difficulty)).collect()
            }
            SuiteLevels::Levels(levels) => levels.iter().map(|l| (l.seed, l.difficulty)).collect(),
        }
    }

    /// The hashed levels as today's generator makes them.
    fn generated(&self) -> Result<Vec<Level>, AgentError> {
        let game = game_def(&self.game)?;
        Ok(self.hashed_seeds().into_iter().map(|(seed, difficulty)| game.level(seed, difficulty)).collect())
    }

    /// Checks the suite against today's generators: seeds are regenerated and hashed; stored
    /// levels are hashed as stored and compared with what their seeds generate today.
    pub fn check(&self) -> Result<SuiteCheck, AgentError> {
        let generated = self.generated()?;
        let (now, changed): (String, Vec<u64>) = match &self.levels {
            // One hash cannot say which seeds changed: the line says the whole set did.
            SuiteLevels::Seeds { .. } => (hash_levels(&generated), Vec::new()),
            SuiteLevels::Levels(stored) => {
                let changed = stored.iter().zip(&generated).filter(|(s, g)| s != g).map(|(s, _)| s.seed).collect();
                (hash_levels(stored), changed)
            }
        };
        Ok(SuiteCheck {
            name: self.name.clone(),
            levels: self.describe(),
            recorded: self.sha256.clone(),
            now,
            hashed_levels: self.hashed_levels,
            changed: changed.len() as u64,
            changed_seeds: changed.into_iter().take(5).collect(),
        })
    }

    /// Reads a suite file, checking its fields.
    pub fn read(path: &Path) -> Result<Suite, AgentError> {
        let text = std::fs::read(path).map_err(|e| AgentError::io("read suite", path, e))?;
        let suite: Suite = serde_json::from_slice(&text)
            .map_err(|e| AgentError::Config(format!("suite file {} is not a suite: {e}", path.display())))?;
        suite.check_fields().map_err(|why| AgentError::Config(format!("suite file {}: {why}", path.display())))?;
        Ok(suite)
    }

    /// Checks the fields a file could get wrong before anything is generated from them.
    fn check_fields(&self) -> Result<(), String> {
        if self.format != SUITE_FORMAT {
            return Err(format!("format {} is not allowed: this ludica reads format {SUITE_FORMAT}", self.format));
        }
        game_def(&self.game).map_err(|e| e.to_string())?;
        let most = match &self.levels {
            SuiteLevels::Seeds { count: 0, .. } => MAX_SUITE_LEVELS,
            SuiteLevels::Seeds { count, .. } => (*count).min(MAX_SUITE_LEVELS),
            SuiteLevels::Levels(levels) => levels.len() as u64,
        };
        if self.hashed_levels == 0 || self.hashed_levels > most {
            return Err(format!("hashed_levels = {} is out of range: must be from 1 to {most}", self.hashed_levels));
        }
        Ok(())
    }

    /// Writes the suite as JSON, atomically.
    pub fn write(&self, path: &Path) -> Result<(), AgentError> {
        Ok(write_file(path, &serde_json::to_vec_pretty(self).expect("a suite serializes"))?)
    }
}

/// Records a run's training and held-out suites in its directory.
pub fn record_run(dir: &Path, cfg: &TrainConfig) -> Result<(), AgentError> {
    let suites = Suite::of_run(cfg)?;
    Ok(write_file(&dir.join(RUN_SUITES_FILE), &serde_json::to_vec_pretty(&suites).expect("suites serialize"))?)
}

/// The run's recorded suites checked against today's generators, or `None` for a run made
/// before runs recorded them.
pub fn check_run(dir: &Path) -> Result<Option<[SuiteCheck; 2]>, AgentError> {
    let path = dir.join(RUN_SUITES_FILE);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AgentError::io("read", &path, e)),
    };
    let corrupt = |why: String| AgentError::Config(format!("{} is corrupt: {why}", path.display()));
    let [train, test]: [Suite; 2] = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
    train.check_fields().and_then(|()| test.check_fields()).map_err(corrupt)?;
    Ok(Some([train.check()?, test.check()?]))
}

/// Held-out levels whose layout (size and tiles) is a training level's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Leak {
    /// Distinct training levels compared against.
    pub train_levels: u64,
    /// Held-out levels checked.
    pub checked: u64,
    /// Which held-out levels: a seed range or a file.
    pub held_out: String,
    /// How many of them have a training level's layout.
    pub identical: u64,
}

impl Leak {
    /// One line for people.
    pub fn line(&self) -> String {
        format!(
            "leak check: {} of {} held-out levels ({}) have the layout of one of the {} training levels",
            self.identical, self.checked, self.held_out, self.train_levels
        )
    }
}

type Layout = (usize, usize, Vec<Tile>);

fn layout(level: &Level) -> Layout {
    (level.width, level.height, level.tiles.clone())
}

/// Counts held-out levels whose layout is a training level's: `held_out` levels, or the seeds
/// `from..from + sample` at the training difficulty. `None` when the training levels are
/// unlimited or more than [`MAX_LEAK_TRAIN_LEVELS`] (not checked).
pub fn leak(game: &str, train: &LevelSpec, held_out: HeldOut) -> Result<Option<Leak>, AgentError> {
    if train.num_levels == 0 || train.num_levels > MAX_LEAK_TRAIN_LEVELS {
        return Ok(None);
    }
    let def = game_def(game)?;
    let layouts: HashSet<Layout> = (train.start_level..train.start_level + train.num_levels)
        .map(|seed| layout(&def.level(seed, train.difficulty)))
        .collect();
    let (checked, identical, described) = match held_out {
        HeldOut::Seeds { from, count } => {
            let count = count.clamp(1, MAX_LEAK_TEST_LEVELS);
            let end = from.saturating_add(count).min(ludica_envs::SEED_LIMIT);
            let identical =
                (from..end).filter(|&seed| layouts.contains(&layout(&def.level(seed, train.difficulty)))).count();
            (end - from, identical, format!("seeds {from}..{end}"))
        }
        HeldOut::Levels(levels) => {
            let identical = levels.iter().filter(|l| layouts.contains(&layout(l))).count();
            (levels.len() as u64, identical, "from a file".to_string())
        }
    };
    Ok(Some(Leak { train_levels: train.num_levels, checked, held_out: described, identical: identical as u64 }))
}

/// The held-out levels a leak check compares.
pub enum HeldOut<'a> {
    /// Seeds `from..from + count` at the training difficulty.
    Seeds {
        /// First seed.
        from: u64,
        /// How many.
        count: u64,
    },
    /// These levels.
    Levels(&'a [Level]),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_suite_hash_covers_its_levels_and_a_changed_level_is_caught() {
        let suite = Suite::seeds("s", "maze", Difficulty::EASY, 0, 5, u64::MAX).unwrap();
        assert_eq!(suite.hashed_levels, 5);
        let check = suite.check().unwrap();
        assert!(check.unchanged(), "{}", check.line());
        assert!(check.line().contains("unchanged"));
        // A generator change shows as another hash for the same seeds.
        let mut stale = suite.clone();
        stale.sha256 = hash_levels(&[ludica_envs::games::find("maze").unwrap().level(9, Difficulty::EASY)]);
        let check = stale.check().unwrap();
        assert!(!check.unchanged() && check.line().starts_with("WARNING") && check.line().contains("CHANGED"));
        let unlimited = Suite::seeds("u", "maze", Difficulty::EASY, 7, 0, 20).unwrap();
        assert_eq!(unlimited.hashed_levels, 20);
        assert_eq!(Suite::seeds("b", "maze", Difficulty::EASY, 7, 50, 20).unwrap().hashed_levels, 20);
        assert_ne!(unlimited.sha256, suite.sha256);
        assert!(Suite::seeds("x", "tetris", Difficulty::EASY, 0, 5, 5).unwrap_err().to_string().contains("tetris"));
    }

    #[test]
    fn stored_levels_are_compared_with_their_seeds() {
        let game = ludica_envs::games::find("maze").unwrap();
        let mut levels: Vec<Level> = (0..3).map(|s| game.level(s, Difficulty::EASY)).collect();
        assert!(Suite::from_levels("f", levels.clone()).unwrap().check().unwrap().unchanged());
        levels[1] = game.level(1, Difficulty::HARD);
        levels[1].difficulty = Difficulty::EASY;
        let check = Suite::from_levels("f", levels.clone()).unwrap().check().unwrap();
        assert_eq!((check.changed, check.changed_seeds.clone()), (1, vec![1]));
        assert!(check.line().starts_with("note:"), "{}", check.line());
        let mut other = levels.clone();
        other[2].game = "heist".into();
        let err = Suite::from_levels("f", other).unwrap_err().to_string();
        assert!(err.contains("heist") && err.contains("one game"), "{err}");
    }

    #[test]
    fn leaks_count_held_out_layouts_equal_to_training_ones() {
        let train = LevelSpec { num_levels: 3, start_level: 0, sequential: false, difficulty: Difficulty::MIN };
        let game = ludica_envs::games::find("maze").unwrap();
        let copies: Vec<Level> = (0..3).map(|s| game.level(s, Difficulty::MIN)).collect();
        let leak = leak("maze", &train, HeldOut::Levels(&copies)).unwrap().unwrap();
        assert_eq!((leak.checked, leak.identical), (3, 3));
        let seeds = leak_seeds(&train);
        assert_eq!(seeds.checked, 50);
        assert!(seeds.identical <= seeds.checked);
        let unlimited = LevelSpec { num_levels: 0, ..train };
        assert_eq!(super::leak("maze", &unlimited, HeldOut::Seeds { from: 10, count: 5 }).unwrap(), None);
    }

    fn leak_seeds(train: &LevelSpec) -> Leak {
        leak("maze", train, HeldOut::Seeds { from: 1_000_000_000, count: 50 }).unwrap().unwrap()
    }
}
