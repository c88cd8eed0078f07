//! What every subcommand shares: turning errors into one line and an exit code, parsing the
//! arguments several subcommands take (game, seed range), and reading level files.

pub mod bench;
pub mod calibrate;
pub mod eval;
pub mod experiment;
pub mod games;
pub mod levels;
pub mod output;
pub mod play;
pub mod plot;
pub mod record;
pub mod suite;
pub mod train;

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;

use anyhow::{Context, bail};
use clap::error::ErrorKind;
use ludica_agents::output::OutputError;
use ludica_envs::{GameDef, SEED_LIMIT, games as registry};
use ludica_procgen::Level;

/// Exit code for bad input: flags, files or paths the user gave (clap uses it too).
const EXIT_BAD_INPUT: u8 = 2;
/// Exit code for failures that are not the input's fault (the terminal or stdout failed).
const EXIT_FAULT: u8 = 1;

/// Marks an error as not caused by the user's input: it exits with code 1, not 2.
#[derive(Debug)]
pub struct Fault(pub anyhow::Error);

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

impl std::error::Error for Fault {}

/// Wraps an I/O failure of the terminal or stdout as a [`Fault`].
pub fn fault(err: impl Into<anyhow::Error>) -> anyhow::Error {
    anyhow::Error::new(Fault(err.into()))
}

/// Reports a command-line parsing error from clap: help and version print as usual; every
/// other error becomes one line on stderr, with clap's exit code (2).
pub fn usage_error(err: clap::Error) -> ExitCode {
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        // Printing help can only fail if stdout is gone; there is nothing left to tell then.
        let _ = err.print();
        return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(EXIT_BAD_INPUT));
    }
    eprintln!("{}", one_line(&err.render().to_string()));
    ExitCode::from(EXIT_BAD_INPUT)
}

/// Collapses clap's multi-line message into one line, dropping the usage and the pointer
/// to `--help`.
fn one_line(message: &str) -> String {
    let parts: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect();
    let line = parts.join(" ");
    if line.starts_with("error:") { line } else { format!("error: {line}") }
}

/// Ends the program: nothing on success; otherwise `error: <one line>` on stderr and exit
/// code 2 (bad input) or 1 (a [`Fault`]). A closed stdout (`ludica levels ... | head`) is
/// a normal end.
pub fn finish(result: anyhow::Result<()>) -> ExitCode {
    let Err(err) = result else { return ExitCode::SUCCESS };
    if is_broken_pipe(&err) {
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {}", one_message(&err).replace(['\n', '\r'], " "));
    let stopped = err.chain().find_map(|e| match e.downcast_ref::<OutputError>() {
        Some(OutputError::Interrupted { signal, .. }) => u8::try_from(128 + signal).ok(),
        _ => None,
    });
    let code = if err.chain().any(|e| e.is::<Fault>()) { EXIT_FAULT } else { EXIT_BAD_INPUT };
    ExitCode::from(stopped.unwrap_or(code))
}

/// `err` and its causes joined by ": ", each said once: a cause whose text the message
/// already holds (an error that prints its source, as thiserror's `{source}` does) is skipped.
fn one_message(err: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in err.chain() {
        let text = match cause.downcast_ref::<Fault>() {
            Some(fault) => one_message(&fault.0),
            None => cause.to_string(),
        };
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
        if cause.is::<Fault>() {
            break;
        }
    }
    message
}

/// Whether `err` comes from writing to a closed pipe, directly or inside a [`Fault`].
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| match e.downcast_ref::<Fault>() {
        Some(fault) => is_broken_pipe(&fault.0),
        None => e.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe),
    })
}

/// Parses `--game`: a registered game name (the error lists the available ones).
pub fn parse_game(name: &str) -> Result<&'static GameDef, registry::UnknownGame> {
    registry::find(name)
}

/// Parses a seed: a whole number in [0, 2^63), the range of every ludica seed.
pub fn parse_seed(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(seed) if seed < SEED_LIMIT => Ok(seed),
        _ => Err(format!("seed '{text}' is not allowed: use a whole number from 0 to {} (2^63 - 1)", SEED_LIMIT - 1)),
    }
}

/// A range of level seeds `A..B`, `B` excluded, holding at least one seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    /// First seed.
    pub start: u64,
    /// One past the last seed.
    pub end: u64,
}

impl SeedRange {
    /// Most seeds one range may hold.
    pub const MAX_LEN: u64 = 1_000_000;

    /// Number of seeds.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }
}

impl FromStr for SeedRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let allowed = "use A..B with whole numbers A < B <= 2^63 (B excluded), e.g. 0..200";
        let parsed =
            s.split_once("..").and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse().ok()?)));
        let Some((start, end)) = parsed else {
            return Err(format!("seed range '{s}' is not allowed: {allowed}"));
        };
        if start >= end {
            return Err(format!("seed range '{s}' is empty or reversed: {allowed}"));
        }
        if end > SEED_LIMIT {
            return Err(format!("seed range '{s}' goes past the last seed: seeds are below 2^63 = {SEED_LIMIT}"));
        }
        let range = SeedRange { start, end };
        if range.len() > Self::MAX_LEN {
            return Err(format!("seed range '{s}' holds {} seeds: at most {} are allowed", range.len(), Self::MAX_LEN));
        }
        Ok(range)
    }
}

/// The levels of a JSON-lines level file (as `ludica levels --format json` writes), each
/// parsed, matched to its game and checked with [`GameDef::accept`]. A bad line is reported
/// with its number; blank lines are skipped; a file with no level is refused.
pub fn load_levels(path: &Path) -> anyhow::Result<Vec<(&'static GameDef, Level)>> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!("cannot read level file '{}': give a readable UTF-8 JSON-lines file", path.display())
    })?;
    let mut levels = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = || format!("level file '{}' line {}", path.display(), index + 1);
        let level = Level::from_json(line).with_context(at)?;
        let game = registry::find(&level.game).with_context(at)?;
        if let Err(why) = game.accept(&level) {
            bail!("{}: {why}", at());
        }
        levels.push((game, level));
    }
    if levels.is_empty() {
        bail!(
            "level file '{}' holds no levels: expected one JSON level per line, as `ludica levels --format json` writes",
            path.display()
        );
    }
    Ok(levels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_ranges_parse_and_bad_ones_name_the_value() {
        assert_eq!("0..200".parse(), Ok(SeedRange { start: 0, end: 200 }));
        assert_eq!(" 5 .. 6 ".parse::<SeedRange>().map(|r| r.len()), Ok(1));
        for (bad, why) in [("5..5", "empty"), ("9..3", "reversed"), ("x..3", "not allowed"), ("7", "not allowed")] {
            let err = bad.parse::<SeedRange>().unwrap_err();
            assert!(err.contains(&format!("'{bad}'")) && err.contains(why), "{err}");
        }
        assert!("0..1000001".parse::<SeedRange>().unwrap_err().contains("at most 1000000"));
        let last = format!("{}..{}", SEED_LIMIT - 1, SEED_LIMIT);
        assert_eq!(last.parse::<SeedRange>().map(|r| r.len()), Ok(1));
        let past = format!("{}..{}", SEED_LIMIT - 1, SEED_LIMIT + 1);
        assert!(past.parse::<SeedRange>().unwrap_err().contains("past the last seed"));
    }

    #[test]
    fn seeds_have_one_range() {
        assert_eq!(parse_seed("9223372036854775807"), Ok(SEED_LIMIT - 1));
        for bad in ["9223372036854775808", "18446744073709551615", "-1", "x"] {
            let err = parse_seed(bad).unwrap_err();
            assert!(err.contains(&format!("'{bad}'")) && err.contains("9223372036854775807"), "{err}");
        }
    }

    #[test]
    fn causes_are_said_once() {
        let os = || io::Error::from_raw_os_error(2);
        let err = anyhow::Error::new(ludica_agents::AgentError::io("read", Path::new("x"), os()));
        assert_eq!(one_message(&err), "cannot read x: No such file or directory (os error 2)");
        let err = anyhow::Error::new(os()).context("reading y");
        assert_eq!(one_message(&err), "reading y: No such file or directory (os error 2)");
    }

    #[test]
    fn a_closed_pipe_is_recognised_inside_a_fault() {
        let pipe = || io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&fault(pipe())));
        assert!(is_broken_pipe(&anyhow::Error::new(pipe()).context("writing levels")));
        assert!(!is_broken_pipe(&fault(io::Error::from(io::ErrorKind::NotFound))));
    }

    #[test]
    fn clap_messages_collapse_to_one_line() {
        let message = "error: invalid value 'gif' for '--format <FORMAT>'\n  [possible values: ascii, json, png]\n\n\
                       Usage: ludica levels --format <FORMAT>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line(message),
            "error: invalid value 'gif' for '--format <FORMAT>' [possible values: ascii, json, png]"
        );
    }
}
