"""save_state/load_state from Python, snapshot bytes (pickle, another process), close() and
pickling: what works and the clear errors for what does not."""

from __future__ import annotations

import copy
import multiprocessing
import pickle

import gymnasium as gym
import numpy as np
import pytest

import ludica
from conftest import GAMES, action, assert_same, num_actions


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


def test_envs_do_not_pickle_and_say_why():
    for obj in (ludica.make_vec("maze", 2), ludica.LudicaEnv("maze"), gym.make("ludica/Maze-v0")):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(obj)
    env = ludica.LudicaEnv("maze")
    env.reset(seed=0)
    with pytest.raises(TypeError, match="takes an EnvState"):
        env.load_state("not a state")


def _played(game: str, steps: int) -> ludica.LudicaVectorEnv:
    envs = ludica.make_vec(game, 2, obs="symbolic", num_levels=50)
    envs.reset(seed=5)
    rng = np.random.default_rng(1)
    for _ in range(steps):
        envs.step(rng.integers(0, num_actions(game), 2))
    return envs


@pytest.mark.parametrize("game", GAMES)
def test_state_bytes_and_pickle_round_trip_to_the_same_future(game):
    envs = _played(game, 9)
    state = envs.save_state(0)
    data = bytes(state)
    assert data[:8] == b"LUDSNAP\0" and data == bytes(envs.save_state(0)), "same state, same bytes"
    for back in (ludica.EnvState.from_bytes(data), ludica.EnvState(data), pickle.loads(pickle.dumps(state))):
        assert (back.game, back.level_seed, back.steps, back.episode_over) == (
            state.game, state.level_seed, state.steps, state.episode_over
        )
        assert bytes(back) == data
    actions = np.random.default_rng(2).integers(0, num_actions(game), (30, 2))
    envs.load_state(1, state)
    replay = ludica.make_vec(game, 2, obs="symbolic", num_levels=50)
    replay.reset(seed=9)
    replay.set_state(envs.get_state())
    for a in actions:
        a = np.array([a[0], a[0]])
        assert_same(envs.step(a), replay.step(a), game)


def test_state_bytes_of_another_game_version_or_damaged_are_value_errors():
    data = bytes(_played("maze", 3).save_state(0))
    runner = ludica.make_vec("runner", 2)
    runner.reset(seed=0)
    with pytest.raises(ValueError, match="this state is of game 'maze', but this env plays runner"):
        runner.load_state(0, data)
    with pytest.raises(ValueError, match="version 2 is not supported: this ludica reads version 1"):
        ludica.EnvState.from_bytes(data[:8] + b"\x02\x00" + data[10:])
    with pytest.raises(ValueError, match="damaged: the SHA-256 checksum"):
        ludica.EnvState.from_bytes(data[:40] + bytes([data[40] ^ 1]) + data[41:])
    with pytest.raises(ValueError, match="damaged"):
        ludica.EnvState.from_bytes(data[:-1])
    with pytest.raises(ValueError, match="not a ludica snapshot"):
        ludica.EnvState.from_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(TypeError, match="read from bytes"):
        ludica.EnvState.from_bytes("LUDSNAP")
    with pytest.raises(ValueError, match="one state per env: got 1 for 2 envs"):
        runner.set_state([data])


def _load_in_child(data: bytes, actions: np.ndarray, queue) -> None:
    envs = ludica.make_vec("runner", 1, obs="symbolic")
    envs.reset(seed=123)
    envs.load_state(0, pickle.loads(data))
    queue.put([envs.step(np.array([a]))[0].tobytes() for a in actions])


def test_state_moves_to_another_process():
    envs = _played("runner", 12)
    state = envs.save_state(1)
    actions = np.random.default_rng(3).integers(0, num_actions("runner"), 25)
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_load_in_child, args=(pickle.dumps(state), actions, queue))
    child.start()
    theirs = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    envs.load_state(0, state)
    ours = [envs.step(np.array([a, a]))[0][0].tobytes() for a in actions]
    assert ours == theirs
