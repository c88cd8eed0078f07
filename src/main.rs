//! The `ludica` command line: one subcommand per module under `cli/`, dispatched here.
//! Errors end as one line on stderr (`error: ...`) with exit code 2 for bad input.

#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Procedurally generated game environments for reinforcement learning.
#[derive(Parser)]
#[command(name = "ludica", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the games with their actions and observation shapes.
    Games(cli::games::Args),
    /// Print, export or draw levels, or check a level file.
    Levels(cli::levels::Args),
    /// Measure env steps per second with random actions.
    Bench(cli::bench::Args),
    /// Measure a random policy's return and success and the levels' maximum return, per game and difficulty.
    Calibrate(cli::calibrate::Args),
    /// Play a level in the terminal with the arrow keys.
    Play(cli::play::Args),
    /// Train a PPO agent and write a run directory (metrics, checkpoints).
    Train(Box<cli::train::TrainArgs>),
    /// Evaluate a run's checkpoint on its training levels and on held-out levels.
    Eval(cli::eval::EvalArgs),
    /// Plot learning curves of runs into a PNG.
    Plot(cli::plot::PlotArgs),
    /// Write a named, hashed level suite, or check one against today's generators.
    Suite(cli::suite::SuiteArgs),
    /// Run a grid of training runs from a spec on this machine's devices, or report on one.
    #[command(subcommand)]
    Experiment(cli::experiment::ExperimentCommand),
    /// Record a video (GIF, or MP4 with ffmpeg) of a run's agent playing a few episodes.
    Record(cli::record::RecordArgs),
}

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(err) => return cli::usage_error(err),
    };
    let command = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli.command,
        Err(err) => return cli::usage_error(err),
    };
    let result = match command {
        Command::Games(args) => cli::games::run(args),
        Command::Levels(args) => cli::levels::run(args),
        Command::Bench(args) => cli::bench::run(args),
        Command::Calibrate(args) => cli::calibrate::run(args),
        Command::Play(args) => cli::play::run(args),
        Command::Train(args) => {
            let train = matches.subcommand_matches("train").expect("the train subcommand was parsed");
            cli::train::run((*args).given(train))
        }
        Command::Eval(args) => cli::eval::run(args),
        Command::Plot(args) => cli::plot::run(args),
        Command::Suite(args) => cli::suite::run(args),
        Command::Experiment(command) => cli::experiment::run(command),
        Command::Record(args) => cli::record::run(args),
    };
    cli::finish(result)
}
