"""Levels from Python: generate_level's dict, playing a chosen level by seed or by dict,
edited levels, and the errors for levels an env cannot play."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import ludica
from conftest import GAMES


@pytest.mark.parametrize("game", GAMES)
def test_generate_level_returns_plain_data_and_a_grid(game):
    level = ludica.generate_level(game, seed=7, difficulty=0.3)
    assert level["game"] == game and level["seed"] == 7 and level["difficulty"] == pytest.approx(0.3)
    grid = level["grid"]
    assert grid.dtype == np.uint8 and grid.shape == (level["height"], level["width"]) == (
        len(level["rows"]),
        len(level["rows"][0]),
    )
    assert ["".join(ludica.TILE_CHARS[t] for t in row) for row in grid] == level["rows"]
    assert level["spawns"] and all({"kind", "x", "y"} <= set(s) for s in level["spawns"])
    assert (
        level == {**ludica.generate_level(game, 7, 0.3), "grid": grid}
        and (ludica.generate_level(game, 7, 0.3)["grid"] == grid).all()
    )
    assert (
        ludica.generate_level(game, 8, 0.3)["rows"] != level["rows"]
        or ludica.generate_level(game, 9, 0.3)["rows"] != level["rows"]
    )
    picture = ludica.level_picture(level, px_per_tile=4)
    assert picture.shape == (level["height"] * 4, level["width"] * 4, 3) and picture.dtype == np.uint8


def test_level_seed_option_plays_that_level_in_single_and_vector_envs():
    env = gym.make("ludica/Maze-v0", difficulty="hard", num_levels=10)
    obs, info = env.reset(seed=0, options={"level_seed": 123456})
    assert info["level_seed"] == 123456
    assert env.unwrapped.level()["rows"] == ludica.generate_level("maze", 123456, "hard")["rows"]
    envs = ludica.make_vec("maze", 3, difficulty="hard")
    vobs, vinfo = envs.reset(seed=0, options={"level_seed": 123456})
    assert (vinfo["level_seed"] == 123456).all() and (vobs == obs).all()
    _, vinfo = envs.reset(options={"level_seed": [5, 6, 7]})
    assert vinfo["level_seed"].tolist() == [5, 6, 7]
    assert [envs.level(i)["seed"] for i in range(3)] == [5, 6, 7]


def test_a_level_dict_plays_as_generated_and_as_edited():
    level = ludica.generate_level("maze", seed=42, difficulty="medium")
    env = ludica.LudicaEnv("maze", obs="symbolic", difficulty="medium")
    by_seed, _ = env.reset(seed=0, options={"level_seed": 42})
    by_dict, info = env.reset(options={"level": level})
    assert info["level_seed"] == 42 and (by_seed == by_dict).all()
    # Open an inner wall (a maze stays solvable): the edited grid is what plays.
    edited = dict(level, grid=level["grid"].copy())
    inner = edited["grid"][1:-1, 1:-1]
    walls = np.argwhere(inner == 1) + 1
    y, x = walls[len(walls) // 2]
    edited["grid"][y, x] = 0
    obs, info = env.reset(options={"level": edited})
    assert info["level_seed"] == 42 and env.level()["grid"][y, x] == 0
    assert env.level()["rows"][y][x] == ludica.TILE_CHARS[0] and not (obs == by_dict).all()
    levels = [ludica.generate_level("maze", s, "medium") for s in (1, 2)]
    envs = ludica.make_vec("maze", 2, obs="symbolic", difficulty="medium")
    _, info = envs.reset(options={"level": levels})
    assert info["level_seed"].tolist() == [1, 2]


def test_unplayable_or_malformed_levels_are_refused_with_the_reason():
    env = ludica.LudicaEnv("maze")
    level = ludica.generate_level("maze", 3)
    checked = ludica.check_level(level)
    assert checked["rows"] == level["rows"] and (checked["grid"] == level["grid"]).all()
    walled = dict(level, grid=np.ones_like(level["grid"]))
    with pytest.raises(ValueError, match="level seed 3 is not playable: maze agent stands in a wall"):
        ludica.check_level(walled)
    with pytest.raises(ValueError, match="not playable"):
        env.reset(options={"level": walled})
    with pytest.raises(ValueError, match="tile id 9"):
        env.reset(options={"level": dict(level, grid=np.full_like(level["grid"], 9))})
    with pytest.raises(ValueError, match="lacks 'spawns'"):
        env.reset(options={"level": {k: v for k, v in level.items() if k != "spawns"}})
    with pytest.raises(ValueError, match="unknown tile 'x'"):
        env.reset(
            options={
                "level": {k: v for k, v in level.items() if k != "grid"}
                | {"rows": ["x" * level["width"]] * level["height"]}
            }
        )
    with pytest.raises(TypeError, match="must be a dict"):
        env.reset(options={"level": "maze 3"})
    with pytest.raises(ValueError, match="out of range"):
        ludica.generate_level("maze", seed=2**63)
    with pytest.raises(ValueError, match="unknown game 'mase'"):
        ludica.generate_level("mase", seed=1)
    with pytest.raises(ValueError, match="difficulty '1.5'"):
        ludica.generate_level("maze", seed=1, difficulty=1.5)


def test_a_refused_level_option_changes_no_env():
    envs = ludica.make_vec("maze", 2, obs="symbolic")
    envs.reset(seed=4)
    before = [envs.level(i)["seed"] for i in range(2)]
    good = ludica.generate_level("maze", 11)
    walled = dict(good, grid=np.ones_like(good["grid"]))
    with pytest.raises(ValueError, match="not playable"):
        envs.reset(options={"level": [good, walled]})
    with pytest.raises(ValueError, match="level_seed 9223372036854775808 is out of range"):
        envs.reset(options={"level_seed": [3, 2**63]})
    assert [envs.level(i)["seed"] for i in range(2)] == before
