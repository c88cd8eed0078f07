"""Reliability from Python: one env shared by several threads (calls take turns, a lock per
env; close() from another thread waits for a step in progress, then later calls raise
ValueError), levels marked edited, and level values refused with the fault named."""

from __future__ import annotations

import threading
import time

import gymnasium as gym
import numpy as np
import pytest

import ludica


def run_threads(target, count):
    errors: list[BaseException] = []

    def guarded(k):
        try:
            target(k)
        except BaseException as e:  # noqa: BLE001 - every failure is reported by the test
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_a_vector_env_stepped_from_four_threads_takes_turns():
    envs = ludica.make_vec("maze", num_envs=8, obs="symbolic", num_threads=2)
    envs.reset(seed=1)
    steps = [0] * 4

    def stepper(k):
        rng = np.random.default_rng(k)
        for _ in range(150):
            obs, *_ = envs.step(rng.integers(0, envs.single_action_space.n, 8))
            assert obs.shape == envs.observation_space.shape
            envs.level(k)
            steps[k] += 1

    assert run_threads(stepper, 4) == []
    assert steps == [150] * 4
    envs.close()


def test_a_single_env_used_from_two_threads_takes_turns():
    env = gym.make("ludica/Maze-v0", obs="symbolic", render_mode="rgb_array").unwrapped
    env.reset(seed=0)

    def player(k):
        for _ in range(300):
            with env._lock:  # step and the reset it may need form one turn
                _, _, terminated, truncated, _ = env.step(k)
                if terminated or truncated:
                    env.reset()
            env.render()
            env.save_state()

    assert run_threads(player, 2) == []
    env.close()


@pytest.mark.parametrize("vector", [False, True])
def test_close_from_another_thread_during_steps_is_safe(vector):
    env = ludica.make_vec("maze", num_envs=64, obs="rgb") if vector else gym.make("ludica/Maze-v0").unwrapped
    env.reset(seed=2)
    action = np.zeros(64, np.int64) if vector else 0
    started = threading.Event()
    outcome: list[BaseException] = []

    def stepper():
        try:
            while True:
                _, _, terminated, truncated, _ = env.step(action)
                started.set()
                if not vector and (terminated or truncated):
                    env.reset()
        except BaseException as e:  # noqa: BLE001 - the test checks which one
            outcome.append(e)

    thread = threading.Thread(target=stepper)
    thread.start()
    assert started.wait(30)
    time.sleep(0.01)
    env.close()
    thread.join(30)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ValueError), outcome
    assert "closed" in str(outcome[0])
    with pytest.raises(ValueError, match="closed"):
        env.step(action)
    env.close()


def test_level_mid_episode_is_marked_edited_and_a_fresh_level_is_not():
    env = gym.make("ludica/Miner-v0", obs="symbolic").unwrapped
    env.reset(seed=5)
    start = env.level()
    assert start["edited"] is False
    assert start["rows"] == ludica.generate_level("miner", start["seed"], start["difficulty"])["rows"]
    rng = np.random.default_rng(0)
    for _ in range(3000):
        _, _, terminated, truncated, _ = env.step(int(rng.integers(0, env.action_space.n)))
        if terminated or truncated:
            env.reset()
            start = env.level()
            continue
        now = env.level()
        if now["rows"] != start["rows"]:
            break
    assert now["rows"] != start["rows"], "digging changes the level's tiles"
    assert now["edited"] is True and now["seed"] == start["seed"]
    # Replayed, the dug level is still marked: it is not the level of its seed.
    env.reset(options={"level": now})
    assert env.level()["edited"] is True
    env.reset(options={"level_seed": start["seed"]})
    assert env.level()["edited"] is False


def test_a_nan_in_a_level_is_named_where_it_is():
    level = ludica.generate_level("maze", 1)
    level["meta"]["odd"] = float("nan")
    with pytest.raises(ValueError, match=r"level\['meta'\]\['odd'\] = nan is not a finite number"):
        ludica.check_level(level)


def test_a_level_seed_from_2_to_the_63_is_refused():
    level = ludica.generate_level("maze", 1)
    level["seed"] = 2**63
    with pytest.raises(ValueError, match="below 2\\^63"):
        ludica.check_level(level)
