//! The registry: every game, one line each. Adding a game is a file plus a line here.

use crate::game::GameDef;
use crate::vec_env::VecEnvError;

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

/// The game called `name`, or an error listing the available ones.
pub fn find(name: &str) -> Result<&'static GameDef, VecEnvError> {
    GAMES.iter().copied().find(|g| g.name == name).ok_or_else(|| VecEnvError::UnknownGame {
        name: name.to_string(),
        available: GAMES.iter().map(|g| g.name).collect::<Vec<_>>().join(", "),
    })
}
