//! `ludica`: the command line. One module per subcommand under `cli/`; each error is printed
//! as one line and exits with status 1.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cli;

/// Procedurally generated game environments for reinforcement learning.
#[derive(Parser)]
#[command(name = "ludica", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a PPO agent and write a run directory (metrics, checkpoints).
    Train(Box<cli::train::TrainArgs>),
    /// Evaluate a run's checkpoint on its training levels and on held-out levels.
    Eval(cli::eval::EvalArgs),
    /// Plot learning curves of runs into a PNG.
    Plot(cli::plot::PlotArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Train(args) => cli::train::run(*args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Plot(args) => cli::plot::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
