//! The game registry and levels as Python sees them: game descriptions, generating a level
//! (JSON plus a grid of tile ids), checking a level someone edited, and drawing one.

use ludica_envs::calibration;
use ludica_envs::games::{GAMES, find};
use ludica_envs::{GameDef, ObsKind, level_picture as draw_level};
use ludica_procgen::{Level, Tile};
use numpy::{PyArray2, PyArray3, PyArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert::{difficulty, env_error, level_seed};

/// Every registered game as a dict: name, summary, action names, max_steps, success_reward,
/// the observation shape of each kind, the side of the `local` view's window in tiles, and
/// its calibration per difficulty name (a random policy's and the maximum return, the ends of
/// a normalized score).
#[pyfunction]
pub fn games(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for game in GAMES {
        let shapes = PyDict::new(py);
        for kind in [ObsKind::Rgb, ObsKind::Symbolic] {
            shapes.set_item(kind.to_string(), game.obs_shape(kind))?;
        }
        let d = PyDict::new(py);
        d.set_item("name", game.name)?;
        d.set_item("summary", game.summary)?;
        d.set_item("actions", game.actions.to_vec())?;
        d.set_item("max_steps", game.max_steps)?;
        d.set_item("success_reward", game.success_reward)?;
        d.set_item("obs_shapes", shapes)?;
        d.set_item("local_view_tiles", game.local_view)?;
        let calibrated = PyDict::new(py);
        for c in calibration::of_game(game.name) {
            let row = PyDict::new(py);
            row.set_item("random", c.random_return)?;
            row.set_item("max", c.max_return)?;
            row.set_item("random_success", c.random_success)?;
            row.set_item("max_source", c.max_source.to_string())?;
            row.set_item("episodes", c.episodes)?;
            calibrated.set_item(c.difficulty.to_string(), row)?;
        }
        d.set_item("calibration", calibrated)?;
        list.append(d)?;
    }
    Ok(list)
}

/// The characters of the tiles in level rows, in tile-id order (the id of a tile is its
/// index in this string; it is also its id in symbolic observations).
#[pyfunction]
pub fn tile_chars() -> String {
    Tile::ALL.iter().map(|t| t.to_char()).collect()
}

fn game(name: &str) -> PyResult<&'static GameDef> {
    find(name).map_err(|e| env_error(e.into()))
}

/// The grid of tile ids of `level`, `[height, width]`.
pub fn grid<'py>(py: Python<'py>, level: &Level) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let rows: Vec<Vec<u8>> = level.tiles.chunks(level.width).map(|r| r.iter().map(|&t| t as u8).collect()).collect();
    PyArray2::from_vec2(py, &rows).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// The level of `game` at `seed` and `difficulty`, as its JSON file form and its grid of
/// tile ids.
#[pyfunction]
pub fn generate_level<'py>(
    py: Python<'py>,
    game_name: &str,
    seed: u64,
    difficulty_value: &Bound<'py, PyAny>,
) -> PyResult<(String, Bound<'py, PyArray2<u8>>)> {
    let game = game(game_name)?;
    let seed = level_seed("level seed", seed)?;
    let level = game.level(seed, difficulty(difficulty_value)?);
    Ok((level.to_json(), grid(py, &level)?))
}

/// Parses `json` as a level of `game` and checks it keeps the game's guarantees; returns
/// the level's JSON and grid (as `generate_level`), or a ValueError naming the problem.
#[pyfunction]
pub fn check_level<'py>(py: Python<'py>, game_name: &str, json: &str) -> PyResult<(String, Bound<'py, PyArray2<u8>>)> {
    let level = parse_level(game(game_name)?, json)?;
    Ok((level.to_json(), grid(py, &level)?))
}

/// `json` as a level `game` can play.
pub fn parse_level(game: &GameDef, json: &str) -> PyResult<Level> {
    let level = Level::from_json(json).map_err(|e| PyValueError::new_err(format!("bad level: {e}")))?;
    game.accept(&level).map_err(PyValueError::new_err)?;
    level_seed("level seed", level.seed)?;
    Ok(level)
}

/// A picture of a whole level (JSON), `px_per_tile` pixels a tile, `[height, width, 3]`.
#[pyfunction]
pub fn level_picture<'py>(
    py: Python<'py>,
    game_name: &str,
    json: &str,
    px_per_tile: usize,
) -> PyResult<Bound<'py, PyArray3<u8>>> {
    let game = game(game_name)?;
    if !(1..=64).contains(&px_per_tile) {
        return Err(PyValueError::new_err(format!("px_per_tile {px_per_tile} is not allowed: use 1 to 64")));
    }
    let level = parse_level(game, json)?;
    let picture = draw_level(game, &level, px_per_tile);
    picture_array(py, picture)
}

/// A picture as a `[height, width, 3]` uint8 array.
pub fn picture_array(py: Python<'_>, picture: ludica_envs::Picture) -> PyResult<Bound<'_, PyArray3<u8>>> {
    let shape = [picture.height, picture.width, 3];
    numpy::PyArray1::from_vec(py, picture.pixels).reshape(shape)
}
