"""``obs_dtype="float32"``: the same observations as uint8, as float32 (for models that take
floats only, such as RLlib's default encoders), from every call that returns observations,
in the single env, the vector env (both autoreset modes, with and without ``copy``) and
through Gymnasium's registry."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import ludica
from conftest import assert_same

KW = {"num_levels": 3, "difficulty": "easy", "obs": "symbolic"}


def as_float(result):
    """`result` (a step or reset of a uint8 env) with every observation as float32."""
    if isinstance(result, np.ndarray) and result.dtype == np.uint8:
        return result.astype(np.float32)
    if isinstance(result, np.ndarray) and result.dtype == object:
        out = np.full(result.shape, None, dtype=object)
        for i, x in enumerate(result):
            out[i] = as_float(x)
        return out
    if isinstance(result, dict):
        return {k: as_float(v) if k == "final_obs" else v for k, v in result.items()}
    if isinstance(result, tuple):
        return tuple(as_float(x) for x in result)
    return result


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("copy", [True, False])
def test_vector_float32_is_uint8_as_float(mode, copy, rng):
    ints = ludica.make_vec("maze", 4, autoreset_mode=mode, **KW)
    floats = ludica.make_vec("maze", 4, autoreset_mode=mode, copy=copy, obs_dtype="float32", **KW)
    space = floats.single_observation_space
    assert (space.dtype, space.low.min(), space.high.max()) == (np.float32, 0, 255)
    assert floats.observation_space.dtype == np.float32
    assert_same(as_float(ints.reset(seed=3)), floats.reset(seed=3), "reset")
    ended = 0
    for t in range(520):  # past maze's 500 steps, so episodes end
        actions = rng.integers(0, 5, 4)
        a, b = ints.step(actions), floats.step(actions)
        assert_same(as_float(a), b, f"step {t}")
        assert b[0] in floats.observation_space
        ended += int(a[2].sum() + a[3].sum())
    assert ended > 0, "no episode ended: the final observations went untested"
    assert_same(as_float(ints.set_state(ints.get_state())), floats.set_state(ints.get_state()), "set_state")
    assert_same(as_float(ints.load_state(1, ints.save_state(0))), floats.load_state(1, ints.save_state(0)), "load")
    ints.close()
    floats.close()


def test_single_env_float32_passes_check_env_and_matches_uint8():
    env = gym.make("ludica/Maze-v0", obs_dtype="float32", **KW)
    check_env(env.unwrapped, skip_render_check=True)
    ints = ludica.LudicaEnv("maze", **KW)
    floats = ludica.LudicaEnv("maze", obs_dtype=np.float32, **KW)
    assert_same(as_float(ints.reset(seed=5)), floats.reset(seed=5), "reset")
    for t in range(20):
        assert_same(as_float(ints.step(t % 5)), floats.step(t % 5), f"step {t}")
    assert_same(as_float(ints.load_state(ints.save_state())), floats.load_state(ints.save_state()), "load")
    env.close()
    ints.close()
    floats.close()


def test_make_vec_through_the_registry_takes_obs_dtype():
    envs = gym.make_vec("ludica:ludica/Maze-v0", num_envs=3, obs_dtype="float32", **KW)
    assert isinstance(envs, ludica.LudicaVectorEnv)
    obs, _ = envs.reset(seed=0)
    assert obs.dtype == np.float32 and obs.shape[0] == 3
    envs.close()
