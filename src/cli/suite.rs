//! `ludica suite`: writes a named, frozen level suite (a game's seeds at a difficulty, or the
//! levels of a file) with the SHA-256 of its levels, or checks a suite file against today's
//! generators.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use ludica_agents::eval::read_levels_file;
use ludica_agents::suite::Suite;
use ludica_envs::GameDef;
use ludica_procgen::Difficulty;

use super::{SeedRange, parse_game};

/// Options of `ludica suite`.
#[derive(Args)]
pub struct SuiteArgs {
    /// Name of the suite to write.
    #[arg(long, required_unless_present = "check")]
    pub name: Option<String>,
    /// Game of a seed suite; `ludica games` lists them.
    #[arg(long, default_value = "maze", value_parser = parse_game)]
    pub game: &'static GameDef,
    /// Seeds of the suite, A..B (B excluded, at most 1000000 seeds).
    #[arg(long, value_name = "A..B", required_unless_present_any = ["levels", "check"])]
    pub seeds: Option<SeedRange>,
    /// Difficulty of a seed suite: easy, medium, hard or a number in [0, 1].
    #[arg(long, default_value = "easy", allow_negative_numbers = true)]
    pub difficulty: Difficulty,
    /// The levels of a file (from `ludica levels --format json`) instead of seeds; they are
    /// kept in the suite.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["seeds", "game", "difficulty"])]
    pub levels: Option<PathBuf>,
    /// The suite file to write (JSON).
    #[arg(long, value_name = "FILE", required_unless_present = "check")]
    pub out: Option<PathBuf>,
    /// Check this suite file against today's generators instead of writing one (exit 1 when
    /// its levels changed).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "seeds", "levels", "out"])]
    pub check: Option<PathBuf>,
}

/// Runs `ludica suite`.
pub fn run(args: SuiteArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.check {
        let check = Suite::read(path)?.check()?;
        println!("{}", check.line());
        if check.recorded != check.now {
            return Err(super::fault(anyhow::anyhow!("the levels of suite {} changed", path.display())));
        }
        return Ok(());
    }
    let name = args.name.as_deref().context("--name is required")?;
    let out = args.out.as_deref().context("--out FILE is required")?;
    let suite = match (&args.levels, args.seeds) {
        (Some(file), _) => Suite::from_levels(name, read_levels_file(file)?)?,
        (None, Some(seeds)) => Suite::seeds(name, args.game.name, args.difficulty, seeds.start, seeds.len(), u64::MAX)?,
        (None, None) => bail!("give --seeds A..B or --levels FILE"),
    };
    suite.write(out)?;
    println!(
        "wrote suite {name} to {}: {}, {} levels, sha256 {}",
        out.display(),
        suite.describe(),
        suite.hashed_levels,
        suite.sha256
    );
    Ok(())
}
