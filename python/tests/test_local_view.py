"""The ``view="local"`` keyword: a window centred on the agent, with the shapes of the full
view, for single and vector envs; a bad value is refused by name."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import ludica
from conftest import GAMES


@pytest.mark.parametrize("game", GAMES)
def test_local_keeps_shapes_and_shows_less(game):
    info = next(g for g in ludica.games() if g["name"] == game)
    assert info["local_view_tiles"] > 0 and 64 % info["local_view_tiles"] == 0
    for obs in ("rgb", "symbolic"):
        full, local = (gym.make(ludica.env_id(game), obs=obs, view=v, num_levels=5) for v in ("full", "local"))
        assert local.unwrapped.view == "local" and local.observation_space == full.observation_space
        (a, _), (b, _) = full.reset(seed=2), local.reset(seed=2)
        assert a.shape == b.shape and not np.array_equal(a, b), f"{game} {obs}: local looks like full"
        full.close()
        local.close()


def test_the_vector_env_takes_the_local_view_and_matches_single_envs():
    envs = ludica.make_vec("maze", 3, view="local", obs="symbolic", num_levels=4)
    obs, info = envs.reset(seed=1)
    assert envs.view == "local" and obs.shape == (3, *envs.single_observation_space.shape)
    single = gym.make("ludica/Maze-v0", view="local", obs="symbolic")
    first, _ = single.reset(options={"level_seed": int(info["level_seed"][0])})
    assert np.array_equal(first, obs[0]), "one env and a vector env see the same window"
    envs.close()
    single.close()


@pytest.mark.parametrize("make", [lambda **kw: gym.make("ludica/Maze-v0", **kw), lambda **kw: ludica.make_vec("maze", 2, **kw)])
def test_a_bad_view_is_refused_by_name(make):
    with pytest.raises(ValueError, match="view 'partial' is not allowed: use one of full, local"):
        make(view="partial")
    with pytest.raises(TypeError, match="view must be one of full, local, got 1"):
        make(view=1)
