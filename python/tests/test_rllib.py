"""examples/rllib_ppo.py trains RLlib's PPO (new API stack) for two iterations on a local Ray
with 2 CPUs: its remote env runner, a process that never imports ludica, builds ludica's Rust
vector env from the id ``"ludica:ludica/Maze-v0"`` (float32 observations, which RLlib's default
encoder needs), and the losses are finite. Skipped where ``ray[rllib]`` is not installed."""

from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("ray.rllib")

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "rllib_ppo.py"


def test_rllib_ppo_example_trains_two_iterations_on_the_rust_vector_env():
    args = ["--num-envs-per-runner", "4", "--rollout-length", "16", "--train-batch", "128", "--minibatch", "64"]
    args += ["--epochs", "1", "--hidden", "32", "--num-levels", "20", "--num-cpus", "2"]
    run = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-4000:]
    first, *iterations = [json.loads(line) for line in run.stdout.splitlines()]
    assert first == {"env_runner_envs": ["LudicaVectorEnv(maze, num_envs=4)"]}
    assert [m["iteration"] for m in iterations] == [1, 2]
    assert iterations[-1]["env_steps"] >= 2 * 128
    for m in iterations:
        for key in ("policy_loss", "vf_loss", "entropy"):
            assert math.isfinite(m[key]), (key, m)
