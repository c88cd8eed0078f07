"""Same seed and actions, same bytes: across runs, thread counts and ``copy`` modes, for
vector and single envs, and between a single env and env 0 of a vector env."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import ludica
from conftest import GAMES, assert_same, num_actions


def rollout(envs, seed, steps, actions_seed=7):
    rng = np.random.default_rng(actions_seed)
    obs, info = envs.reset(seed=seed)
    out = [(obs.copy(), info)]  # with copy=False the next step overwrites obs
    for _ in range(steps):
        result = envs.step(rng.integers(0, envs.single_action_space.n, envs.num_envs))
        out.append(tuple(np.copy(x) if isinstance(x, np.ndarray) else x for x in result))
    return out


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("obs", ["rgb", "symbolic"])
def test_vector_env_replays_on_any_thread_count(game, obs):
    kw = {"num_levels": 30, "difficulty": 0.1, "obs": obs}
    first = rollout(ludica.make_vec(game, 7, num_threads=1, **kw), seed=4, steps=150)
    assert_same(first, rollout(ludica.make_vec(game, 7, num_threads=3, **kw), seed=4, steps=150))
    assert_same(first, rollout(ludica.make_vec(game, 7, num_threads=2, copy=False, **kw), seed=4, steps=150))
    other = rollout(ludica.make_vec(game, 7, num_threads=1, **kw), seed=5, steps=150)
    assert not np.array_equal(first[0][0], other[0][0]), "another seed plays other levels"


def test_reset_with_the_same_seed_replays_and_without_continues_the_stream():
    envs = ludica.make_vec("maze", 4, obs="symbolic")
    a = rollout(envs, seed=11, steps=20)
    b = rollout(envs, seed=11, steps=20)
    assert_same(a, b)
    first_levels = a[0][1]["level_seed"]
    _, info = envs.reset()
    assert not np.array_equal(info["level_seed"], first_levels), "an unseeded reset moves on to new levels"


def test_an_unseeded_first_reset_draws_its_seed_from_gymnasiums_rng():
    levels = {tuple(ludica.make_vec("maze", 2).reset()[1]["level_seed"]) for _ in range(3)}
    assert len(levels) == 3, "unseeded envs should not all play the same levels"


@pytest.mark.parametrize("game", GAMES)
def test_single_env_reset_seed_is_reproducible_and_matches_env_0_of_a_vector_env(game):
    env = gym.make(ludica.env_id(game), obs="rgb", num_levels=0)
    envs = ludica.make_vec(game, 3, obs="rgb")
    obs, info = env.reset(seed=21)
    vobs, vinfo = envs.reset(seed=21)
    assert info["level_seed"] == vinfo["level_seed"][0]
    assert (obs == vobs[0]).all()
    rng = np.random.default_rng(0)
    for _ in range(30):
        a = rng.integers(0, env.action_space.n, 3)
        obs, r, term, trunc, _ = env.step(a[0])
        vobs, vr, vterm, vtrunc, _ = envs.step(a)
        assert (obs == vobs[0]).all() and r == vr[0] and term == vterm[0] and trunc == vtrunc[0]
        if term or trunc:
            break
    again, info2 = env.reset(seed=21)
    assert info2 == info and (again == env.reset(seed=21)[0]).all()


def test_levels_come_from_the_configured_range():
    envs = ludica.make_vec("maze", 16, num_levels=5, start_level=1000, difficulty=0.0, obs="symbolic")
    _, info = envs.reset(seed=0)
    seen = set(info["level_seed"].tolist())
    rng = np.random.default_rng(0)
    for _ in range(300):
        _, _, _, _, info = envs.step(rng.integers(0, num_actions("maze"), 16))
        seen |= set(info["level_seed"].tolist())
    assert seen == set(range(1000, 1005))
