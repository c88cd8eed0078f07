"""examples/ppo_gymnasium.py trains end to end on ludica.make_vec for a few thousand steps:
it exits cleanly, logs one metrics line per update with finite losses, and sees episodes end
with their returns."""

from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "ppo_gymnasium.py"


def test_ppo_example_runs_and_logs_returns():
    args = ["--num-envs", "8", "--num-steps", "128", "--total-steps", "3072", "--num-minibatches", "4"]
    args += ["--update-epochs", "2", "--difficulty", "0.0", "--num-levels", "20", "--channels", "8", "16", "16"]
    args += ["--torch-threads", "1", "--env-threads", "1"]
    run = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [m["update"] for m in lines] == [1, 2, 3]
    assert lines[-1]["global_step"] == 3072
    for m in lines:
        for key in ("policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac"):
            assert math.isfinite(m[key]), (key, m)
    assert sum(m["episodes"] for m in lines) > 0
    returns = [m["episode_return_mean"] for m in lines if m["episodes"]]
    assert all(0.0 <= r <= 10.0 for r in returns), returns


def test_ppo_example_trains_with_a_plr_curriculum():
    args = ["--num-envs", "8", "--num-steps", "64", "--total-steps", "1536", "--num-minibatches", "4"]
    args += ["--update-epochs", "1", "--difficulty", "0.0", "--num-levels", "12", "--channels", "8", "8", "8"]
    args += ["--torch-threads", "1", "--env-threads", "1", "--curriculum", "plr"]
    run = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [m["update"] for m in lines] == [1, 2, 3]
    assert all(math.isfinite(m["policy_loss"]) for m in lines)
    # Levels scored after each rollout fill the buffer, and the sampler starts replaying them.
    assert 0 < lines[0]["buffer_levels"] <= 12
    assert lines[-1]["replay_share"] > 0.0
