"""Shared helpers for the ludica Python tests: exact comparison of step results (values,
dtypes and info layout), action ids looked up by name, seeded random actions, and the
`ludica` command-line binary."""

from __future__ import annotations

import os
import pathlib
import subprocess
from typing import Any

import numpy as np
import pytest

import ludica

GAMES = [g["name"] for g in ludica.games()]


def action(game: str, name: str) -> int:
    """The id of `game`'s action called `name`, read from the game's definition."""
    return next(g for g in ludica.games() if g["name"] == game)["actions"].index(name)


def num_actions(game: str) -> int:
    """How many actions `game` has."""
    return len(next(g for g in ludica.games() if g["name"] == game)["actions"])


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """`a` and `b` hold the same data: same dict keys, same array dtypes, shapes and bytes;
    object arrays element by element."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{where}: {a.dtype}{a.shape} != {b.dtype}{b.shape}"
        if a.dtype == object:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                assert_same(x, y, f"{where}[{i}]")
        else:
            assert np.array_equal(a, b), f"{where}: {a} != {b}"
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def ludica_cli() -> pathlib.Path:
    """The `ludica` binary that `cargo test --release` built (scripts/test.sh exports its path
    as LUDICA_BIN). Outside CI a missing binary skips the test that needs it; in CI it fails."""
    default = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "release" / "ludica"
    path = pathlib.Path(os.environ.get("LUDICA_BIN", default))
    if not path.is_file():
        message = f"no ludica binary at {path}: build it with `cargo build --release` or set LUDICA_BIN"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# Flags of a `ludica train` run that takes a second or two (as tests/common/mod.rs's TINY).
TINY = ["--obs", "symbolic", "--num-envs", "4", "--num-steps", "16", "--num-minibatches", "2"]
TINY += ["--update-epochs", "1", "--hidden", "16", "--num-levels", "10", "--quiet", "--device", "cpu"]


def train_tiny(run: pathlib.Path, *flags: str) -> None:
    """Trains a tiny run into `run` with `flags` added."""
    out = subprocess.run([ludica_cli(), "train", "--out", run, *TINY, *flags], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
