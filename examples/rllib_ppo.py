"""PPO from RLlib (Ray's new API stack) on ludica, with ludica's Rust vector env inside each
env runner.

RLlib's env runners build their envs with ``gymnasium.make_vec(env, num_envs,
vectorization_mode, **env_config)``. With

- the id ``"ludica:ludica/Maze-v0"``: Gymnasium imports ``ludica`` in each runner process
  (which never imports it otherwise) and finds the id it registers;
- ``gym_env_vectorize_mode="vector_entry_point"``: ``make_vec`` calls ludica's vector entry
  point, so each runner steps all its envs in one Rust call (``ludica.LudicaVectorEnv``) instead
  of a ``SyncVectorEnv`` of single envs; ludica's default next-step autoreset is what RLlib's
  ``SingleAgentEnvRunner`` expects;
- ``obs_dtype="float32"`` in ``env_config``: RLlib's default encoders take float observations
  only (uint8 ones fail with "mat1 and mat2 must have the same dtype").

Prints one JSON line of metrics per training iteration:

    python examples/rllib_ppo.py --game maze --iterations 50

Needs ``ray[rllib]`` (python/requirements.txt pins it).
"""

from __future__ import annotations

import argparse
import json
import math

import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig

import ludica


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--game", default="maze", help="a game from ludica.games()")
    p.add_argument("--obs", default="symbolic", choices=["symbolic", "rgb"])
    p.add_argument("--difficulty", default="easy", help='"easy", "medium", "hard" or a number in [0, 1]')
    p.add_argument("--num-levels", type=int, default=200)
    p.add_argument("--iterations", type=int, default=2, help="training iterations (algo.train() calls)")
    p.add_argument("--num-env-runners", type=int, default=1, help="Ray actors collecting samples")
    p.add_argument("--num-envs-per-runner", type=int, default=16, help="envs in each runner's Rust vector env")
    p.add_argument("--env-threads", type=int, default=1, help="Rust threads stepping each runner's envs")
    p.add_argument("--rollout-length", type=int, default=32, help="steps per env per sample() call")
    p.add_argument("--train-batch", type=int, default=1024, help="env steps per training iteration")
    p.add_argument("--minibatch", type=int, default=256)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 256], help="MLP encoder layer sizes")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--num-cpus", type=int, default=2, help="CPUs of the local Ray instance")
    p.add_argument("--seed", type=int, default=1)
    return p.parse_args()


def config(args: argparse.Namespace) -> PPOConfig:
    env_config = {
        "obs": args.obs,
        "obs_dtype": "float32",
        "difficulty": args.difficulty,
        "num_levels": args.num_levels,
        "num_threads": args.env_threads,
    }
    return (
        PPOConfig()
        .environment("ludica:" + ludica.env_id(args.game), env_config=env_config)
        .env_runners(
            num_env_runners=args.num_env_runners,
            num_envs_per_env_runner=args.num_envs_per_runner,
            gym_env_vectorize_mode="vector_entry_point",
            rollout_fragment_length=args.rollout_length,
        )
        .learners(num_learners=0)
        .training(
            train_batch_size_per_learner=args.train_batch,
            minibatch_size=args.minibatch,
            num_epochs=args.epochs,
            lr=args.lr,
        )
        .rl_module(model_config=DefaultModelConfig(fcnet_hiddens=args.hidden))
        .debugging(seed=args.seed)
    )


def main() -> None:
    args = parse_args()
    ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False)
    try:
        algo = config(args).build_algo()
        # What each remote env runner steps: ludica's Rust vector env, under RLlib's info wrapper.
        envs = algo.env_runner_group.foreach_env_runner(lambda r: repr(r.env.unwrapped), local_env_runner=False)
        print(json.dumps({"env_runner_envs": envs}), flush=True)
        for _ in range(args.iterations):
            result = algo.train()
            runners, learner = result["env_runners"], result["learners"]["default_policy"]
            metrics = {
                "iteration": result["training_iteration"],
                "env_steps": result["num_env_steps_sampled_lifetime"],
                "episodes": runners.get("num_episodes", 0),
                "episode_return_mean": runners.get("episode_return_mean", math.nan),
                "episode_len_mean": runners.get("episode_len_mean", math.nan),
                "policy_loss": learner["policy_loss"],
                "vf_loss": learner["vf_loss"],
                "entropy": learner["entropy"],
            }
            print(json.dumps({k: float(v) if not isinstance(v, int) else v for k, v in metrics.items()}), flush=True)
        algo.stop()
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
