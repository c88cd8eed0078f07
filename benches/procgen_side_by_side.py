"""Env steps per second of ludica and Procgen side by side, one game pair at a time.

Both sides step 64 envs with uniformly random actions, easy levels, unlimited levels, 64 x 64
rgb observations, pinned to one CPU (this process and its children). ludica is measured with
`ludica bench` (the Rust VecEnv, `--threads 1`); Procgen with its gym3 API
(`ProcgenGym3Env(num=64, ...)`) in its two one-core set-ups: `num_threads=0`, every env
stepped in the calling thread (its fastest on one core), and `num_threads=1`, one worker
thread stepping the envs handed to it one by one. Runs of the sides alternate, so that all
see the same load, and each figure is the median of the repeats. Run it through
`benches/procgen_side_by_side.sh`, which makes Procgen's own virtualenv.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
from procgen import ProcgenGym3Env

# ludica game -> its Procgen counterpart.
PAIRS = {
    "maze": "maze",
    "runner": "coinrun",
    "bigfish": "bigfish",
    "starpilot": "starpilot",
    "chaser": "chaser",
    "heist": "heist",
    "dodgeball": "dodgeball",
    "miner": "miner",
    "climber": "climber",
}
NUM_ENVS = 64
# Procgen's action count (all its games share the 15 combos).
PROCGEN_ACTIONS = 15


def procgen_rate(name, threads, steps, seed):
    """Env steps per second of Procgen's `name` with `num_threads=threads` over `steps` env
    steps (whole batches)."""
    env = ProcgenGym3Env(
        num=NUM_ENVS,
        env_name=name,
        distribution_mode="easy",
        num_levels=0,
        start_level=0,
        num_threads=threads,
        rand_seed=seed,
    )
    rng = np.random.default_rng(seed)
    actions = rng.integers(0, PROCGEN_ACTIONS, size=(64, NUM_ENVS), dtype=np.int32)
    _, obs, _ = env.observe()
    assert obs["rgb"].shape == (NUM_ENVS, 64, 64, 3), obs["rgb"].shape
    for batch in actions[:16]:  # warm up
        env.act(batch)
        env.observe()
    batches = max(1, steps // NUM_ENVS)
    start = time.perf_counter()
    for b in range(batches):
        env.act(actions[b % len(actions)])
        env.observe()
    seconds = time.perf_counter() - start
    return batches * NUM_ENVS / seconds


def ludica_rate(ludica, game, steps, seed):
    """Env steps per second of ludica's `game`, from `ludica bench --json`."""
    command = [
        ludica, "bench", "--game", game, "--num-envs", str(NUM_ENVS), "--threads", "1",
        "--obs", "rgb", "--difficulty", "easy", "--steps", str(steps), "--seed", str(seed), "--json",
    ]
    record = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return record["steps_per_sec"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ludica", required=True, help="path of the ludica binary (a release build)")
    parser.add_argument("--games", default=",".join(PAIRS), help="comma-separated ludica games")
    parser.add_argument("--ludica-steps", type=int, default=2_000_000, help="env steps per ludica run")
    parser.add_argument("--procgen-steps", type=int, default=200_000, help="env steps per Procgen run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side and game")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    games = args.games.split(",")
    cpu = max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    for game in games:
        if game not in PAIRS:
            sys.exit(f"error: unknown game '{game}': allowed are {', '.join(PAIRS)}")

    print(f"# {time.strftime('%Y-%m-%d %H:%M %Z')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cpus, load {os.getloadavg()[0]:.2f} at start")
    print(f"# {NUM_ENVS} envs, all on cpu {cpu}, easy, unlimited levels, rgb, random actions, "
          f"median of {args.repeats}")
    print("| ludica game | ludica steps/s | Procgen game | Procgen, num_threads=0 | ratio "
          "| Procgen, num_threads=1 | ratio |")
    print("|---|---|---|---|---|---|---|")
    for game in games:
        ours, inline, worker = [], [], []
        for repeat in range(args.repeats):
            ours.append(ludica_rate(args.ludica, game, args.ludica_steps, args.seed + repeat))
            inline.append(procgen_rate(PAIRS[game], 0, args.procgen_steps, args.seed + repeat))
            worker.append(procgen_rate(PAIRS[game], 1, args.procgen_steps, args.seed + repeat))
        a, b, c = (statistics.median(rates) for rates in (ours, inline, worker))
        print(f"| {game} | {a:,.0f} | {PAIRS[game]} | {b:,.0f} | {a / b:.1f}x | {c:,.0f} | {a / c:.1f}x |",
              flush=True)
    print(f"# load {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
