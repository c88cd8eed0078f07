//! Every registered game has its card in docs/games/ (with its picture, and a local-view
//! section with its own and the window's size) and its row in the README's games table, the
//! card's action table names exactly the game's actions, in id order, and its `## Calibration`
//! section is the one the checked-in calibration table gives: a game added without its card,
//! or actions or calibration changed without the card, fail here.

use std::path::{Path, PathBuf};

use ludica_envs::calibration;
use ludica_envs::games::GAMES;

fn cards() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/games")
}

/// The ids of a table cell: `3`, `1, 2, 3`, or a range `1-4`.
fn ids(cell: &str) -> Result<Vec<usize>, String> {
    let number = |s: &str| s.trim().parse::<usize>().map_err(|e| format!("id '{s}': {e}"));
    match cell.split_once('-') {
        Some((first, last)) => Ok((number(first)?..=number(last)?).collect()),
        None => cell.split(',').map(number).collect(),
    }
}

/// (id, name) of each action in the `## Actions` table of a card.
fn action_table(card: &str) -> Result<Vec<(usize, String)>, String> {
    let section = card.split("\n## Actions").nth(1).ok_or("no '## Actions' section")?;
    let section = section.split("\n## ").next().unwrap_or_default();
    let mut actions = Vec::new();
    for row in section.lines().filter(|l| l.starts_with('|')).skip(2) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let [id_cell, name_cell, ..] = cells[..] else { return Err(format!("row '{row}' has no id and name")) };
        let names: Vec<&str> = name_cell.split(',').map(str::trim).collect();
        let ids = ids(id_cell)?;
        if ids.len() != names.len() {
            return Err(format!("row '{row}': {} ids for {} names", ids.len(), names.len()));
        }
        actions.extend(ids.into_iter().zip(names.into_iter().map(String::from)));
    }
    Ok(actions)
}

#[test]
fn every_game_has_a_card_with_a_picture_and_its_exact_action_table() {
    for game in GAMES {
        let path = cards().join(format!("{}.md", game.name));
        let card = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("{}: no card at {} ({e}); write one (see docs/ARCHITECTURE.md)", game.name, path.display())
        });
        assert!(cards().join(format!("{}.png", game.name)).is_file(), "{}: the card's picture is missing", game.name);
        let table = action_table(&card).unwrap_or_else(|e| panic!("{}: action table: {e}", game.name));
        let want: Vec<(usize, String)> = game.actions.iter().enumerate().map(|(i, a)| (i, a.to_string())).collect();
        assert_eq!(table, want, "{}: the card's action table disagrees with the game's actions", game.name);
    }
}

#[test]
fn every_card_documents_its_local_view_with_a_picture_and_the_window_size() {
    for game in GAMES {
        let card = std::fs::read_to_string(cards().join(format!("{}.md", game.name))).expect("the card exists");
        let section =
            card.split("\n## Local view").nth(1).unwrap_or_else(|| panic!("{}: no '## Local view'", game.name));
        let section = section.split("\n## ").next().unwrap_or_default();
        let size = format!("{0} x {0} tiles", game.local_view);
        assert!(section.contains(&size), "{}: the local view section does not say '{size}'", game.name);
        let picture = format!("{}-local.png", game.name);
        assert!(section.contains(&format!("({picture})")), "{}: the section shows no {picture}", game.name);
        assert!(cards().join(&picture).is_file(), "{}: {picture} is missing", game.name);
    }
}

#[test]
fn every_card_shows_the_checked_in_calibration() {
    for game in GAMES {
        let card = std::fs::read_to_string(cards().join(format!("{}.md", game.name))).expect("the card exists");
        let want = calibration::card_section(game, calibration::table());
        assert!(
            card.contains(&want),
            "{}: the card's `## Calibration` section is not the table's; run `ludica calibrate --game {} ... \
             --table envs/calibration.jsonl --cards docs/games` (docs/benchmarks.md). Expected:\n{want}",
            game.name,
            game.name
        );
        assert_eq!(calibration::with_card_section(&card, &want), card, "{}: one calibration section", game.name);
    }
}

#[test]
fn a_card_table_that_skips_or_misnames_an_action_is_caught() {
    let card = "# x\n## Actions\n| id | name | effect |\n|---|---|---|\n| 0 | noop | . |\n| 1-2 | left, right | . |\n## Rules\n";
    assert_eq!(action_table(card).unwrap(), vec![(0, "noop".into()), (1, "left".into()), (2, "right".into())]);
    assert!(action_table("| 0 | noop |").is_err(), "a card without the section");
    let short = "\n## Actions\n| id | name |\n|---|---|\n| 1-3 | left, right |\n";
    assert!(action_table(short).unwrap_err().contains("3 ids for 2 names"));
}

#[test]
fn the_readme_lists_every_game_with_its_action_count_and_card() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).expect("README.md");
    for game in GAMES {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", game.name)))
            .unwrap_or_else(|| panic!("README's games table has no row for {}", game.name));
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(
            cells.get(2),
            Some(&game.actions.len().to_string().as_str()),
            "{}: README's action count",
            game.name
        );
        assert!(row.contains(&format!("(docs/games/{}.md)", game.name)), "{}: README's row links no card", game.name);
    }
}
