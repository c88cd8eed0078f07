"""ludica: procedurally generated games for reinforcement learning, as Gymnasium 1.x envs.

>>> import gymnasium, ludica
>>> envs = ludica.make_vec("maze", num_envs=8, num_levels=200, difficulty="easy", obs="rgb")
>>> obs, info = envs.reset(seed=0)
>>> obs.shape
(8, 64, 64, 3)
>>> obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
>>> envs.close()
>>> env = gymnasium.make("ludica/Maze-v0", num_levels=200)
>>> obs, info = env.reset(seed=1)

Importing the package registers every game of the Rust registry as ``ludica/<Name>-v0``
(``gymnasium.make("ludica:ludica/Maze-v0")`` imports it for you). See docs/python.md.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode

from ludica import _levels, _native
from ludica._levels import TILE_CHARS
from ludica._native import EnvState
from ludica.curriculum import LevelSampler
from ludica.env import LudicaEnv
from ludica.vector import LudicaVectorEnv

__all__ = [
    "AutoresetMode",
    "EnvState",
    "LevelSampler",
    "LudicaEnv",
    "LudicaVectorEnv",
    "TILE_CHARS",
    "check_level",
    "env_id",
    "games",
    "generate_level",
    "level_picture",
    "make_vec",
]


def games() -> list[dict[str, Any]]:
    """Every game: ``name``, ``summary``, ``actions`` (names in id order), ``max_steps``,
    ``success_reward``, ``obs_shapes`` (per observation kind), its Gymnasium ``id`` and its
    ``calibration``: per difficulty (``"0"``, ``"easy"``, ``"medium"``, ``"hard"``) a dict of
    ``random`` (a uniformly random policy's mean return), ``max`` (the levels' mean maximum
    return), ``random_success``, ``max_source`` and ``episodes``, for normalized scores
    ``(R - random) / (max - random)``."""
    return [dict(g, id=env_id(g["name"])) for g in _native.games()]


def env_id(game: str) -> str:
    """The Gymnasium id of a game: ``"maze"`` -> ``"ludica/Maze-v0"``, ``"coin_run"`` ->
    ``"ludica/CoinRun-v0"``."""
    return "ludica/" + "".join(part.capitalize() for part in game.split("_")) + "-v0"


def make_vec(game: str, num_envs: int = 64, **kwargs: Any) -> LudicaVectorEnv:
    """``num_envs`` envs of ``game`` stepped together in Rust, as a Gymnasium ``VectorEnv``.

    Keyword arguments: ``num_levels``, ``start_level``, ``difficulty``, ``obs``, ``view``,
    ``obs_dtype``, ``sequential``, ``num_threads``, ``autoreset_mode``, ``render_mode``,
    ``render_scale``, ``copy`` (see ``LudicaVectorEnv``). Same as
    ``gymnasium.make_vec(ludica.env_id(game), num_envs, **kwargs)``.
    """
    return LudicaVectorEnv(game, num_envs, **kwargs)


def generate_level(game: str, seed: int, difficulty: str | float = "easy") -> dict[str, Any]:
    """The level of ``game`` at level ``seed`` (in [0, 2**63)) and ``difficulty``, as a dict:
    ``game``, ``seed``, ``difficulty``, ``rows`` (strings of tile characters, ``TILE_CHARS``),
    ``spawns`` (kind, x, y in tiles), ``meta``, ``width``, ``height`` and ``grid`` (a
    ``[height, width]`` uint8 array of tile ids). Play it with ``reset(options={"level": d})``.
    """
    return _levels.generate(game, seed, difficulty)


def check_level(level: dict[str, Any]) -> dict[str, Any]:
    """``level`` checked as its game checks levels from files (shape, tiles, spawns and the
    game's guarantees, such as a path to the goal) and returned in canonical form; a
    ValueError names the first problem."""
    return _levels.check(level)


def level_picture(level: dict[str, Any], px_per_tile: int = 8) -> np.ndarray:
    """A picture of a whole level dict, ``[height * px, width * px, 3]`` uint8."""
    return _levels.picture(level, px_per_tile)


def _register() -> None:
    for game in _native.games():
        gid = env_id(game["name"])
        if gid not in gymnasium.registry:
            gymnasium.register(
                id=gid,
                entry_point="ludica.env:LudicaEnv",
                vector_entry_point="ludica.vector:LudicaVectorEnv",
                kwargs={"game": game["name"]},
                nondeterministic=False,
            )


_register()
