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


def test_ppo_example_trains_a_recurrent_policy_with_robust_plr():
    args = ["--num-envs", "4", "--num-steps", "32", "--total-steps", "384", "--num-minibatches", "2"]
    args += ["--update-epochs", "1", "--difficulty", "0.0", "--num-levels", "6", "--channels", "8", "8", "8"]
    args += ["--torch-threads", "1", "--env-threads", "1", "--lstm", "--lstm-size", "16", "--curriculum", "robust-plr"]
    run = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [m["update"] for m in lines] == [1, 2, 3]
    assert all(math.isfinite(m["policy_loss"]) and math.isfinite(m["value_loss"]) for m in lines)
    assert lines[-1]["replay_share"] > 0.0


def test_ppo_example_trains_a_recurrent_policy():
    args = ["--num-envs", "4", "--num-steps", "64", "--total-steps", "512", "--num-minibatches", "2"]
    args += ["--update-epochs", "2", "--difficulty", "0.0", "--num-levels", "20", "--channels", "8", "16", "16"]
    args += ["--torch-threads", "1", "--env-threads", "1", "--lstm", "--lstm-size", "32"]
    run = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [m["update"] for m in lines] == [1, 2]
    for m in lines:
        for key in ("policy_loss", "value_loss", "entropy", "approx_kl", "clipfrac"):
            assert math.isfinite(m[key]), (key, m)
    assert lines[-1]["global_step"] == 512


def test_the_recurrent_agent_unrolls_sequences_as_it_stepped_them():
    """The update's view of a sequence (unrolled from the rollout's initial state, reset at the
    done flags) gives the log-probabilities the rollout's step-by-step calls gave."""
    import importlib.util

    import torch

    spec = importlib.util.spec_from_file_location("ppo_gymnasium", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    torch.manual_seed(0)
    agent = example.Agent((64, 64, 3), 5, [8, 8, 8], lstm_size=16)
    steps, envs = 6, 3
    obs = torch.randint(0, 256, (steps, envs, 64, 64, 3), dtype=torch.uint8)
    dones = torch.zeros(steps, envs)
    dones[2, 1] = dones[4, 0] = 1.0
    initial = (torch.randn(1, envs, 16), torch.randn(1, envs, 16))
    with torch.no_grad():
        state, stepped, actions = initial, [], []
        for t in range(steps):
            action, logprob, _, _, state = agent.get_action_and_value(obs[t], state, dones[t])
            stepped.append(logprob)
            actions.append(action)
        _, unrolled, _, _, _ = agent.get_action_and_value(
            obs.reshape(-1, 64, 64, 3), initial, dones.reshape(-1), torch.stack(actions).reshape(-1)
        )
        assert torch.allclose(unrolled, torch.stack(stepped).reshape(-1), atol=1e-5)
        # The reset matters: without the done flags the sequences differ.
        _, ignored, _, _, _ = agent.get_action_and_value(
            obs.reshape(-1, 64, 64, 3), initial, torch.zeros(steps * envs), torch.stack(actions).reshape(-1)
        )
        assert not torch.allclose(ignored, unrolled, atol=1e-5)


def test_ppo_example_refuses_recurrent_minibatches_that_split_an_env():
    args = ["--lstm", "--num-envs", "6", "--num-minibatches", "4", "--total-steps", "64"]
    run = subprocess.run([sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "--num-envs 6" in lines[0] and "--num-minibatches 4" in lines[0], run.stderr
