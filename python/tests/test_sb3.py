"""ludica.sb3: the Stable-Baselines3 VecEnv over the Rust vector env steps exactly as SB3's own
DummyVecEnv of Monitor-wrapped single envs (observations, rewards, dones, terminal
observations, TimeLimit.truncated, episode infos), passes SB3's checks where they apply, and
PPO trains on it end to end. Skipped where Stable-Baselines3 is not installed."""

from __future__ import annotations

import numpy as np
import pytest

sb3 = pytest.importorskip("stable_baselines3")

from stable_baselines3.common.env_checker import check_env  # noqa: E402
from stable_baselines3.common.monitor import Monitor  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv, VecCheckNan  # noqa: E402

import ludica  # noqa: E402
from ludica.sb3 import LudicaSB3VecEnv, make_vec  # noqa: E402


def test_single_envs_pass_sb3_check_env():
    for obs in ("rgb", "symbolic"):
        check_env(ludica.LudicaEnv("maze", obs=obs), warn=True, skip_render_check=True)


@pytest.mark.parametrize("game", ["maze", "bigfish"])
def test_steps_as_dummy_vec_env_of_monitored_single_envs(game):
    kwargs = {"num_levels": 5, "difficulty": 0.0, "obs": "symbolic"}
    ours = VecCheckNan(make_vec(game, 1, **kwargs), raise_exception=True)
    theirs = DummyVecEnv([lambda: Monitor(ludica.LudicaEnv(game, **kwargs))])
    ours.seed(11)
    theirs.seed(11)
    assert (ours.reset() == theirs.reset()).all()
    rng = np.random.default_rng(0)
    ended = 0
    for step in range(600):
        a = rng.integers(0, ours.action_space.n, 1)
        o1, r1, d1, i1 = ours.step(a)
        o2, r2, d2, i2 = theirs.step(a)
        assert (o1 == o2).all() and (r1 == r2).all() and (d1 == d2).all(), step
        assert r1.dtype == r2.dtype == np.float32 and d1.dtype == d2.dtype
        if d1[0]:
            ended += 1
            assert (i1[0]["terminal_observation"] == i2[0]["terminal_observation"]).all()
            assert i1[0]["TimeLimit.truncated"] == i2[0]["TimeLimit.truncated"]
            for key in ("r", "l"):
                assert i1[0]["episode"][key] == pytest.approx(i2[0]["episode"][key]), key
    assert ended > 0


def test_attributes_methods_and_bad_arguments():
    envs = make_vec("maze", 3, obs="symbolic")
    envs.reset()
    assert envs.get_attr("game") == ["maze"] * 3 and envs.env_is_wrapped(Monitor) == [True] * 3
    states = envs.env_method("save_state", indices=[0, 2])
    assert [s.game for s in states] == ["maze", "maze"]
    envs.env_method("load_state", states[0], indices=1)
    with pytest.raises(ValueError, match="env_method 'render' is not available: use one of save_state"):
        envs.env_method("render")
    with pytest.raises(TypeError, match="autoreset_mode is fixed in ludica.sb3"):
        LudicaSB3VecEnv("maze", 2, autoreset_mode="NextStep")
    with pytest.raises(ValueError, match="unknown game 'mase'"):
        make_vec("mase")
    envs.close()


def test_ppo_trains_end_to_end():
    from stable_baselines3 import PPO

    envs = make_vec("maze", 8, obs="symbolic", num_levels=20, difficulty=0.0)
    model = PPO("MlpPolicy", envs, n_steps=64, batch_size=128, n_epochs=2, seed=0, device="cpu")
    model.learn(total_timesteps=1024)
    assert model.num_timesteps == 1024
    assert len(model.ep_info_buffer) > 0, "Monitor-style episode infos reach SB3's logger"
    assert all(0.0 <= e["r"] <= 10.0 for e in model.ep_info_buffer)
    action, _ = model.predict(envs.reset(), deterministic=True)
    assert action.shape == (8,)
