"""Every registered game passes Gymnasium's env checker with warnings as errors, under every
observation kind, render mode and view, and is registered under its ``ludica/<Name>-v0`` id."""

from __future__ import annotations

import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import ludica
from conftest import GAMES


def test_every_game_of_the_rust_registry_is_registered():
    ids = {g["id"] for g in ludica.games()}
    assert ids and ids <= set(gym.registry), ids
    assert ludica.env_id("maze") == "ludica/Maze-v0"
    assert ludica.env_id("coin_run") == "ludica/CoinRun-v0"
    for g in ludica.games():
        spec = gym.spec(g["id"])
        assert spec.kwargs == {"game": g["name"]} and spec.nondeterministic is False
        assert spec.vector_entry_point == "ludica.vector:LudicaVectorEnv"


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("obs", ["rgb", "symbolic"])
@pytest.mark.parametrize("render_mode", [None, "rgb_array"])
def test_check_env_passes_without_warnings(game, obs, render_mode):
    env = gym.make(ludica.env_id(game), obs=obs, render_mode=render_mode, num_levels=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
        # gymnasium.make's own wrappers (passive checker, order enforcing) stay quiet too.
        env.reset(seed=0)
        env.step(env.action_space.sample())
    env.close()


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("obs", ["rgb", "symbolic"])
def test_check_env_passes_in_the_local_view(game, obs):
    env = gym.make(ludica.env_id(game), obs=obs, view="local", render_mode="rgb_array", num_levels=50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()


def test_the_module_prefix_form_imports_ludica():
    env = gym.make("ludica:ludica/Maze-v0")
    obs, info = env.reset(seed=3)
    assert obs in env.observation_space and isinstance(info["level_seed"], int)
    env.close()


def test_rgb_array_render_is_the_frame_the_agent_sees():
    env = gym.make("ludica/Maze-v0", render_mode="rgb_array")
    obs, _ = env.reset(seed=5)
    frame = env.render()
    assert frame.dtype.name == "uint8" and frame.shape == (64, 64, 3)
    assert (frame == obs).all()
    big = gym.make("ludica/Maze-v0", render_mode="rgb_array", render_scale=4, obs="symbolic")
    big.reset(seed=5)
    scaled = big.render()
    assert scaled.shape == (256, 256, 3) and (scaled[::4, ::4] == obs).all()


def test_spaces_describe_the_observations():
    for g in ludica.games():
        for kind, shape in g["obs_shapes"].items():
            env = ludica.LudicaEnv(g["name"], obs=kind)
            assert env.observation_space.shape == tuple(shape)
            assert env.observation_space.dtype.name == "uint8"
            assert env.action_space.n == len(g["actions"]) == len(env.action_names)
