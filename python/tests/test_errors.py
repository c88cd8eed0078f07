"""Bad input from Python raises ValueError or TypeError naming the bad value, and never
brings the interpreter down."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import ludica


@pytest.fixture
def envs():
    envs = ludica.make_vec("maze", 4, obs="symbolic")
    envs.reset(seed=0)
    yield envs
    envs.close()


@pytest.mark.parametrize(
    ("actions", "error", "message"),
    [
        (np.zeros(4, np.float32), TypeError, "actions must be integers, got an array of dtype float32"),
        (np.zeros(4, np.bool_), TypeError, "actions must be integers"),
        (np.array(["a"] * 4), TypeError, "actions must be integers"),
        (np.zeros(3, np.int64), ValueError, r"shape \(4,\): one action per env, got shape \[3\]"),
        (np.zeros((4, 1), np.int64), ValueError, r"got shape \[4, 1\]"),
        (np.array([0, 1, 5, 0]), ValueError, r"action 5 for env 2 is out of range: maze has actions 0..=4"),
        (np.array([0, -1, 0, 0], np.int8), ValueError, "action -1 for env 1"),
        (np.array([0, 0, 0, 2**40]), ValueError, "action 1099511627776 for env 3"),
        (np.array([0, 0, 0, 2**64 - 1], np.uint64), ValueError, "action 18446744073709551615"),
        ([0, 1, 2, 7], ValueError, "action 7 for env 3"),
        ("left", TypeError, "actions must be integers"),
        (None, TypeError, "actions must be integers"),
    ],
)
def test_bad_actions(envs, actions, error, message):
    with pytest.raises(error, match=message):
        envs.step(actions)
    envs.step(np.array([0, 1, 2, 3], np.uint8))  # the env still works


def test_actions_of_any_integer_dtype_and_strided_views_work(envs):
    for dtype in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
        envs.step(np.array([1, 2, 3, 4], dtype))
    envs.step(np.arange(8)[::2] % 5)
    envs.step([4, 3, 2, 1])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"game": "mase"}, ValueError, "unknown game 'mase': available games are maze"),
        ({"game": 3}, TypeError, "game must be a string"),
        (
            {"num_envs": 0},
            ValueError,
            r"num_envs 0 is out of range: it must be in \[1, 2\*\*20 \+ 1\)|num_envs 0 is out of range",
        ),
        ({"num_envs": 2.0}, TypeError, "num_envs must be an integer, got 2.0"),
        ({"num_threads": 0}, ValueError, "num_threads 0 is out of range"),
        ({"num_levels": -1}, ValueError, "num_levels -1 is out of range"),
        (
            {"start_level": 2**63},
            ValueError,
            r"start_level 9223372036854775808 is out of range: it must be in \[0, 2\*\*63\)",
        ),
        ({"start_level": 2**63 - 5, "num_levels": 10}, ValueError, "seeds must stay below 2\\^63"),
        ({"difficulty": "brutal"}, ValueError, "difficulty 'brutal' is not allowed: use easy, medium, hard"),
        ({"difficulty": 1.5}, ValueError, "difficulty '1.5' is not allowed"),
        ({"difficulty": True}, TypeError, "difficulty must be"),
        ({"obs": "depth"}, ValueError, "obs 'depth' is not allowed: use one of rgb, symbolic"),
        ({"obs_dtype": "float64"}, ValueError, "obs_dtype 'float64' is not allowed: use one of uint8, float32"),
        ({"obs_dtype": np.int16}, ValueError, "obs_dtype 'int16' is not allowed: use one of uint8, float32"),
        ({"obs_dtype": 32}, TypeError, r"obs_dtype must be one of uint8, float32, got 32 \(int\)"),
        ({"autoreset_mode": AutoresetMode.DISABLED}, ValueError, "not supported"),
        ({"autoreset_mode": "sometimes"}, ValueError, "autoreset_mode 'sometimes' is not allowed"),
        ({"render_mode": "human"}, ValueError, "render_mode 'human' is not allowed: use one of rgb_array"),
        ({"render_scale": 0}, ValueError, "render_scale 0 is out of range"),
        ({"render_scale": 17}, ValueError, r"render_scale 17 is out of range: it must be in \[1, 17\)"),
        ({"num_threads": 1025}, ValueError, r"num_threads 1025 is out of range: it must be in \[1, 1025\)"),
        ({"num_envs": 2**20 + 1}, ValueError, r"num_envs 1048577 is out of range: it must be in \[1, 1048577\)"),
        ({"colour": "red"}, TypeError, "colour"),
    ],
)
def test_bad_construction_arguments(kwargs, error, message):
    kwargs = {"game": "maze", "num_envs": 2} | kwargs
    with pytest.raises(error, match=message):
        ludica.make_vec(**kwargs)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda e: e.reset(seed=-1), ValueError, r"seed -1 is out of range: it must be in \[0, 2\*\*63\)"),
        (lambda e: e.reset(seed=2**63), ValueError, r"seed 9223372036854775808 is out of range: it must be in \[0, 2\*\*63\)"),
        (lambda e: e.reset(seed=1.5), TypeError, "seed must be an integer"),
        (
            lambda e: e.reset(options={"levle_seed": 3}),
            ValueError,
            "unknown reset option 'levle_seed': allowed are level_seed, level",
        ),
        (lambda e: e.reset(options={"reset_mask": np.ones(4, bool)}), ValueError, "unknown reset option 'reset_mask'"),
        (lambda e: e.reset(options=[1]), TypeError, "options must be a dict"),
        (
            lambda e: e.reset(options={"level_seed": 2**63}),
            ValueError,
            "level_seed 9223372036854775808 is out of range",
        ),
        (lambda e: e.reset(options={"level_seed": [1, 2]}), ValueError, "holds 2 values for 4 envs"),
        (lambda e: e.reset(options={"level_seed": 1, "level": {}}), ValueError, "exclude each other"),
        (lambda e: e.save_state(4), ValueError, r"env index 4 is out of range: it must be in \[0, 4\)"),
        (lambda e: e.level(-1), ValueError, "env index -1 is out of range"),
    ],
)
def test_bad_calls_on_a_vector_env(envs, call, error, message):
    with pytest.raises(error, match=message):
        call(envs)


@pytest.mark.parametrize(
    ("action", "error", "message"),
    [
        (5, ValueError, r"action 5 is out of range: this game has actions 0..=4"),
        (-1, ValueError, "action -1 is out of range"),
        (2**70, ValueError, "action 1180591620717411303424 is out of range"),
        (1.0, TypeError, r"action must be an integer in \[0, 5\), got 1.0 \(float\)"),
        (True, TypeError, "action must be an integer"),
        (np.array([1, 2]), ValueError, r"single integer, got an array of shape \(2,\)"),
        ("up", TypeError, "action must be an integer"),
    ],
)
def test_bad_single_env_actions(action, error, message):
    env = gym.make("ludica/Maze-v0").unwrapped
    env.reset(seed=0)
    with pytest.raises(error, match=message):
        env.step(action)
    env.step(np.int64(2))
    env.step(np.array(3))


def test_a_refused_call_changes_nothing(envs):
    before = envs.level(1)
    with pytest.raises(ValueError, match="obs holds 10 bytes"):
        envs._native.reset_env(1, np.zeros(10, np.uint8), level_seed=99)
    after = envs.level(1)
    assert after["seed"] == before["seed"] != 99 and after["rows"] == before["rows"]


def test_stepping_a_single_env_before_reset_asks_for_a_reset():
    with pytest.raises(gym.error.ResetNeeded, match=r"call reset\(\) before step\(\)"):
        ludica.LudicaEnv("maze").step(0)


def test_a_storm_of_bad_calls_never_crashes_the_interpreter():
    script = textwrap.dedent(
        """
        import numpy as np, ludica, gymnasium as gym
        caught = 0
        envs = ludica.make_vec("maze", 3)
        envs.reset(seed=0)
        native = envs._native
        bad = [
            lambda: native.step(np.zeros(3, np.int64), np.zeros(5, np.uint8)),
            lambda: native.step(np.zeros(3, np.int64), np.zeros((3, 64, 64, 3), np.float32)),
            lambda: native.step(np.zeros(3, np.int64), np.zeros((3, 64, 64, 3), np.uint8)[:, ::2]),
            lambda: native.step(np.zeros(3, np.int64), np.zeros((3, 64, 64, 3), np.uint8), np.zeros(1, np.uint8)),
            lambda: native.reset(None, np.zeros((3, 64, 64, 3), np.uint8)[::-1]),
            lambda: native.reset_env(7, np.zeros(12288, np.uint8), level_seed=1),
            lambda: native.reset_env(0, np.zeros(12288, np.uint8)),
            lambda: native.reset_env(0, np.zeros(10, np.uint8), level_seed=1),
            lambda: native.reset_env(0, np.zeros(12288, np.uint8), level_json="{"),
            lambda: native.render(0, 0),
            lambda: native.render(9, 1),
            lambda: native.load_state(0, None, np.zeros(12288, np.uint8)),
            lambda: ludica._native.VecEnv("maze", 0, 1, "rgb", "full", "next_step", 0, 0, False, "easy", 0),
            lambda: ludica._native.VecEnv("maze", 1, 1, "rgb", "full", "never", 0, 0, False, "easy", 0),
            lambda: ludica._native.VecEnv("maze", 1, 1, "rgb", "full", "next_step", 0, 0, False, float("nan"), 0),
            lambda: ludica._native.VecEnv("maze", 1, 1, "rgb", "partial", "next_step", 0, 0, False, "easy", 0),
            lambda: ludica._native.generate_level("maze", 2**63, 0.5),
            lambda: ludica._native.level_picture("maze", "[]", 4),
            lambda: ludica._native.check_level("maze", '{"game":"maze","seed":1,"difficulty":0.5,"rows":[]}'),
        ]
        for call in bad:
            try:
                call()
            except (ValueError, TypeError):
                caught += 1
        envs.close()
        try:
            native.step(np.zeros(3, np.int64), np.zeros((3, 64, 64, 3), np.uint8))
        except ValueError:
            caught += 1
        print(caught, len(bad) + 1)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    caught, total = run.stdout.split()
    assert caught == total, run.stdout + run.stderr


def test_a_panic_inside_the_game_raises_runtime_error_and_every_later_call_too(envs):
    # `_inject_panic` is a test-only hook of the native class: the game's systems panic from
    # the next step on, as a bug in a game would.
    envs._native._inject_panic(1)
    with pytest.raises(RuntimeError, match=r"internal error in maze \(envs 0\.\.4\): a panic injected by a test"):
        envs.step(np.zeros(4, np.int64))
    for call in (lambda: envs.step(np.zeros(4, np.int64)), lambda: envs.reset(seed=1)):
        with pytest.raises(RuntimeError, match=r"this VecEnv is unusable after an internal error \(internal error in maze"):
            call()


def test_limits_come_from_the_native_module():
    from ludica import _args

    limits = ("SEED_LIMIT", "MAX_ENVS", "MAX_THREADS", "MAX_RENDER_SCALE")
    assert [getattr(_args, n) for n in limits] == [getattr(ludica._native, n) for n in limits]
    assert (ludica._native.SEED_LIMIT, ludica._native.MAX_ENVS) == (2**63, 2**20)


def test_requests_larger_than_memory_raise_memory_error_not_abort():
    # Under a 6 GiB address-space limit: a million rgb envs need 12 GiB of observations, and
    # rendering 4096 envs at scale 16 needs 12 GiB of frames.
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
        import ludica
        try:
            ludica.make_vec("maze", num_envs=2**20, obs="rgb")
        except MemoryError as e:
            print("make_vec:", e)
        envs = ludica.make_vec("maze", num_envs=4096, obs="symbolic", render_mode="rgb_array", render_scale=16)
        envs.reset(seed=0)
        try:
            envs.render()
        except MemoryError as e:
            print("render:", e)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) == 2, run.stdout + run.stderr
    assert lines[0].startswith("make_vec: a VecEnv of 1048576 maze envs with rgb observations needs at least ")
    assert "ulimit -v" in lines[0], lines[0]
    assert lines[1].startswith("render: render() of 4096 envs at render_scale 16 needs at least 12.0 GiB"), lines[1]
