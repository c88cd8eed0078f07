"""ludica.procgen: Procgen's interfaces (gym3 ProcgenGym3Env, baselines ProcgenEnv) over the
Rust vector env: observation dict, same-step autoreset, Procgen's info keys, states as bytes,
refusals by name, and CleanRL's ppo_procgen.py loop running with only its import changed."""

from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import ludica
from conftest import num_actions
from ludica.procgen import ENV_NAMES, ProcgenEnv, ProcgenGym3Env

SCRIPT = pathlib.Path(__file__).resolve().parent / "scripts" / "ppo_procgen.py"


def test_gym3_env_steps_as_the_same_step_vector_env_with_procgen_infos():
    env = ProcgenGym3Env(num=6, env_name="maze", distribution_mode="easy", num_levels=20, rand_seed=4, num_threads=1)
    ref = ludica.make_vec("maze", 6, num_levels=20, difficulty="easy", autoreset_mode=AutoresetMode.SAME_STEP)
    ref_obs, ref_info = ref.reset(seed=4)
    rew, ob, first = env.observe()
    assert set(ob) == {"rgb"} and ob["rgb"].shape == (6, 64, 64, 3) and ob["rgb"].dtype == np.uint8
    assert first.all() and rew.dtype == np.float32 and not rew.any()
    assert (ob["rgb"] == ref_obs).all()
    assert [i["level_seed"] for i in env.get_info()] == ref_info["level_seed"].tolist()
    assert env.ac_space.n == num_actions("maze") and env.ob_space["rgb"].shape == (64, 64, 3)
    rng = np.random.default_rng(0)
    ended = completed = 0
    for _ in range(300):
        a = rng.integers(0, env.ac_space.n, 6)
        before = [i["level_seed"] for i in env.get_info()]
        env.act(a)
        ref_obs, ref_rew, term, trunc, ref_info = ref.step(a)
        rew, ob, first = env.observe()
        assert (ob["rgb"] == ref_obs).all() and (rew == ref_rew.astype(np.float32)).all()
        assert (first == (term | trunc)).all()
        for i, info in enumerate(env.get_info()):
            assert info["level_seed"] == ref_info["level_seed"][i]
            assert info["prev_level_seed"] == before[i]
            if first[i]:
                ended += 1
                success = bool(ref_info["final_info"]["episode_success"][i])
                assert info["prev_level_complete"] == int(success)
                completed += success
            else:
                assert info["prev_level_complete"] == 0
    assert ended >= completed > 0, "episodes ended, completing their level"


def test_baselines_env_has_procgen_shape_and_states_travel_as_bytes():
    envs = ProcgenEnv(num_envs=3, env_name="coinrun", num_levels=10, start_level=5, distribution_mode="hard")
    assert envs.env.game == "runner" and envs.num_envs == 3
    obs = envs.reset()
    assert obs["rgb"].shape == (3, 64, 64, 3)
    for _ in range(5):
        obs, reward, done, infos = envs.step(np.zeros(3, np.int64))
    assert reward.dtype == np.float32 and done.dtype == np.bool_ and len(infos) == 3
    assert all(5 <= i["level_seed"] < 15 for i in infos)
    with pytest.warns(UserWarning, match="reset\\(\\) ignored"):
        envs.reset()
    states = envs.env.callmethod("get_state")
    assert all(isinstance(s, bytes) for s in states)
    actions = np.random.default_rng(1).integers(0, envs.action_space.n, (20, 3))
    first = [envs.step(a)[0]["rgb"] for a in actions]
    envs.env.set_state(states)
    second = [envs.step(a)[0]["rgb"] for a in actions]
    assert all((x == y).all() for x, y in zip(first, second, strict=True))


def test_every_mapped_name_plays_its_game():
    for name, game in ENV_NAMES.items():
        env = ProcgenGym3Env(1, name, num_threads=1, rand_seed=0)
        assert env.game == game
        env.close()


def test_memory_mode_plays_hard_levels_through_the_local_view():
    kwargs = {"num": 2, "env_name": "maze", "num_levels": 5, "rand_seed": 3, "num_threads": 1}
    memory = ProcgenGym3Env(distribution_mode="memory", **kwargs)
    hard = ProcgenGym3Env(distribution_mode="hard", **kwargs)
    assert (memory._envs.view, hard._envs.view) == ("local", "full")
    assert [i["level_seed"] for i in memory.get_info()] == [i["level_seed"] for i in hard.get_info()], "same levels"
    assert memory.observe()[1]["rgb"].shape == hard.observe()[1]["rgb"].shape
    assert not np.array_equal(memory.observe()[1]["rgb"], hard.observe()[1]["rgb"]), "seen differently"
    memory.close()
    hard.close()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"env_name": "ninja"}, ValueError, r"env_name 'ninja' is not a game ludica has: available are bigfish, .*"
         r"coinrun \(ludica's runner\)"),
        ({"distribution_mode": "exploration"}, ValueError, "distribution_mode 'exploration' is not supported: use one "
         "of easy, hard, extreme, memory"),
        ({"distribution_mode": "memory", "env_name": "coinrun"}, ValueError, "distribution_mode 'memory' is not "
         "supported for runner: Procgen has it for dodgeball, heist, maze, miner only"),
        ({"center_agent": False}, ValueError, "center_agent=False is not supported: .* must stay True"),
        ({"use_backgorunds": True}, TypeError, "unexpected option 'use_backgorunds': Procgen's options ludica takes "
         "are .*use_backgrounds"),
        ({"num": 0}, ValueError, "num_envs 0 is out of range"),
        ({"rand_seed": -1}, ValueError, "seed -1 is out of range"),
        ({"render_mode": "human"}, ValueError, "render_mode 'human' is not allowed: use one of rgb_array"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, match):
    args = {"num": 2, "env_name": "maze", **kwargs}
    with pytest.raises(error, match=match):
        ProcgenGym3Env(**args)


def test_render_mode_adds_procgen_sized_frames_to_infos():
    env = ProcgenGym3Env(2, "bigfish", render_mode="rgb_array", rand_seed=1, num_threads=1)
    frames = [i["rgb"] for i in env.get_info()]
    assert all(f.shape == (512, 512, 3) and f.dtype == np.uint8 for f in frames)


def test_cleanrl_ppo_procgen_loop_runs_with_only_the_import_changed():
    args = ["--env-id", "maze", "--total-timesteps", "1536", "--num-envs", "8", "--num-steps", "64"]
    run = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [m["iteration"] for m in lines] == [1, 2, 3] and lines[-1]["global_step"] == 1536
    for m in lines:
        for key in ("policy_loss", "value_loss", "approx_kl", "clipfrac"):
            assert math.isfinite(m[key]), (key, m)
    episodes = [e for m in lines for e in m["episodes"]]
    assert episodes, "episodes end within the run"
    for ret, length, complete in episodes:
        assert length >= 1 and complete in (0, 1) and ret == pytest.approx(10.0 * complete)
