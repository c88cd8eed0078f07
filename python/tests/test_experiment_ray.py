"""``python -m ludica.experiment`` on a local Ray instance with 2 CPUs (one for the module): a
tiny grid's runs train as Ray tasks, Ctrl-C stops them at checkpoints, the next session resumes
them to the end, ``ludica experiment report`` reads the directory, and a rerun of a finished
grid trains nothing; a Ray address that cannot be reached and a bad spec are one line, exit
status 2. Skipped where ``ray`` is not installed."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

ray = pytest.importorskip("ray")

from conftest import ludica_cli  # noqa: E402
from ludica import experiment  # noqa: E402

SPEC = """
[grid]
games = ["maze"]
num_levels = [5]
seeds = [1, 2]

[train]
obs = "symbolic"
difficulty = 0.0
max_episode_steps = 20
num_envs = 4
num_steps = 16
num_minibatches = 2
update_epochs = 1
hidden = 16
steps = 6400
eval_episodes = 4
"""
UPDATES = 6400 // (4 * 16)
NAMES = ["maze-symbolic-0-n5-s1", "maze-symbolic-0-n5-s2"]


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance with 2 CPUs for the whole module; yields its address."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ludica.experiment", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout)


def metrics(run: pathlib.Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


def test_runs_train_as_ray_tasks_stop_at_checkpoints_resume_and_report(cluster, tmp_path):
    binary = str(ludica_cli())
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "exp"
    runs = [out / "runs" / name for name in NAMES]

    # A session stopped by Ctrl-C once the first run has logged a few updates. Each run asks
    # for 2 CPUs (an env thread and a libtorch thread), so on 2 CPUs the second one waits.
    args = ["run", str(spec), "--out", str(out), "--ray", cluster, "--ludica-bin", binary]
    driver = subprocess.Popen([sys.executable, "-m", "ludica.experiment", *args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    start = time.monotonic()
    while not ((runs[0] / "metrics.jsonl").is_file() and len(metrics(runs[0])) >= 3):
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() - start < 90, "the first run never started"
        time.sleep(0.05)
    driver.send_signal(signal.SIGINT)
    stdout, stderr = driver.communicate(timeout=60)
    assert driver.returncode == 130, stdout + stderr
    assert "rerun the same command" in stdout
    assert 3 <= len(metrics(runs[0])) < UPDATES and (runs[0] / "checkpoint.json").is_file()
    assert not runs[1].exists(), "the waiting run was cancelled before it started"
    with open(runs[0] / "train.lock") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # its trainer has ended

    # The next session resumes the first from its checkpoint (a new start would find its run
    # directory taken) and trains the second.
    lines: list[str] = []
    summary = experiment.run(spec, out, ludica_bin=binary, echo=lines.append)
    assert summary == {"dir": str(out), "runs": 2, "finished_before": 0, "finished": 2, "failed": []}, lines
    assert "2 submitted to Ray" in lines[0] and sum(line.startswith("finished ") for line in lines) == 2
    for run in runs:
        logged = metrics(run)
        assert [m["update"] for m in logged] == list(range(1, UPDATES + 1)), run
        assert "eval" in logged[-1], "evaluated after the last update, as the report needs"
        assert json.loads((run / "summary.json").read_text())["finished"]
    log = (out / "logs" / f"{NAMES[0]}.log").read_text()
    assert "interrupted: checkpoint saved" in log, log

    report = subprocess.run([binary, "experiment", "report", str(out)], capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert "| maze | symbolic | 0 | 5 | 2 |" in report.stdout, report.stdout
    assert len(json.loads((out / "report.json").read_text())["cells"]) == 1

    # A rerun of the finished grid trains nothing.
    before = [(r / "metrics.jsonl").read_bytes() for r in runs]
    again = cli(*args)
    assert again.returncode == 0, again.stderr
    assert "2 runs finished (2 before this session)" in again.stdout
    assert f"{binary} experiment report {out}" in again.stdout
    assert [(r / "metrics.jsonl").read_bytes() for r in runs] == before


def test_an_unreachable_address_and_a_bad_spec_are_one_line_and_exit_2(tmp_path):
    binary = str(ludica_cli())
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    for address, words in [("127.0.0.1:1", "cannot be reached"), ("no-port", "is not allowed")]:
        start = time.monotonic()
        done = cli("run", str(spec), "--out", str(tmp_path / "exp"), "--ray", address, "--ludica-bin", binary)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and words in done.stderr and address in done.stderr, done.stderr
        assert time.monotonic() - start < 60, "no waiting for Ray's own connection timeouts"

    spec.write_text(SPEC.replace("num_envs", "num_env"))
    done = cli("run", str(spec), "--out", str(tmp_path / "exp"), "--ray", "local", "--ludica-bin", binary)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "unknown field `num_env`" in done.stderr
    done = cli("run", str(spec), "--out", str(tmp_path / "exp"), "--ray", "local", "--ludica-bin", "/no/ludica")
    assert done.returncode == 2 and "'/no/ludica' is not an executable file" in done.stderr, done.stderr
    assert not (tmp_path / "exp").exists(), "refused input writes nothing"
    assert os.listdir(tmp_path) == ["spec.toml"]
