//! `ludica calibrate`: a uniformly random policy's return and success rate and the levels'
//! maximum return, per game and difficulty (`ludica_envs::calibration`), printed, and
//! optionally merged into a calibration table and the games' cards.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::builder::RangedU64ValueParser;
use ludica_envs::GameDef;
use ludica_envs::calibration::{
    CALIBRATED, Calibration, MAX_EPISODES, MIN_EPISODES, card_section, measure, parse_table, table_text,
    with_card_section,
};
use ludica_envs::games::GAMES;
use ludica_procgen::Difficulty;

use super::output::{emit, write_file};
use super::{parse_game, parse_seed};

/// Options of `ludica calibrate`.
#[derive(clap::Args)]
pub struct Args {
    /// Game to calibrate (see `ludica games`).
    #[arg(long, value_parser = parse_game, required_unless_present = "all", conflicts_with = "all")]
    game: Option<&'static GameDef>,
    /// Difficulty of the levels: easy, medium, hard or a number in [0, 1].
    #[arg(long, default_value = "easy", allow_negative_numbers = true, conflicts_with = "all")]
    difficulty: Difficulty,
    /// Every game at 0, easy, medium and hard.
    #[arg(long)]
    all: bool,
    /// Episodes per game and difficulty, one level each.
    #[arg(long, default_value_t = 1000, value_parser = parse_episodes)]
    episodes: usize,
    /// Seed of the level draws and of the random actions.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_hyphen_values = true)]
    seed: u64,
    /// Worker threads (the main thread included); results do not depend on it.
    #[arg(long, default_value_t = 1, value_parser = RangedU64ValueParser::<usize>::new().range(1..=1024))]
    threads: usize,
    /// Print one JSON object per line instead of a table [default: table].
    #[arg(long)]
    json: bool,
    /// Merge the results into this calibration table (JSON lines; created if missing), as
    /// envs/calibration.jsonl, which ludica publishes, is made.
    #[arg(long, value_name = "FILE")]
    table: Option<PathBuf>,
    /// Rewrite the `## Calibration` section of DIR/<game>.md for each game calibrated, from
    /// the merged --table (docs/games).
    #[arg(long, value_name = "DIR", requires = "table")]
    cards: Option<PathBuf>,
}

fn parse_episodes(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (MIN_EPISODES..=MAX_EPISODES).contains(&n) => Ok(n),
        _ => Err(format!("episodes '{text}' is not allowed: use a whole number from {MIN_EPISODES} to {MAX_EPISODES}")),
    }
}

/// Measures, prints, and updates the table and cards asked for.
pub fn run(args: Args) -> anyhow::Result<()> {
    let settings: Vec<(&'static GameDef, Difficulty)> = match args.game {
        Some(game) => vec![(game, args.difficulty)],
        None => GAMES.iter().flat_map(|&g| CALIBRATED.map(|d| (g, d))).collect(),
    };
    // A table that cannot be read is refused before minutes of measuring.
    let mut rows = match &args.table {
        Some(path) => read_table(path)?,
        None => Vec::new(),
    };
    let (mut measured, total, progress) = (Vec::new(), settings.len(), std::io::stderr().is_terminal());
    for (i, (game, difficulty)) in settings.into_iter().enumerate() {
        measured.push(measure(game, difficulty, args.episodes, args.seed, args.threads)?);
        if progress && total > 1 {
            eprintln!("calibrated {} at {difficulty} ({}/{total})", game.name, i + 1);
        }
    }
    let printed = if args.json {
        table_text(&measured)
    } else {
        format!("{}\n{}", header(), measured.iter().map(|c| text_row(c) + "\n").collect::<String>())
    };
    emit(None, |out| out.write_all(printed.as_bytes()))?;
    let Some(path) = &args.table else { return Ok(()) };
    for c in &measured {
        rows.retain(|r| !(r.game == c.game && r.difficulty == c.difficulty));
    }
    rows.extend(measured.iter().cloned());
    write_file(path, table_text(&rows).as_bytes())?;
    if let Some(dir) = &args.cards {
        let mut games: Vec<&str> = measured.iter().map(|c| c.game.as_str()).collect();
        games.dedup();
        for name in games {
            update_card(dir, parse_game(name)?, &rows)?;
        }
    }
    Ok(())
}

fn read_table(path: &Path) -> anyhow::Result<Vec<Calibration>> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_table(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read calibration table '{}'", path.display())),
    }
}

fn update_card(dir: &Path, game: &GameDef, rows: &[Calibration]) -> anyhow::Result<()> {
    let path = dir.join(format!("{}.md", game.name));
    let card = std::fs::read_to_string(&path).with_context(|| {
        format!("cannot read card '{}': --cards takes the folder of the games' cards", path.display())
    })?;
    write_file(&path, with_card_section(&card, &card_section(game, rows)).as_bytes())?;
    Ok(())
}

fn header() -> String {
    format!(
        "{:<10} {:<10} {:>8} {:>20} {:>14} {:>10}  {}",
        "game", "difficulty", "episodes", "random return (95%)", "random success", "max return", "max from"
    )
}

fn text_row(c: &Calibration) -> String {
    format!(
        "{:<10} {:<10} {:>8} {:>20} {:>13.1}% {:>10.2}  {}",
        c.game,
        c.difficulty.to_string(),
        c.episodes,
        format!("{:.3} ± {:.3}", c.random_return, c.random_return_ci95),
        100.0 * c.random_success,
        c.max_return,
        c.max_source
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episode_counts_out_of_range_name_the_value() {
        assert_eq!(parse_episodes("1000"), Ok(1000));
        for bad in ["9", "100001", "-1", "x", ""] {
            let err = parse_episodes(bad).unwrap_err();
            assert!(err.contains(&format!("'{bad}'")) && err.contains("from 10 to 100000"), "{err}");
        }
    }
}
