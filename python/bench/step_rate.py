"""Env-steps per second of ``LudicaVectorEnv.step`` from Python, beside the same loop in Rust.

    python python/bench/step_rate.py --game maze --obs rgb --num-envs 64 --threads 2 --rust

Both sides build the same VecEnv (200 easy levels, next-step autoreset) and step it with 64
pre-drawn batches of random actions, cycled, after a short warm-up. On a shared machine
the figures move with the load, so the sides are measured in turns, ``--repeats`` windows of
``--seconds`` each, and the best and the median window of each side are printed. ``--rust``
takes the Rust figure from the ``step_rate`` example of the ``ludica-py`` crate (built
with ``cargo build --release``). ``--gym-sync`` adds a Gymnasium ``SyncVectorEnv`` of single
``LudicaEnv``\\ s (the Python-loop baseline) and ``--minigrid MiniGrid-FourRooms-v0`` adds
MiniGrid under a ``SyncVectorEnv`` (its 7x7x3 symbolic view, or with ``--obs rgb`` its 56x56x3
rgb partial view), if minigrid is importable; both once, as they are far slower.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import statistics
import subprocess
import time
from typing import Any

import gymnasium as gym
import numpy as np

import ludica

ROOT = pathlib.Path(__file__).resolve().parents[2]


def measure(envs: Any, seconds: float, n_actions: int | None = None) -> float:
    """Env-steps per second of ``envs.step`` over about ``seconds``: a Gymnasium vector env,
    or (given ``n_actions``) any vector env with ``reset()`` and ``step(actions)``, such as
    Stable-Baselines3's."""
    rng = np.random.default_rng(0)
    if n_actions is None:
        n_actions = int(envs.single_action_space.n)
        envs.reset(seed=0)
    else:
        envs.reset()
    batches = [rng.integers(0, n_actions, envs.num_envs) for _ in range(64)]
    for batch in batches:  # warm-up
        envs.step(batch)
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        for batch in batches:
            envs.step(batch)
        steps += len(batches)
    return steps * envs.num_envs / (time.perf_counter() - start)


def rust_binary() -> pathlib.Path:
    """The step_rate example, built in release mode."""
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "ludica-py", "--example", "step_rate"], cwd=ROOT, check=True
    )
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return pathlib.Path(json.loads(meta.stdout)["target_directory"]) / "release" / "examples" / "step_rate"


def rust_rate(binary: pathlib.Path, args: argparse.Namespace) -> float:
    """One window of the Rust loop."""
    cmd = [str(binary), args.game, args.obs, str(args.num_envs), str(args.threads), str(args.seconds)]
    line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return float(json.loads(line)["env_steps_per_s"])


def minigrid_envs(args: argparse.Namespace) -> gym.vector.VectorEnv:
    """MiniGrid's env under Gymnasium's SyncVectorEnv, observing a uint8 array."""
    import minigrid.wrappers as mw  # registers the MiniGrid envs

    def wrap(env: gym.Env) -> gym.Env:
        if args.obs == "rgb":
            env = mw.RGBImgPartialObsWrapper(env)
        return mw.ImgObsWrapper(env)

    return gym.make_vec(args.minigrid, args.num_envs, vectorization_mode="sync", wrappers=[wrap])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--game", default="maze")
    p.add_argument("--obs", default="rgb", choices=["rgb", "symbolic"])
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=1.0, help="length of one measuring window")
    p.add_argument("--repeats", type=int, default=7, help="windows per side, taken in turns")
    p.add_argument("--rust", action="store_true", help="also measure the same loop in Rust and print the ratios")
    p.add_argument("--gym-sync", action="store_true", help="also measure a SyncVectorEnv of single envs")
    p.add_argument("--minigrid", metavar="ENV_ID", help="also measure this MiniGrid env under SyncVectorEnv")
    args = p.parse_args()
    common = {"num_levels": 200, "difficulty": "easy", "obs": args.obs}
    sides = {
        f"python_copy_{copy}": ludica.make_vec(args.game, args.num_envs, num_threads=args.threads, copy=copy, **common)
        for copy in (True, False)
    }
    binary = rust_binary() if args.rust else None
    windows: dict[str, list[float]] = {side: [] for side in [*sides, *(["rust"] if binary else [])]}
    for _ in range(args.repeats):
        for side, envs in sides.items():
            windows[side].append(measure(envs, args.seconds))
        if binary:
            windows["rust"].append(rust_rate(binary, args))
    if args.gym_sync:
        envs = gym.make_vec(ludica.env_id(args.game), args.num_envs, vectorization_mode="sync", **common)
        windows["gymnasium_sync"] = [measure(envs, args.seconds * args.repeats)]
    if args.minigrid:
        windows["minigrid_sync"] = [measure(minigrid_envs(args), args.seconds * args.repeats)]
    best = {side: max(rates) for side, rates in windows.items()}
    for side, rates in windows.items():
        record = {"side": side, "game": args.game, "obs": args.obs, "num_envs": args.num_envs, "threads": args.threads}
        record |= {"best_env_steps_per_s": round(best[side]), "median_env_steps_per_s": round(statistics.median(rates))}
        print(json.dumps(record))
    if binary:
        rust = best["rust"]
        for side, rate in best.items():
            print(f"{side}: best {rate:,.0f} env-steps/s = {100 * rate / rust:.0f}% of Rust's best {rust:,.0f}")


if __name__ == "__main__":
    main()
