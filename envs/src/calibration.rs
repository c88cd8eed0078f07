//! Calibration: what a uniformly random policy returns and how often it succeeds, and the
//! most a level can return, per game and difficulty: the two ends of a normalized score
//! (Procgen's `(R - R_min) / (R_max - R_min)`). [`measure`] plays the episodes
//! (`ludica calibrate`); the checked-in table `envs/calibration.jsonl`, which that command
//! writes, is published through [`table`] to `ludica games --json`, Python's
//! `ludica.games()`, the games' cards ([`card_section`]) and experiment reports.

use std::sync::OnceLock;

use ludica_procgen::seeds::mix;
use ludica_procgen::{Difficulty, Rng};
use rand::RngExt;
use serde::{Deserialize, Serialize};

use crate::core::engine::game::{GameDef, MaxSource, ObsKind};
use crate::core::engine::level_distribution::LevelSpec;
use crate::core::engine::step::AutoReset;
use crate::vec_env::{VecEnv, VecEnvConfig, VecEnvError};

/// The difficulties every game is calibrated at: 0 and the three presets.
pub const CALIBRATED: [Difficulty; 4] = [Difficulty::MIN, Difficulty::EASY, Difficulty::MEDIUM, Difficulty::HARD];
/// Fewest episodes a measurement may play (a confidence interval needs a few).
pub const MIN_EPISODES: usize = 10;
/// Most episodes a measurement may play.
pub const MAX_EPISODES: usize = 100_000;
/// Envs stepped together; a measurement of more episodes plays them in batches of this many.
const BATCH: usize = 1024;
/// The PCG stream of an episode's random actions.
const ACTION_STREAM: u64 = 0xCA1_1B8A7E;

/// The table as checked in (one JSON object per line), written by `ludica calibrate --table`.
const TABLE: &str = include_str!("../calibration.jsonl");

/// One game at one difficulty.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// Game name.
    pub game: String,
    /// Difficulty of the levels.
    pub difficulty: Difficulty,
    /// Episodes played, one per level, each within the game's time limit.
    pub episodes: usize,
    /// Seed of the level draws and of the actions.
    pub seed: u64,
    /// Mean return of a uniformly random policy.
    pub random_return: f64,
    /// Half-width of that mean's 95% confidence interval (normal approximation).
    pub random_return_ci95: f64,
    /// Share of the random policy's episodes that succeeded.
    pub random_success: f64,
    /// Mean over the same levels of the most a level can return ([`GameDef::max_return`]).
    pub max_return: f64,
    /// Where that bound comes from.
    pub max_source: MaxSource,
}

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CalibrationError {
    /// Episodes out of [`MIN_EPISODES`]`..=`[`MAX_EPISODES`].
    #[error("episodes '{0}' is not allowed: use a whole number from {MIN_EPISODES} to {MAX_EPISODES}")]
    BadEpisodes(usize),
    /// The VecEnv refused its configuration or failed.
    #[error(transparent)]
    Env(#[from] VecEnvError),
}

/// Plays `episodes` episodes of `game` at `difficulty` with uniformly random actions, one per
/// level (episode `i` plays the first level the VecEnv's picker of env `i mod 1024` draws from
/// all seeds, in batch `i / 1024`), and measures the random policy and the levels' maximum.
/// A pure function of its arguments but `threads`.
pub fn measure(
    game: &GameDef,
    difficulty: Difficulty,
    episodes: usize,
    seed: u64,
    threads: usize,
) -> Result<Calibration, CalibrationError> {
    if !(MIN_EPISODES..=MAX_EPISODES).contains(&episodes) {
        return Err(CalibrationError::BadEpisodes(episodes));
    }
    let levels = LevelSpec { num_levels: 0, start_level: 0, sequential: false, difficulty };
    let (mut returns, mut successes, mut max_sum) = (Vec::with_capacity(episodes), 0usize, 0f64);
    for (batch, first) in (0..episodes).step_by(BATCH).enumerate() {
        let n = BATCH.min(episodes - first);
        let mut env = VecEnv::new(VecEnvConfig {
            game: game.name.to_string(),
            num_envs: n,
            num_threads: threads.min(n),
            obs: ObsKind::Symbolic,
            levels,
            autoreset: AutoReset::SameStep,
            seed: mix(seed ^ mix(batch as u64)),
            ..VecEnvConfig::default()
        })?;
        let mut rngs: Vec<Rng> =
            (first..first + n).map(|i| Rng::new(mix(seed), mix(ACTION_STREAM ^ mix(i as u64)))).collect();
        let num_actions = game.actions.len();
        let (mut actions, mut done, mut left) = (vec![0u8; n], vec![false; n], n);
        while left > 0 {
            for (a, rng) in actions.iter_mut().zip(&mut rngs) {
                *a = rng.random_range(0..num_actions) as u8;
            }
            env.step(&actions)?;
            for (e, info) in env.infos().iter().enumerate() {
                if done[e] || !info.episode_done {
                    continue;
                }
                (done[e], left) = (true, left - 1);
                returns.push(f64::from(info.episode_return));
                successes += usize::from(info.episode_success);
                max_sum += f64::from((game.max_return.of)(&game.level(info.episode_level_seed, difficulty)));
            }
        }
    }
    let n = episodes as f64;
    let mean = returns.iter().sum::<f64>() / n;
    let var = returns.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
    Ok(Calibration {
        game: game.name.to_string(),
        difficulty,
        episodes,
        seed,
        random_return: mean,
        random_return_ci95: 1.96 * (var / n).sqrt(),
        random_success: successes as f64 / n,
        max_return: max_sum / n,
        max_source: game.max_return.source,
    })
}

/// Parses a table: one [`Calibration`] per line, blank lines skipped; an error names the line.
pub fn parse_table(text: &str) -> Result<Vec<Calibration>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("calibration table line {}: {e}", i + 1)))
        .collect()
}

/// A table as its file holds it: one JSON object per line, games in registry order, then
/// difficulties in increasing order.
pub fn table_text(rows: &[Calibration]) -> String {
    let mut rows: Vec<&Calibration> = rows.iter().collect();
    rows.sort_by(|a, b| {
        let at = |c: &Calibration| crate::games::GAMES.iter().position(|g| g.name == c.game).unwrap_or(usize::MAX);
        at(a).cmp(&at(b)).then(a.difficulty.value().total_cmp(&b.difficulty.value()))
    });
    rows.iter().map(|c| serde_json::to_string(c).expect("a calibration serializes") + "\n").collect()
}

/// The checked-in table (`envs/calibration.jsonl`), parsed once.
pub fn table() -> &'static [Calibration] {
    static PARSED: OnceLock<Vec<Calibration>> = OnceLock::new();
    PARSED.get_or_init(|| parse_table(TABLE).expect("the checked-in calibration table parses (tested)"))
}

/// The checked-in calibration of `game` at `difficulty`, if it was calibrated there.
pub fn lookup(game: &str, difficulty: Difficulty) -> Option<&'static Calibration> {
    table().iter().find(|c| c.game == game && c.difficulty == difficulty)
}

/// The checked-in rows of `game`, in increasing difficulty.
pub fn of_game(game: &str) -> impl Iterator<Item = &'static Calibration> {
    table().iter().filter(move |c| c.game == game)
}

/// The `## Calibration` section of `game`'s card, from `rows` (its rows of the table): the
/// random policy and the maximum per difficulty, and where the maximum comes from.
pub fn card_section(game: &GameDef, rows: &[Calibration]) -> String {
    let rows: Vec<&Calibration> = rows.iter().filter(|c| c.game == game.name).collect();
    let episodes = rows.iter().map(|c| c.episodes.to_string()).collect::<Vec<_>>();
    let mut episodes_said = episodes.clone();
    episodes_said.dedup();
    let source = match game.max_return.source {
        MaxSource::Solver => "from the generator's own solution",
        MaxSource::Documented => "the documented maximum, an upper bound",
    };
    let mut s = format!(
        "## Calibration\n\
         The two ends of a normalized score, `(return - random) / (max - random)`, as `ludica calibrate` \
         measured them ({} episodes per difficulty, one level each, within the {}-step time limit): a \
         uniformly random policy's mean return (with its 95% confidence interval) and success rate, and \
         the mean over the same levels of the most a level can return, {source}: {}.\n\n\
         | difficulty | random return | random success | max return |\n|---|---|---|---|\n",
        episodes_said.join(" or "),
        game.max_steps,
        game.max_return.rule,
    );
    for c in rows {
        s += &format!(
            "| {} | {:.3} ± {:.3} | {:.1}% | {:.2} |\n",
            c.difficulty,
            c.random_return,
            c.random_return_ci95,
            100.0 * c.random_success,
            c.max_return
        );
    }
    s
}

/// `card` with its `## Calibration` section replaced by `section` (or, if it has none, with
/// `section` added before its `## Difficulty` section, else at its end).
pub fn with_card_section(card: &str, section: &str) -> String {
    let find = |title: &str| card.find(&format!("\n{title}")).map(|i| i + 1);
    match find("## Calibration") {
        Some(start) => {
            let end = card[start + 1..].find("\n## ").map_or(card.len(), |i| start + 2 + i);
            format!("{}{section}{}", &card[..start], if end < card.len() { "\n" } else { "" }) + &card[end..]
        }
        None => match find("## Difficulty") {
            Some(at) => format!("{}{section}\n{}", &card[..at], &card[at..]),
            None => format!("{}\n{section}", card.trim_end_matches('\n').to_string() + "\n"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::games::{GAMES, maze};

    #[test]
    fn a_measurement_repeats_whatever_the_threads_and_counts_every_episode() {
        let one = measure(&maze::GAME, Difficulty::EASY, 40, 3, 1).unwrap();
        assert_eq!(one, measure(&maze::GAME, Difficulty::EASY, 40, 3, 2).unwrap());
        assert_eq!(one.episodes, 40);
        assert!((0.0..=1.0).contains(&one.random_success) && one.random_return_ci95 > 0.0, "{one:?}");
        assert_eq!(one.max_return, 10.0, "every maze level pays 10 and its solver reaches it");
        assert_ne!(one, measure(&maze::GAME, Difficulty::EASY, 40, 4, 1).unwrap(), "another seed, other levels");
    }

    #[test]
    fn bad_episode_counts_are_refused_by_name() {
        for bad in [0, MIN_EPISODES - 1, MAX_EPISODES + 1] {
            let err = measure(&maze::GAME, Difficulty::EASY, bad, 0, 1).unwrap_err().to_string();
            assert!(err.contains(&format!("episodes '{bad}'")) && err.contains("from 10 to 100000"), "{err}");
        }
    }

    #[test]
    fn the_checked_in_table_covers_every_game_at_every_calibrated_difficulty() {
        for game in GAMES {
            for d in CALIBRATED {
                let c = lookup(game.name, d).unwrap_or_else(|| {
                    panic!("{} at {d} is not calibrated: run `ludica calibrate --all` (docs/benchmarks.md)", game.name)
                });
                assert_eq!(c.max_source, game.max_return.source, "{} at {d}", game.name);
                assert!(c.max_return > c.random_return, "{} at {d}: {c:?}", game.name);
            }
        }
        assert_eq!(table_text(table()), TABLE, "the file is in the order and form `ludica calibrate` writes");
    }

    #[test]
    fn a_card_section_is_replaced_or_added() {
        let section = "## Calibration\nnew\n";
        let card = "# g\n## Rules\nr\n## Calibration\nold\n| x |\n## Difficulty\nd\n";
        assert_eq!(with_card_section(card, section), "# g\n## Rules\nr\n## Calibration\nnew\n\n## Difficulty\nd\n");
        let last = "# g\n## Calibration\nold\n";
        assert_eq!(with_card_section(last, section), "# g\n## Calibration\nnew\n");
        let none = "# g\n## Rules\nr\n## Difficulty\nd\n";
        assert_eq!(with_card_section(none, section), "# g\n## Rules\nr\n## Calibration\nnew\n\n## Difficulty\nd\n");
        assert_eq!(with_card_section("# g\n", section), "# g\n\n## Calibration\nnew\n");
        let again = with_card_section(&with_card_section(card, section), section);
        assert_eq!(again, with_card_section(card, section), "replacing is idempotent");
    }
}
