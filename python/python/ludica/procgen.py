"""Procgen's Python interface over ludica's games, so that code written for Procgen runs by
changing its import (``from ludica.procgen import ProcgenEnv``).

- ``ProcgenGym3Env(num, env_name, ...)``: the gym3 interface (``observe``, ``act``,
  ``get_info``, ``get_state``, ``set_state``, ``ob_space``/``ac_space`` as Gymnasium spaces).
- ``ProcgenEnv(num_envs, env_name, ...)``: the baselines-style vector env Procgen's
  ``ProcgenEnv`` returns (``reset() -> obs``, ``step(a) -> (obs, reward, done, infos)``), the
  interface of CleanRL's ``ppo_procgen.py``.

Both follow Procgen: observations are a dict ``{"rgb": uint8 (num, 64, 64, 3)}``, an env that
ends an episode starts the next one in the same step (its observation is the new episode's
first, ``done``/``first`` is True, the reward is the ended episode's last), and each env's info
holds ``level_seed``, ``prev_level_seed`` and ``prev_level_complete``. Procgen's game names map
to ludica's games (``coinrun`` is ludica's ``runner``); its distribution modes to difficulty
presets (``memory``: the hard preset seen through the local view, on Procgen's memory games). Actions are the game's own (``ac_space.n`` of them), not Procgen's 15 button combos.
"""

from __future__ import annotations

import os
import random
import warnings
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode

from ludica import _args, _native
from ludica.vector import LudicaVectorEnv

#: Procgen's game names that ludica plays, and the ludica game each one is.
ENV_NAMES: dict[str, str] = {
    "bigfish": "bigfish",
    "chaser": "chaser",
    "climber": "climber",
    "coinrun": "runner",
    "dodgeball": "dodgeball",
    "heist": "heist",
    "maze": "maze",
    "miner": "miner",
    "starpilot": "starpilot",
}
#: Procgen's distribution modes ludica has, and the difficulty each one plays at.
DISTRIBUTION_MODES: dict[str, str | float] = {"easy": "easy", "hard": "hard", "extreme": 1.0, "memory": "hard"}
#: The games Procgen has a ``memory`` mode for; ludica plays it as hard levels seen through the
#: ``local`` view (a window centred on the agent).
MEMORY_GAMES: tuple[str, ...] = ("dodgeball", "heist", "maze", "miner")
#: Procgen options ludica accepts only at Procgen's default: its games have one look each.
_FIXED_OPTIONS: dict[str, Any] = {
    "center_agent": True,
    "use_backgrounds": True,
    "use_monochrome_assets": False,
    "restrict_themes": False,
    "use_generated_assets": False,
    "paint_vel_info": False,
    "debug": False,
    "debug_mode": 0,
    "resource_root": None,
}
#: ``render_mode="rgb_array"`` adds ``info["rgb"]``, a 512 x 512 frame as Procgen's.
_RENDER_SCALE = 8


def game_for(env_name: Any) -> str:
    """The ludica game a Procgen ``env_name`` (or a ludica game name) plays."""
    games = tuple(g["name"] for g in _native.games())
    if isinstance(env_name, str) and env_name in ENV_NAMES:
        return ENV_NAMES[env_name]
    if isinstance(env_name, str) and env_name in games:
        return env_name
    names = ", ".join(f"{p}" if p == g else f"{p} (ludica's {g})" for p, g in ENV_NAMES.items())
    raise ValueError(f"env_name {env_name!r} is not a game ludica has: available are {names}")


def _mode(distribution_mode: Any, game: str) -> tuple[str | float, str]:
    """The difficulty and view a Procgen ``distribution_mode`` plays ``game`` at."""
    if not isinstance(distribution_mode, str) or distribution_mode not in DISTRIBUTION_MODES:
        raise ValueError(
            f"distribution_mode {distribution_mode!r} is not supported: use one of {', '.join(DISTRIBUTION_MODES)} "
            "(ludica has no exploration mode)"
        )
    if distribution_mode != "memory":
        return DISTRIBUTION_MODES[distribution_mode], "full"
    if game not in MEMORY_GAMES:
        raise ValueError(
            f"distribution_mode 'memory' is not supported for {game}: Procgen has it for {', '.join(MEMORY_GAMES)} only"
        )
    return DISTRIBUTION_MODES[distribution_mode], "local"


class ProcgenGym3Env:
    """``num`` envs of a game with Procgen's gym3 interface.

    Args:
        num: number of envs.
        env_name: a Procgen game name (``ENV_NAMES``) or a ludica game name.
        distribution_mode: ``"easy"``, ``"hard"`` (Procgen's default), ``"extreme"``, or
            ``"memory"`` (``MEMORY_GAMES`` only: hard levels seen through the local view).
        num_levels, start_level: the level range ``[start_level, start_level + num_levels)``
            (0 levels: unlimited), as Procgen's.
        use_sequential_levels: play the range in order.
        rand_seed: seed of the level streams; None draws one from the system.
        num_threads: Rust threads stepping the envs (default: 4 or the CPU count if fewer).
        render_mode: None or ``"rgb_array"`` (``get_info()`` then holds a 512 x 512 ``"rgb"``).
        Procgen's look options (``center_agent``, ``use_backgrounds``, ...) are accepted at their
        defaults only.
    """

    def __init__(
        self,
        num: int,
        env_name: str,
        *,
        distribution_mode: str = "hard",
        num_levels: int = 0,
        start_level: int = 0,
        use_sequential_levels: bool = False,
        rand_seed: int | None = None,
        num_threads: int | None = None,
        render_mode: str | None = None,
        **options: Any,
    ) -> None:
        for name, value in options.items():
            if name not in _FIXED_OPTIONS:
                allowed = ", ".join(
                    ["distribution_mode", "num_levels", "start_level", "use_sequential_levels", "rand_seed"]
                    + ["num_threads", "render_mode", *_FIXED_OPTIONS]
                )
                raise TypeError(f"unexpected option {name!r}: Procgen's options ludica takes are {allowed}")
            if value != _FIXED_OPTIONS[name]:
                raise ValueError(
                    f"{name}={value!r} is not supported: ludica's games have one look, so {name} "
                    f"must stay {_FIXED_OPTIONS[name]!r}"
                )
        if num_threads is None:
            num_threads = min(4, os.cpu_count() or 1)
        if rand_seed is None:
            rand_seed = random.SystemRandom().randrange(_args.SEED_LIMIT)
        game = game_for(env_name)
        difficulty, view = _mode(distribution_mode, game)
        self._envs = LudicaVectorEnv(
            game,
            num,
            num_levels=num_levels,
            start_level=start_level,
            difficulty=difficulty,
            obs="rgb",
            view=view,
            sequential=use_sequential_levels,
            num_threads=num_threads,
            autoreset_mode=AutoresetMode.SAME_STEP,
            render_mode=render_mode,
            render_scale=_RENDER_SCALE,
        )
        self.num = self._envs.num_envs
        self.env_name = env_name
        self.game = self._envs.game
        self._render = render_mode is not None
        self.ob_space = spaces.Dict({"rgb": self._envs.single_observation_space})
        self.ac_space = self._envs.single_action_space
        obs, info = self._envs.reset(seed=_args.stream_seed(rand_seed))
        self._observed = (np.zeros(self.num, np.float32), {"rgb": obs}, np.ones(self.num, np.bool_))
        seeds = info["level_seed"]
        self._info = self._infos(seeds, seeds, np.zeros(self.num, np.bool_))

    def observe(self) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """``(reward float32, {"rgb": obs}, first bool)``: the last step's reward, the current
        observations, and which of them begin an episode."""
        return self._observed

    def act(self, ac: Any) -> None:
        """Steps every env with ``ac`` (one integer action per env)."""
        played = self._info
        obs, reward, terminated, truncated, info = self._envs.step(np.asarray(ac))
        first = terminated | truncated
        self._observed = (reward.astype(np.float32), {"rgb": obs}, first)
        prev_seeds = np.array([i["level_seed"] for i in played], np.int64)
        complete = np.zeros(self.num, np.bool_)
        if first.any():
            complete = info["final_info"]["episode_success"] & first
        self._info = self._infos(info["level_seed"], prev_seeds, complete)

    def get_info(self) -> list[dict[str, Any]]:
        """One dict per env: ``level_seed``, ``prev_level_seed`` (the level played before the last
        step: the ended one when an episode ended), ``prev_level_complete`` (1 when the last step
        completed a level) and, with ``render_mode="rgb_array"``, ``rgb``."""
        if not self._render:
            return [dict(i) for i in self._info]
        frames = self._envs.render()
        return [dict(i, rgb=frame) for i, frame in zip(self._info, frames, strict=True)]

    def get_state(self) -> list[bytes]:
        """Every env's snapshot as bytes (see ``ludica.EnvState``), as Procgen's."""
        return self._envs.get_state()

    def set_state(self, states: list[bytes]) -> None:
        """Puts every env in a snapshot from ``get_state``; ``observe`` then shows them."""
        obs = self._envs.set_state(states)
        self._observed = (np.zeros(self.num, np.float32), {"rgb": obs}, np.zeros(self.num, np.bool_))
        seeds = np.array([self._envs.save_state(i).level_seed for i in range(self.num)], np.int64)
        self._info = self._infos(seeds, seeds, np.zeros(self.num, np.bool_))

    def callmethod(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """gym3's way to call ``get_state`` / ``set_state``."""
        if method not in ("get_state", "set_state"):
            raise ValueError(f"callmethod {method!r} is not allowed: use get_state or set_state")
        return getattr(self, method)(*args, **kwargs)

    def close(self) -> None:
        self._envs.close()

    @staticmethod
    def _infos(seeds: np.ndarray, prev: np.ndarray, complete: np.ndarray) -> list[dict[str, Any]]:
        return [
            {"level_seed": int(s), "prev_level_seed": int(p), "prev_level_complete": int(c)}
            for s, p, c in zip(seeds, prev, complete, strict=True)
        ]


class ProcgenEnv:
    """``num_envs`` envs with the interface of Procgen's ``ProcgenEnv`` (gym3's baselines
    vector env): ``reset() -> {"rgb": obs}``, ``step(actions) -> (obs, reward, done, infos)``
    with ``done`` True where a new episode began this step and ``infos`` a list of one dict per
    env. Keyword arguments as ``ProcgenGym3Env``; ``env`` is that gym3 env."""

    def __init__(self, num_envs: int, env_name: str, **kwargs: Any) -> None:
        self.env = ProcgenGym3Env(num_envs, env_name, **kwargs)
        self.num_envs = self.env.num
        self.observation_space = self.env.ob_space
        self.action_space = self.env.ac_space
        self._reset_done = False

    def reset(self) -> dict[str, np.ndarray]:
        """The current observations. As Procgen's, envs reset themselves: only the first call
        returns first observations; a later call warns and changes nothing."""
        _, obs, first = self.env.observe()
        if self._reset_done and not first.all():
            warnings.warn("reset() ignored: ludica.procgen envs reset themselves when episodes end", stacklevel=2)
        self._reset_done = True
        return obs

    def step_async(self, actions: Any) -> None:
        self.env.act(actions)

    def step_wait(self) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[dict[str, Any]]]:
        reward, obs, first = self.env.observe()
        return obs, reward, first, self.env.get_info()

    def step(self, actions: Any) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Steps every env; returns ``(obs, reward float32, done bool, infos)``."""
        self.step_async(actions)
        return self.step_wait()

    def close(self) -> None:
        self.env.close()
