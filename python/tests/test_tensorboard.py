"""TensorBoard reads what `ludica train` writes: every number of every metrics.jsonl line is a
scalar under the same key at the line's global_step, and a run killed after its last
checkpoint and resumed shows each step once (the resumed session's events replace the
killed one's from its first step on)."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import numpy as np
from conftest import TINY, ludica_cli, train_tiny
from tensorboard.backend.event_processing import event_accumulator


def metrics(run):
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def scalars(run):
    """Every scalar TensorBoard shows for `run`: {tag: [(step, value), ...]}."""
    acc = event_accumulator.EventAccumulator(str(run), size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def assert_scalars_match_metrics(run):
    lines = metrics(run)
    shown = scalars(run)
    numeric = sorted({k for line in lines for k, v in line.items() if isinstance(v, (int, float))})
    assert sorted(shown) == numeric
    for tag in numeric:
        want = [(line["global_step"], np.float32(line[tag])) for line in lines if line[tag] is not None]
        assert shown[tag] == want, tag
    return lines


def test_a_run_writes_its_metrics_as_tensorboard_scalars(tmp_path):
    run = tmp_path / "run"
    train_tiny(run, "--steps", "320")
    lines = assert_scalars_match_metrics(run)
    assert [line["update"] for line in lines] == [1, 2, 3, 4, 5]
    assert len(list(run.glob("events.out.tfevents.*"))) == 1


def test_a_killed_and_resumed_run_shows_each_step_once(tmp_path):
    run = tmp_path / "run"
    args = [ludica_cli(), "train", "--out", run, "--steps", "3200", "--checkpoint-every", "4", *TINY]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not ((run / "metrics.jsonl").is_file() and len(metrics(run)) >= 6):
        assert proc.poll() is None and time.monotonic() < deadline, "the run should still be training"
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    killed_at = len(metrics(run))
    checkpointed = json.loads((run / "checkpoint.json").read_text())["update"]
    assert killed_at > checkpointed, "the kill should land after the last checkpoint"
    resumed = subprocess.run([ludica_cli(), "train", "--resume", run, "--quiet"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert len(list(run.glob("events.out.tfevents.*"))) == 2
    lines = assert_scalars_match_metrics(run)
    assert [line["update"] for line in lines] == list(range(1, 51))
