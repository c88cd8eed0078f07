//! `ludica levels`: levels of a game as text, JSON lines or a PNG picture (one level, or a
//! grid of several), generated from seeds or read back from a level file and checked.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::bail;
use clap::ValueEnum;
use clap::builder::RangedU64ValueParser;
use ludica_envs::core::engine::view::OBS_SIDE;
use ludica_envs::{AutoReset, GameDef, LevelSpec, ObsKind, Picture, VecEnv, VecEnvConfig, ViewMode, level_picture};
use ludica_procgen::{Difficulty, Level};

use super::output::{emit, refuse_binary_on_terminal, write_file};
use super::{SeedRange, load_levels, parse_game, parse_seed};

/// Most levels one PNG grid may hold.
const MAX_PNG_LEVELS: u64 = 64;
/// Most pixels one PNG may hold (192 MiB of RGB).
const MAX_PNG_PIXELS: usize = 64 << 20;
/// Colour between the levels of a grid.
const GRID_BACKGROUND: [u8; 3] = [24, 24, 28];

/// Options of `ludica levels`.
#[derive(clap::Args)]
pub struct Args {
    /// Game whose levels to make; `ludica games` lists them.
    #[arg(long, default_value = "maze", value_parser = parse_game)]
    game: &'static GameDef,
    /// Level seed.
    #[arg(long, default_value_t = 0, value_parser = parse_seed, allow_hyphen_values = true, conflicts_with = "seeds")]
    seed: u64,
    /// A range of level seeds A..B, B excluded (e.g. 0..200), instead of one seed [default: none].
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    seeds: Option<SeedRange>,
    /// Difficulty: easy, medium, hard or a number in [0, 1].
    #[arg(long, default_value = "easy", allow_negative_numbers = true)]
    difficulty: Difficulty,
    /// Output format: ascii (text), json (one level per line) or png (a picture).
    #[arg(long, value_enum, default_value_t = Format::Ascii)]
    format: Format,
    /// File to write (whole or not at all) [default: stdout; png refuses a terminal].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Pixels per tile in PNG pictures, 1 to 32.
    #[arg(long, default_value_t = 8, value_parser = RangedU64ValueParser::<usize>::new().range(1..=32))]
    scale: usize,
    /// Levels per row of a PNG grid, 1 to 64 [default: about the square root of the level count].
    #[arg(long, value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_PNG_LEVELS))]
    columns: Option<usize>,
    /// What PNG pictures show: full (the whole level) or local (the agent's first local-view
    /// frame, a window centred on it, scaled so that a tile is about --scale pixels).
    #[arg(long, default_value_t = ViewMode::Full)]
    view: ViewMode,
    /// Read levels from a JSON-lines file (as --format json writes) instead of generating them;
    /// each line is checked against its game and a bad one is reported by line number [default: none].
    #[arg(long, value_name = "FILE", conflicts_with_all = ["game", "seed", "seeds", "difficulty"])]
    load: Option<PathBuf>,
}

/// How levels are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A header line and the grid as characters, per level.
    Ascii,
    /// One level per line, loadable with --load.
    Json,
    /// A picture: the level, or a grid of levels.
    Png,
}

/// Writes the chosen levels in the chosen format.
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = args.out.as_deref();
    if args.format == Format::Png {
        refuse_binary_on_terminal(out, "PNG")?;
    } else if args.view == ViewMode::Local {
        bail!("--view local draws pictures: use it with --format png");
    }
    let loaded = match &args.load {
        Some(path) => {
            let levels = load_levels(path)?;
            eprintln!("checked {} level(s) from '{}': all playable", levels.len(), path.display());
            Some(levels)
        }
        None => None,
    };
    let seeds: Box<dyn Iterator<Item = u64>> = match args.seeds {
        Some(SeedRange { start, end }) => Box::new(start..end),
        None => Box::new(std::iter::once(args.seed)),
    };
    if args.format == Format::Png {
        let count = loaded.as_ref().map_or(args.seeds.map_or(1, |r| r.len()), |l| l.len() as u64);
        if count > MAX_PNG_LEVELS {
            bail!(
                "{count} levels do not fit one PNG: at most {MAX_PNG_LEVELS} are allowed; use --format json for more"
            );
        }
    }
    let (game, difficulty) = (args.game, args.difficulty);
    let mut levels: Box<dyn Iterator<Item = (&'static GameDef, Level)>> = match loaded {
        Some(levels) => Box::new(levels.into_iter()),
        None => Box::new(seeds.map(move |seed| (game, game.level(seed, difficulty)))),
    };
    match args.format {
        Format::Ascii => emit(out, |w| write_ascii(w, levels)),
        Format::Json => emit(out, |w| levels.try_for_each(|(_, l)| writeln!(w, "{}", l.to_json()))),
        Format::Png => {
            let levels: Vec<_> = levels.collect();
            let png = ludica_agents::plot::png_bytes(&picture(&levels, args.scale, args.columns, args.view)?)?;
            match out {
                Some(path) => Ok(write_file(path, &png)?),
                None => emit(None, |w| w.write_all(&png)),
            }
        }
    }
}

fn write_ascii(w: &mut dyn Write, levels: impl Iterator<Item = (&'static GameDef, Level)>) -> io::Result<()> {
    for (n, (_, level)) in levels.enumerate() {
        if n > 0 {
            writeln!(w)?;
        }
        writeln!(w, "{}", level.describe())?;
        w.write_all(level.to_ascii().as_bytes())?;
    }
    Ok(())
}

/// One level drawn alone, or several in a grid of `columns` (about square by default) with
/// one tile of gap; refused if it would exceed [`MAX_PNG_PIXELS`]. In the local view, each
/// level is its first local frame, scaled up to about `scale` pixels a tile.
fn picture(
    levels: &[(&'static GameDef, Level)],
    scale: usize,
    columns: Option<usize>,
    view: ViewMode,
) -> anyhow::Result<Picture> {
    let count = levels.len();
    let columns = columns.unwrap_or_else(|| (count as f64).sqrt().ceil() as usize).clamp(1, count.max(1));
    let rows = count.div_ceil(columns);
    let gap = if count > 1 { scale } else { 0 };
    let frame_scale = |game: &GameDef| (scale * game.local_view / OBS_SIDE).max(1);
    let (cell_w, cell_h) = match view {
        ViewMode::Full => (
            levels.iter().map(|(_, l)| l.width).max().unwrap_or(0) * scale,
            levels.iter().map(|(_, l)| l.height).max().unwrap_or(0) * scale,
        ),
        ViewMode::Local => {
            let side = levels.iter().map(|(g, _)| OBS_SIDE * frame_scale(g)).max().unwrap_or(0);
            (side, side)
        }
    };
    let (width, height) = (columns * cell_w + (columns + 1) * gap, rows * cell_h + (rows + 1) * gap);
    if width.saturating_mul(height) > MAX_PNG_PIXELS {
        bail!(
            "a {width}x{height} picture is too large: at most {MAX_PNG_PIXELS} pixels are allowed; \
             lower --scale or draw fewer levels"
        );
    }
    let pictures: Vec<Picture> = match view {
        ViewMode::Full => levels.iter().map(|(game, level)| level_picture(game, level, scale)).collect(),
        ViewMode::Local => levels
            .iter()
            .map(|(game, level)| Ok(local_frame(game, level)?.upscale(frame_scale(game))))
            .collect::<anyhow::Result<_>>()?,
    };
    Ok(match pictures.as_slice() {
        [one] => one.clone(),
        _ => Picture::grid(&pictures, columns, gap, GRID_BACKGROUND),
    })
}

/// The first frame of an episode on `level` in the local view.
fn local_frame(game: &GameDef, level: &Level) -> anyhow::Result<Picture> {
    let mut env = VecEnv::new(VecEnvConfig {
        game: game.name.into(),
        num_envs: 1,
        obs: ObsKind::Symbolic,
        levels: LevelSpec { difficulty: level.difficulty, ..LevelSpec::default() },
        view: ViewMode::Local,
        autoreset: AutoReset::NextStep,
        ..VecEnvConfig::default()
    })?;
    env.reset_env_to_level(0, level.clone())?;
    Ok(env.render(0)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ludica_envs::games::maze;

    fn mazes(seeds: std::ops::Range<u64>) -> Vec<(&'static GameDef, Level)> {
        seeds.map(|s| (&maze::GAME, maze::GAME.level(s, Difficulty::EASY))).collect()
    }

    #[test]
    fn one_level_is_drawn_alone_at_scale() {
        let levels = mazes(3..4);
        let pic = picture(&levels, 4, None, ViewMode::Full).unwrap();
        assert_eq!(pic, level_picture(&maze::GAME, &levels[0].1, 4));
    }

    #[test]
    fn several_levels_form_a_near_square_grid() {
        let levels = mazes(0..5);
        let side = levels.iter().map(|(_, l)| l.width.max(l.height)).max().unwrap() * 2;
        let pic = picture(&levels, 2, None, ViewMode::Full).unwrap();
        assert_eq!((pic.width, pic.height), (3 * side + 4 * 2, 2 * side + 3 * 2), "3 columns, 2 rows");
        let wide = picture(&levels, 2, Some(5), ViewMode::Full).unwrap();
        assert_eq!(wide.height, side + 2 * 2);
    }

    #[test]
    fn oversized_pictures_are_refused_before_drawing() {
        let mut huge = Level::filled("maze", 0, Difficulty::EASY, 1024, 1024, ludica_procgen::Tile::Wall);
        huge.spawns.clear();
        let err = picture(&[(&maze::GAME, huge)], 32, None, ViewMode::Full).unwrap_err().to_string();
        assert!(err.contains("32768x32768") && err.contains("--scale"), "{err}");
    }

    #[test]
    fn local_pictures_are_first_local_frames_scaled_up() {
        let levels = mazes(3..5);
        let pic = picture(&levels[..1], 16, None, ViewMode::Local).unwrap();
        assert_eq!((pic.width, pic.height), (128, 128), "a tile of the 8-tile window is 16 pixels");
        assert_eq!(pic, local_frame(&maze::GAME, &levels[0].1).unwrap().upscale(2));
        assert_ne!(pic, picture(&levels[1..], 16, None, ViewMode::Local).unwrap());
    }
}
