"""`make wheel` (scripts/wheel.sh) builds an abi3 wheel that installs into a fresh virtualenv
and steps envs there with no Rust toolchain on PATH. Slow (it builds the wheel): marked
``slow``, and still part of ``make test``.

The fresh virtualenv has no pip and no network: this venv's pip puts the wheel into its
site-packages with ``--no-deps``, and numpy and
gymnasium (its dependencies) are reached through a ``.pth`` file pointing at links to the test
virtualenv's copies, which comes after the venv's own site-packages, so ``import ludica`` can
only find the wheel's."""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import venv

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEPENDENCIES = ("numpy", "numpy.libs", "gymnasium", "cloudpickle", "farama_notifications", "typing_extensions.py")
CHECK = """
import numpy as np, ludica, sys
assert ludica.__file__.startswith(sys.prefix), ludica.__file__
envs = ludica.make_vec("maze", 4, num_levels=10)
obs, info = envs.reset(seed=0)
for _ in range(5):
    obs, reward, terminated, truncated, info = envs.step(np.zeros(4, np.int64))
state = ludica.EnvState.from_bytes(bytes(envs.save_state(0)))
print(obs.shape, state.game)
"""


@pytest.mark.slow
def test_wheel_installs_and_steps_in_a_fresh_venv_without_rust(tmp_path):
    built = subprocess.run(["bash", "scripts/wheel.sh"], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    wheel = pathlib.Path(ROOT / built.stdout.strip().splitlines()[-1])
    assert wheel.name.startswith("ludica-") and "-cp311-abi3-" in wheel.name, wheel.name

    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    here = pathlib.Path(sysconfig.get_paths()["purelib"])
    links = tmp_path / "deps"
    links.mkdir()
    for name in DEPENDENCIES:
        (links / name).symlink_to(here / name)
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    (pathlib.Path(site) / "zz_ludica_test_deps.pth").write_text(f"{links}\n")

    env = {"PATH": f"{fresh / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    assert shutil.which("cargo", path=env["PATH"]) is None and shutil.which("rustc", path=env["PATH"]) is None
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--target", site, str(wheel)],
        capture_output=True, text=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    assert install.returncode == 0, install.stderr
    run = subprocess.run([python, "-c", CHECK], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["(4,", "64,", "64,", "3)", "maze"]
