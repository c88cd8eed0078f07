//! `ludica games`: every registered game with its actions, observation shapes and episode
//! length, as a table or as JSON (which adds its calibration: a random policy's and the
//! maximum return per calibrated difficulty, the ends of a normalized score).

use ludica_envs::calibration;
use ludica_envs::games::GAMES;
use ludica_envs::{GameDef, ObsKind};
use serde_json::json;

use super::output::emit;

/// Options of `ludica games`.
#[derive(clap::Args)]
pub struct Args {
    /// Print a JSON array (one object per game) instead of a table [default: table].
    #[arg(long)]
    json: bool,
}

/// Prints the games.
pub fn run(args: Args) -> anyhow::Result<()> {
    let text = if args.json { json_listing() } else { table() };
    emit(None, |out| out.write_all(text.as_bytes()))
}

fn shape(game: &GameDef, obs: ObsKind) -> String {
    format!("{:?}", game.obs_shape(obs))
}

fn table() -> String {
    let header = ["game", "actions", "rgb", "symbolic", "max_steps", "summary"].map(String::from);
    let rows: Vec<[String; 6]> = GAMES
        .iter()
        .map(|g| {
            [
                g.name.to_string(),
                format!("{}: {}", g.actions.len(), g.actions.join(", ")),
                shape(g, ObsKind::Rgb),
                shape(g, ObsKind::Symbolic),
                g.max_steps.to_string(),
                g.summary.to_string(),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(widths).map(|(cell, w)| format!("{cell:<w$}")).collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text
}

fn json_listing() -> String {
    let games: Vec<_> = GAMES
        .iter()
        .map(|g| {
            json!({
                "name": g.name,
                "summary": g.summary,
                "num_actions": g.actions.len(),
                "actions": g.actions,
                "rgb_shape": g.obs_shape(ObsKind::Rgb),
                "symbolic_shape": g.obs_shape(ObsKind::Symbolic),
                "symbolic_scalars": g.scalars.iter().map(|s| s.name()).collect::<Vec<_>>(),
                "max_steps": g.max_steps,
                "local_view_tiles": g.local_view,
                "calibration": calibration::of_game(g.name)
                    .map(|c| (c.difficulty.to_string(), json!({
                        "random": c.random_return,
                        "max": c.max_return,
                        "random_success": c.random_success,
                        "max_source": c.max_source,
                        "episodes": c.episodes,
                    })))
                    .collect::<serde_json::Map<_, _>>(),
            })
        })
        .collect();
    format!("{}\n", serde_json::Value::Array(games))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_game_with_its_shapes() {
        let text = table();
        assert_eq!(text.lines().count(), GAMES.len() + 1);
        let maze = text.lines().find(|l| l.starts_with("maze ")).expect("maze is listed");
        assert!(maze.contains("5: noop, left, right, up, down") && maze.contains("[64, 64, 3]"), "{maze}");
        assert!(maze.contains(&format!("[{}]", ludica_envs::games::maze::GAME.obs_len(ObsKind::Symbolic))), "{maze}");
    }

    #[test]
    fn the_json_listing_parses() {
        let value: serde_json::Value = serde_json::from_str(&json_listing()).unwrap();
        assert_eq!(value.as_array().unwrap().len(), GAMES.len());
        assert!(value.as_array().unwrap().iter().all(|g| g["rgb_shape"] == json!([64, 64, 3])));
        for game in value.as_array().unwrap() {
            let easy = &game["calibration"]["easy"];
            let (random, max) = (easy["random"].as_f64().unwrap(), easy["max"].as_f64().unwrap());
            let published =
                calibration::lookup(game["name"].as_str().unwrap(), ludica_procgen::Difficulty::EASY).unwrap();
            assert_eq!((random, max), (published.random_return, published.max_return), "{game}");
        }
    }
}
