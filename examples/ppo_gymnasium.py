"""PPO on a ludica game through Gymnasium's vector API, in one file (after CleanRL's
``ppo_procgen.py``: IMPALA CNN, GAE, clipped surrogate and value losses, entropy bonus).
``--lstm`` adds an LSTM core after the CNN (after CleanRL's ``ppo_atari_lstm.py``): its state
is carried per env and zeroed where an episode ends, and minibatches are whole env sequences
unrolled from the state each env had when the rollout began.

    python examples/ppo_gymnasium.py --game maze --num-envs 64 --total-steps 2000000
    python examples/ppo_gymnasium.py --game maze --lstm

Each update prints one JSON line of metrics with stable names (``global_step``, ``sps``,
``episodes``, ``episode_return_mean``, ``episode_length_mean``, ``success_rate``,
``policy_loss``, ``value_loss``, ``entropy``, ``approx_kl``, ``clipfrac``,
``explained_variance``). The envs use same-step autoreset, so the observation after an
episode ends is already the next episode's first one and the classic PPO loop applies; an
episode cut by the time limit is bootstrapped from the value of its final observation.

``--curriculum plr`` (or ``robust-plr``) lets a ``ludica.LevelSampler`` choose each env's
levels (Prioritized Level Replay) and scores them from each rollout's advantages; robust PLR
learns from the steps on replayed levels only. The metrics line then adds ``buffer_levels``
and ``replay_share``. See docs/curricula.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical

import ludica


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="PPO on a ludica game (Gymnasium vector API)")
    p.add_argument("--game", default="maze", help="game name (ludica.games())")
    p.add_argument("--num-levels", type=int, default=200, help="training levels; 0 = unlimited")
    p.add_argument("--start-level", type=int, default=0, help="first training level seed")
    p.add_argument("--difficulty", default="easy", help="easy, medium, hard or a number in [0, 1]")
    p.add_argument("--num-envs", type=int, default=64, help="parallel envs")
    p.add_argument("--env-threads", type=int, default=2, help="Rust threads stepping the envs")
    p.add_argument("--total-steps", type=int, default=2_000_000, help="env steps to train for")
    p.add_argument("--num-steps", type=int, default=256, help="steps per env per rollout")
    p.add_argument("--lr", type=float, default=5e-4, help="Adam learning rate (annealed to 0)")
    p.add_argument("--gamma", type=float, default=0.999, help="discount")
    p.add_argument("--gae-lambda", type=float, default=0.95, help="GAE lambda")
    p.add_argument("--num-minibatches", type=int, default=8, help="minibatches per epoch")
    p.add_argument("--update-epochs", type=int, default=3, help="epochs over each rollout")
    p.add_argument("--clip-coef", type=float, default=0.2, help="surrogate and value clipping")
    p.add_argument("--ent-coef", type=float, default=0.01, help="entropy bonus weight")
    p.add_argument("--vf-coef", type=float, default=0.5, help="value loss weight")
    p.add_argument("--max-grad-norm", type=float, default=0.5, help="gradient norm clip")
    p.add_argument("--channels", type=int, nargs=3, default=[16, 32, 32], help="IMPALA CNN channels")
    p.add_argument(
        "--lstm", action="store_true", help="an LSTM core after the CNN (num-envs a multiple of num-minibatches)"
    )
    p.add_argument("--lstm-size", type=int, default=256, help="units of the LSTM core")
    p.add_argument("--seed", type=int, default=1, help="seeds torch and the envs' level streams")
    p.add_argument("--torch-threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--curriculum", default="dr", choices=ludica.curriculum.CURRICULA, help="level curriculum")
    args = p.parse_args()
    if args.lstm and args.num_envs % args.num_minibatches != 0:
        # Recurrent minibatches are whole env sequences: the envs must split evenly.
        print(
            f"error: --num-envs {args.num_envs} is not a multiple of --num-minibatches {args.num_minibatches}:"
            " with --lstm each minibatch is whole env sequences",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return args


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(torch.relu(self.conv0(torch.relu(x))))


class ConvSequence(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1),
            nn.MaxPool2d(3, stride=2, padding=1),
            ResidualBlock(out_channels),
            ResidualBlock(out_channels),
        )


LstmState = tuple[torch.Tensor, torch.Tensor]


class Agent(nn.Module):
    """IMPALA CNN torso, optionally an LSTM core, then policy and value heads, over
    [N, 64, 64, 3] uint8 frames. A feed-forward agent ignores ``state`` and ``done``."""

    def __init__(
        self, obs_shape: tuple[int, ...], num_actions: int, channels: list[int], lstm_size: int | None
    ) -> None:
        super().__init__()
        h, w, c = obs_shape
        layers: list[nn.Module] = []
        for out in channels:
            layers.append(ConvSequence(c, out))
            c, h, w = out, (h + 1) // 2, (w + 1) // 2
        self.torso = nn.Sequential(*layers, nn.Flatten(), nn.ReLU(), nn.Linear(c * h * w, 256), nn.ReLU())
        self.lstm = None if lstm_size is None else nn.LSTM(256, lstm_size)
        if self.lstm is not None:
            for name, param in self.lstm.named_parameters():
                if "bias" in name:
                    nn.init.constant_(param, 0.0)
                else:
                    nn.init.orthogonal_(param, 1.0)
        width = 256 if lstm_size is None else lstm_size
        self.policy = nn.Linear(width, num_actions)
        self.value = nn.Linear(width, 1)
        nn.init.orthogonal_(self.policy.weight, 0.01)
        nn.init.orthogonal_(self.value.weight, 1.0)

    def initial_state(self, num_envs: int, device: torch.device) -> LstmState | None:
        if self.lstm is None:
            return None
        zeros = torch.zeros(1, num_envs, self.lstm.hidden_size, device=device)
        return zeros, zeros.clone()

    def core(self, obs: torch.Tensor, state: LstmState | None, done: torch.Tensor | None):
        """Features of ``obs`` ([T * N, ...], time-major) and the state after them: the LSTM
        steps through the T steps, zeroing an env's state before a step whose ``done`` flag says
        the previous one ended its episode."""
        hidden = self.torso(obs.permute(0, 3, 1, 2).float() / 255.0)
        if self.lstm is None or state is None or done is None:
            return hidden, state
        num_envs = state[0].shape[1]
        outputs = []
        for x, d in zip(hidden.reshape(-1, num_envs, hidden.shape[-1]), done.reshape(-1, num_envs)):
            keep = (1.0 - d).view(1, -1, 1)
            out, state = self.lstm(x.unsqueeze(0), (keep * state[0], keep * state[1]))
            outputs.append(out)
        return torch.cat(outputs).flatten(0, 1), state

    def get_value(self, obs: torch.Tensor, state: LstmState | None = None, done: torch.Tensor | None = None):
        hidden, _ = self.core(obs, state, done)
        return self.value(hidden).squeeze(-1)

    def get_action_and_value(
        self,
        obs: torch.Tensor,
        state: LstmState | None = None,
        done: torch.Tensor | None = None,
        action: torch.Tensor | None = None,
    ):
        hidden, state = self.core(obs, state, done)
        dist = Categorical(logits=self.policy(hidden))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.value(hidden).squeeze(-1), state


def main() -> None:
    args = parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.torch_threads)
    device = torch.device(args.device)
    envs = ludica.make_vec(
        args.game,
        args.num_envs,
        num_levels=args.num_levels,
        start_level=args.start_level,
        difficulty=args.difficulty,
        obs="rgb",
        num_threads=args.env_threads,
        autoreset_mode=ludica.AutoresetMode.SAME_STEP,
    )
    obs_shape = envs.single_observation_space.shape
    lstm_size = args.lstm_size if args.lstm else None
    agent = Agent(obs_shape, int(envs.single_action_space.n), args.channels, lstm_size).to(device)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)

    n, t_max = args.num_envs, args.num_steps
    batch_size = n * t_max
    num_updates = max(1, args.total_steps // batch_size)
    obs = torch.zeros((t_max, n, *obs_shape), dtype=torch.uint8, device=device)
    actions = torch.zeros((t_max, n), dtype=torch.long, device=device)
    logprobs = torch.zeros((t_max, n), device=device)
    rewards = torch.zeros((t_max, n), device=device)
    dones = torch.zeros((t_max, n), device=device)
    values = torch.zeros((t_max, n), device=device)

    # The curriculum: which level each env plays, and which steps robust PLR learns from.
    sampler = None
    if args.curriculum != "dr":
        sampler = ludica.LevelSampler(
            args.curriculum, num_levels=args.num_levels, start_level=args.start_level, seed=args.seed
        )
    level_seeds = np.zeros((t_max, n), np.uint64)
    ended_np = np.zeros((t_max, n), np.bool_)
    replayed = np.ones((t_max, n), np.bool_)

    next_obs_np, info = sampler.reset(envs, seed=args.seed) if sampler else envs.reset(seed=args.seed)
    current_levels = info["level_seed"]
    next_obs = torch.from_numpy(next_obs_np).to(device)
    next_done = torch.zeros(n, device=device)
    next_state = agent.initial_state(n, device)
    global_step, start = 0, time.perf_counter()
    for update in range(1, num_updates + 1):
        for group in optimizer.param_groups:
            group["lr"] = args.lr * (1.0 - (update - 1.0) / num_updates)
        returns_seen, lengths_seen, successes = [], [], []
        initial_state = None if next_state is None else (next_state[0].clone(), next_state[1].clone())

        # Rollout: the envs step in Rust while torch waits; obs arrive as numpy, shared by torch.
        for t in range(t_max):
            global_step += n
            obs[t], dones[t] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value, next_state = agent.get_action_and_value(next_obs, next_state, next_done)
            actions[t], logprobs[t], values[t] = action, logprob, value
            level_seeds[t] = current_levels
            if sampler:
                replayed[t] = sampler.replaying
                next_obs_np, reward, terminated, truncated, info = sampler.step(envs, action.cpu().numpy())
            else:
                next_obs_np, reward, terminated, truncated, info = envs.step(action.cpu().numpy())
            ended_np[t], current_levels = terminated | truncated, info["level_seed"]
            reward = torch.as_tensor(reward, dtype=torch.float32, device=device)
            if "final_info" in info:
                ended, final = info["_final_info"], info["final_info"]
                returns_seen += final["episode_return"][ended].tolist()
                lengths_seen += final["episode_length"][ended].tolist()
                successes += final["episode_success"][ended].tolist()
                cut = np.flatnonzero(truncated)
                if cut.size:  # a time limit is not an end: bootstrap from the final frame's value
                    final_obs = torch.from_numpy(np.stack(info["final_obs"][cut])).to(device)
                    # The final frame continues the episode: the state after this step, no reset.
                    idx = torch.from_numpy(cut).to(device)
                    state = None if next_state is None else (next_state[0][:, idx], next_state[1][:, idx])
                    not_done = torch.zeros(cut.size, device=device)
                    with torch.no_grad():
                        reward[cut] += args.gamma * agent.get_value(final_obs, state, not_done)
            rewards[t] = reward
            next_obs = torch.from_numpy(next_obs_np).to(device)
            next_done = torch.as_tensor(terminated | truncated, dtype=torch.float32, device=device)

        # Generalized advantage estimation, backwards through the rollout.
        with torch.no_grad():
            next_value = agent.get_value(next_obs, next_state, next_done)
            advantages = torch.zeros_like(rewards)
            last_gae = torch.zeros(n, device=device)
            for t in reversed(range(t_max)):
                not_done = 1.0 - (next_done if t == t_max - 1 else dones[t + 1])
                following = next_value if t == t_max - 1 else values[t + 1]
                delta = rewards[t] + args.gamma * following * not_done - values[t]
                last_gae = delta + args.gamma * args.gae_lambda * not_done * last_gae
                advantages[t] = last_gae
            returns = advantages + values
        if sampler:
            sampler.update(level_seeds, ended_np, advantages.cpu().numpy())
        # Robust PLR learns from the steps on replayed levels only (none: no update).
        learn = np.flatnonzero(replayed.ravel()) if args.curriculum == "robust-plr" else np.arange(batch_size)
        learn = torch.as_tensor(learn, device=device)
        minibatches = min(args.num_minibatches, len(learn) // 2)

        b_obs, b_actions = obs.reshape(-1, *obs_shape), actions.reshape(-1)
        b_logprobs, b_adv = logprobs.reshape(-1), advantages.reshape(-1)
        b_returns, b_values = returns.reshape(-1), values.reshape(-1)
        b_dones = dones.reshape(-1)
        # Recurrent robust PLR unrolls whole sequences and masks the loss by step.
        b_learn = torch.as_tensor(replayed.ravel(), device=device) if args.curriculum == "robust-plr" else None
        flat = torch.arange(batch_size, device=device).reshape(t_max, n)
        clipfracs, approx_kl = [], torch.tensor(0.0)
        policy_loss = value_loss = entropy_loss = torch.tensor(0.0)
        for _ in range(args.update_epochs if minibatches else 0):
            if initial_state is None:  # feed-forward: shuffled transitions (of those learned from)
                order = learn[torch.randperm(len(learn), device=device)]
                batches = [(mb, None) for mb in torch.tensor_split(order, minibatches)]
            else:  # recurrent: the whole sequences of shuffled envs, time-major
                env_order = torch.randperm(n, device=device)
                per = n // args.num_minibatches
                batches = []
                for lo in range(0, n, per):
                    envs_mb = env_order[lo : lo + per]
                    batches.append((flat[:, envs_mb].reshape(-1), envs_mb))
            for mb, envs_mb in batches:
                state = None if envs_mb is None else (initial_state[0][:, envs_mb], initial_state[1][:, envs_mb])
                keep = None if envs_mb is None or b_learn is None else b_learn[mb]
                if keep is not None and int(keep.sum()) < 2:
                    continue  # too few learned steps in these sequences (advantages are normalized)
                _, new_logprob, entropy, new_value, _ = agent.get_action_and_value(
                    b_obs[mb], state, b_dones[mb], b_actions[mb]
                )
                if keep is not None:
                    # Robust PLR: the masked steps carried the LSTM state, but take no loss.
                    mb, new_logprob, entropy, new_value = mb[keep], new_logprob[keep], entropy[keep], new_value[keep]
                log_ratio = new_logprob - b_logprobs[mb]
                ratio = log_ratio.exp()
                with torch.no_grad():
                    approx_kl = ((ratio - 1) - log_ratio).mean()
                    clipfracs.append(((ratio - 1.0).abs() > args.clip_coef).float().mean().item())
                adv = b_adv[mb]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                # Clipped surrogate objective.
                policy_loss = torch.max(
                    -adv * ratio, -adv * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
                ).mean()
                # Clipped value loss.
                v_clipped = b_values[mb] + torch.clamp(new_value - b_values[mb], -args.clip_coef, args.clip_coef)
                value_loss = 0.5 * torch.max((new_value - b_returns[mb]) ** 2, (v_clipped - b_returns[mb]) ** 2).mean()
                entropy_loss = entropy.mean()
                loss = policy_loss - args.ent_coef * entropy_loss + args.vf_coef * value_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                optimizer.step()

        var_returns = b_returns.var()
        explained = (1 - (b_returns - b_values).var() / var_returns).item() if var_returns > 0 else float("nan")
        print(
            json.dumps(
                {
                    "update": update,
                    "global_step": global_step,
                    "sps": round(global_step / (time.perf_counter() - start)),
                    "episodes": len(returns_seen),
                    "episode_return_mean": float(np.mean(returns_seen)) if returns_seen else None,
                    "episode_length_mean": float(np.mean(lengths_seen)) if lengths_seen else None,
                    "success_rate": float(np.mean(successes)) if successes else None,
                    "policy_loss": policy_loss.item(),
                    "value_loss": value_loss.item(),
                    "entropy": entropy_loss.item(),
                    "approx_kl": approx_kl.item(),
                    "clipfrac": float(np.mean(clipfracs)) if clipfracs else 0.0,
                    "explained_variance": explained,
                    "buffer_levels": len(sampler.buffer()) if sampler else None,
                    "replay_share": float(replayed.mean()) if sampler else None,
                }
            ),
            flush=True,
        )
    envs.close()


if __name__ == "__main__":
    main()
