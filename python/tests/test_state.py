"""save_state/load_state from Python, close() and pickling: what works and the clear
errors for what does not."""

from __future__ import annotations

import copy
import pickle

import gymnasium as gym
import numpy as np
import pytest

import ludica
from conftest import action, num_actions


def play(env, actions):
    return [env.step(a)[:4] for a in actions]


def test_single_env_load_state_replays_the_same_future():
    env = gym.make("ludica/Maze-v0", obs="rgb", num_levels=20).unwrapped
    env.reset(seed=3)
    for a in (1, 2, 3):
        env.step(a)
    state = env.save_state()
    assert state.game == "maze" and state.steps == 3 and not state.episode_over
    assert copy.deepcopy(state) is state, "snapshots are immutable"
    actions = np.random.default_rng(0).integers(0, num_actions("maze"), 40)
    first = play(env, actions)
    obs = env.load_state(state)
    assert obs.shape == (64, 64, 3)
    second = play(env, actions)
    for (o1, *r1), (o2, *r2) in zip(first, second, strict=True):
        assert (o1 == o2).all() and r1 == r2


def test_vector_env_state_moves_between_envs_and_an_ended_episode_needs_a_reset():
    envs = ludica.make_vec("maze", 3, obs="symbolic", difficulty=0.0)
    envs.reset(seed=1)
    state = envs.save_state(0)
    obs = envs.load_state(2, state)
    assert (obs == envs.load_state(1, state)).all()
    steps = envs.step(np.full(3, action("maze", "down")))
    assert (steps[0][1] == steps[0][2]).all() and (steps[0][0] == steps[0][1]).all()

    env = ludica.LudicaEnv("maze", difficulty=0.0)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    while True:
        *_, term, trunc, _ = env.step(int(rng.integers(0, num_actions("maze"))))
        if term or trunc:
            break
    over = env.save_state()
    assert over.episode_over
    with pytest.raises(gym.error.ResetNeeded):
        env.step(action("maze", "noop"))
    env.reset()
    env.step(action("maze", "noop"))
    env.load_state(over)
    with pytest.raises(gym.error.ResetNeeded, match="call reset"):
        env.step(action("maze", "noop"))


def test_close_is_idempotent_and_later_calls_raise_value_error():
    envs = ludica.make_vec("maze", 2)
    envs.reset(seed=0)
    envs.close()
    envs.close()
    assert envs.closed
    for call in (lambda: envs.step(np.zeros(2, np.int64)), lambda: envs.reset(), lambda: envs.save_state(0)):
        with pytest.raises(ValueError, match="closed"):
            call()
    env = gym.make("ludica/Maze-v0")
    env.reset(seed=0)
    env.close()
    env.close()
    with pytest.raises(ValueError, match="closed ludica env"):
        env.unwrapped.step(action("maze", "noop"))


def test_pickling_says_why_not():
    for obj in (ludica.make_vec("maze", 2), ludica.LudicaEnv("maze"), gym.make("ludica/Maze-v0")):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(obj)
    env = ludica.LudicaEnv("maze")
    env.reset(seed=0)
    with pytest.raises(TypeError, match="EnvState cannot be pickled"):
        pickle.dumps(env.save_state())
    with pytest.raises(TypeError, match="takes an EnvState"):
        env.load_state("not a state")
