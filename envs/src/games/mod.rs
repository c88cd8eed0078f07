//! The registry: every game, one line each. Adding a game is a file plus a line here.

use crate::core::engine::game::GameDef;

pub mod bigfish;
pub mod chaser;
pub mod climber;
pub mod dodgeball;
pub mod heist;
pub mod maze;
pub mod miner;
pub mod runner;
pub mod starpilot;

/// All games, in the order `ludica games` lists them.
pub const GAMES: &[&GameDef] = &[
    &maze::GAME,
    &runner::GAME,
    &bigfish::GAME,
    &starpilot::GAME,
    &chaser::GAME,
    &heist::GAME,
    &dodgeball::GAME,
    &miner::GAME,
    &climber::GAME,
];

/// A game name the registry does not hold.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("unknown game '{name}': available games are {available}")]
pub struct UnknownGame {
    /// The name asked for.
    pub name: String,
    /// The registered names.
    pub available: String,
}

/// The game called `name`, or an error listing the available ones.
pub fn find(name: &str) -> Result<&'static GameDef, UnknownGame> {
    GAMES.iter().copied().find(|g| g.name == name).ok_or_else(|| UnknownGame {
        name: name.to_string(),
        available: GAMES.iter().map(|g| g.name).collect::<Vec<_>>().join(", "),
    })
}
