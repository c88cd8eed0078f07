"""Env-steps per second of ``ludica.sb3.make_vec`` (one Rust call per step) against what SB3
users otherwise run, a ``DummyVecEnv`` of ``Monitor``-wrapped single ``LudicaEnv``\\ s.

    python python/bench/sb3_rate.py --obs rgb --num-envs 64 --threads 2

Both step the same game and levels with the same pre-drawn random actions (see
``step_rate.py``), measured in turns, ``--repeats`` windows of ``--seconds`` each; the best
and the median window of each side are printed, then the ratio of the bests.
"""

from __future__ import annotations

import argparse
import json
import statistics

from stable_baselines3.common.monitor import Monitor
from stable_baselines3.common.vec_env import DummyVecEnv
from step_rate import measure

import ludica
from ludica.sb3 import make_vec


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--game", default="maze")
    p.add_argument("--obs", default="rgb", choices=["rgb", "symbolic"])
    p.add_argument("--num-envs", type=int, default=64)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seconds", type=float, default=1.0, help="length of one measuring window")
    p.add_argument("--repeats", type=int, default=5, help="windows per side, taken in turns")
    args = p.parse_args()
    common = {"num_levels": 200, "difficulty": "easy", "obs": args.obs}
    sides = {
        "ludica_sb3": make_vec(args.game, args.num_envs, num_threads=args.threads, **common),
        "sb3_dummy_vec_env": DummyVecEnv(
            [lambda: Monitor(ludica.LudicaEnv(args.game, **common)) for _ in range(args.num_envs)]
        ),
    }
    n_actions = int(sides["ludica_sb3"].action_space.n)
    windows: dict[str, list[float]] = {side: [] for side in sides}
    for _ in range(args.repeats):
        for side, envs in sides.items():
            windows[side].append(measure(envs, args.seconds, n_actions))
    for side, rates in windows.items():
        record = {"side": side, "game": args.game, "obs": args.obs, "num_envs": args.num_envs, "threads": args.threads}
        record |= {"best_env_steps_per_s": round(max(rates)), "median_env_steps_per_s": round(statistics.median(rates))}
        print(json.dumps(record))
    ratio = max(windows["ludica_sb3"]) / max(windows["sb3_dummy_vec_env"])
    print(f"ludica.sb3 steps {ratio:.1f}x as fast as DummyVecEnv of single envs")


if __name__ == "__main__":
    main()
