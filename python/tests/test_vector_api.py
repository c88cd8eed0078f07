"""The vector env against Gymnasium's own: a ``SyncVectorEnv`` of single ``LudicaEnv``\\ s
must return the same observations, rewards, flags and infos (keys, masks and dtypes) in
both autoreset modes; plus the VectorEnv attributes and Gymnasium's episode-statistics
wrapper on top."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode, SyncVectorEnv

import ludica
from conftest import GAMES, action, assert_same, num_actions

NUM_ENVS = 5


def pair(game, mode, difficulty, level):
    """Our vector env and Gymnasium's, both playing only level `level` so that their level
    streams (seeded differently) cannot differ."""
    kw = {"num_levels": 1, "start_level": level, "difficulty": difficulty, "obs": "symbolic"}
    ours = ludica.make_vec(game, NUM_ENVS, num_threads=2, autoreset_mode=mode, **kw)
    theirs = SyncVectorEnv([lambda: ludica.LudicaEnv(game, **kw)] * NUM_ENVS, autoreset_mode=mode)
    return ours, theirs


@pytest.mark.parametrize("game", GAMES)
@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
@pytest.mark.parametrize("difficulty", [0.0, 0.5])
def test_same_results_as_a_sync_vector_env_of_single_envs(game, mode, difficulty, rng):
    ours, theirs = pair(game, mode, difficulty, level=17)
    assert_same(ours.reset(seed=2), theirs.reset(seed=2), "reset")
    ends = {"terminated": 0, "truncated": 0}
    max_steps = next(g["max_steps"] for g in ludica.games() if g["name"] == game)
    for t in range(max_steps + max_steps // 10):
        actions = rng.integers(0, ours.single_action_space.n, NUM_ENVS)
        a, b = ours.step(actions), theirs.step(actions)
        assert_same(a, b, f"step {t}")
        ends["terminated"] += int(a[2].sum())
        ends["truncated"] += int(a[3].sum())
    # Past the time limit every env has ended at least once; at medium difficulty random
    # play finishes episodes (goal or death) in every game. Time-outs are compared below.
    assert sum(ends.values()) >= NUM_ENVS, ends
    if difficulty == 0.5:
        assert ends["terminated"] > 0, ends


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_time_outs_match_a_sync_vector_env_of_single_envs(mode):
    # A maze player that never moves never finishes: every episode runs out of time.
    ours, theirs = pair("maze", mode, 0.5, level=17)
    assert_same(ours.reset(seed=2), theirs.reset(seed=2), "reset")
    max_steps = next(g["max_steps"] for g in ludica.games() if g["name"] == "maze")
    truncations = 0
    for t in range(2 * max_steps + 3):
        a, b = ours.step(np.zeros(NUM_ENVS, dtype=np.int64)), theirs.step(np.zeros(NUM_ENVS, dtype=np.int64))
        assert_same(a, b, f"step {t}")
        assert not a[2].any()
        truncations += int(a[3].sum())
    assert truncations == 2 * NUM_ENVS


def test_vector_env_attributes_follow_gymnasium():
    for mode in (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP, "SameStep"):
        envs = ludica.make_vec("maze", 6, obs="rgb", autoreset_mode=mode)
        assert isinstance(envs, gym.vector.VectorEnv) and envs.num_envs == 6
        assert envs.metadata["autoreset_mode"] == AutoresetMode(mode)
        assert envs.single_observation_space == gym.spaces.Box(0, 255, (64, 64, 3), np.uint8)
        assert envs.observation_space.shape == (6, 64, 64, 3)
        assert envs.single_action_space == gym.spaces.Discrete(5)
        assert envs.action_space == gym.spaces.MultiDiscrete([5] * 6)
        obs, info = envs.reset(seed=0)
        assert obs in envs.observation_space
        obs, reward, terminated, truncated, info = envs.step(envs.action_space.sample())
        assert (reward.dtype, terminated.dtype, truncated.dtype) == (np.float64, np.bool_, np.bool_)
        assert info["level_seed"].dtype == np.int64 and info["_level_seed"].all()
        envs.close()


def test_gymnasium_make_vec_uses_the_rust_vector_env_by_default():
    envs = gym.make_vec("ludica/Maze-v0", num_envs=3, num_levels=10, autoreset_mode=AutoresetMode.SAME_STEP)
    assert isinstance(envs, ludica.LudicaVectorEnv)
    assert envs.spec.id == "ludica/Maze-v0" and envs.spec.kwargs["num_envs"] == 3
    sync = gym.make_vec("ludica/Maze-v0", num_envs=3, vectorization_mode="sync", num_levels=10)
    assert isinstance(sync, SyncVectorEnv)
    envs.close()
    sync.close()


def test_a_process_that_never_imported_ludica_makes_envs_from_the_module_id_form():
    """As RLlib's env runners do: the plain id is unknown there, ``"ludica:<id>"`` imports ludica."""
    script = textwrap.dedent(
        """
        import sys
        import gymnasium as gym
        assert "ludica" not in sys.modules
        try:
            gym.make("ludica/Maze-v0")
        except gym.error.NamespaceNotFound:
            pass
        else:
            raise AssertionError("the plain id was found without importing ludica")
        envs = gym.make_vec("ludica:ludica/Maze-v0", num_envs=2, vectorization_mode="vector_entry_point")
        env = gym.make("ludica:ludica/Dodgeball-v0", obs_dtype="float32")
        print(type(envs).__name__, env.observation_space.dtype)
        """
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["LudicaVectorEnv", "float32"]


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_record_episode_statistics_agrees_with_ludicas_own_episode_info(mode, rng):
    if mode == AutoresetMode.SAME_STEP and tuple(int(p) for p in gym.__version__.split(".")[:2]) < (1, 4):
        pytest.skip("Gymnasium 1.2's vector RecordEpisodeStatistics counts every mode as next-step (1.4's does not)")
    envs = gym.wrappers.vector.RecordEpisodeStatistics(
        ludica.make_vec("maze", 8, difficulty=0.0, obs="symbolic", autoreset_mode=mode)
    )
    envs.reset(seed=1)
    seen = 0
    for _ in range(400):
        _, _, _, _, info = envs.step(rng.integers(0, num_actions("maze"), 8))
        if "episode" in info:
            ours = info if mode == AutoresetMode.NEXT_STEP else info["final_info"]
            mask = info["_episode"]
            assert (mask == ours["_episode_return"]).all()
            assert np.allclose(info["episode"]["r"][mask], ours["episode_return"][mask])
            assert (info["episode"]["l"][mask] == ours["episode_length"][mask]).all()
            seen += int(mask.sum())
    assert seen >= 8


def test_same_step_final_obs_is_the_last_frame_and_the_new_episode_starts_at_once(rng):
    envs = ludica.make_vec("maze", 4, difficulty=0.0, obs="symbolic", autoreset_mode=AutoresetMode.SAME_STEP)
    mirror = ludica.make_vec("maze", 4, difficulty=0.0, obs="symbolic", autoreset_mode=AutoresetMode.NEXT_STEP)
    envs.reset(seed=9)
    mirror.reset(seed=9)
    checked = 0
    for _ in range(300):
        actions = rng.integers(0, num_actions("maze"), 4)
        obs, _, term, trunc, info = envs.step(actions)
        m_obs, _, m_term, m_trunc, m_info = mirror.step(actions)
        assert (term == m_term).all() and (trunc == m_trunc).all()
        ended = term | trunc
        if ended.any():
            assert (info["_final_obs"] == ended).all()
            for i in np.flatnonzero(ended):
                assert (info["final_obs"][i] == m_obs[i]).all(), "final_obs is the next-step env's last frame"
                checked += 1
            # Next-step: the following step returns the new episode's first observation;
            # same-step already returned it. Both start the same level (same streams).
            m_obs, _, _, _, m_info = mirror.step(np.zeros(4, np.int64))
            assert (obs[ended] == m_obs[ended]).all()
            assert (info["level_seed"][ended] == m_info["level_seed"][ended]).all()
            break
    assert checked >= 1


def test_gymnasiums_async_vector_env_builds_single_envs_in_worker_processes():
    envs = gym.make_vec("ludica/Maze-v0", num_envs=2, vectorization_mode="async", num_levels=5, obs="symbolic")
    obs, info = envs.reset(seed=0)
    assert obs.shape == (2, 625) and set(info["level_seed"].tolist()) <= set(range(5))
    obs, reward, *_ = envs.step(np.array([action("maze", "left"), action("maze", "right")]))
    assert reward.shape == (2,)
    envs.close()
