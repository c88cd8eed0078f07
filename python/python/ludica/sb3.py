"""``ludica.sb3.make_vec``: a Stable-Baselines3 ``VecEnv`` over the Rust vector env, so that SB3
algorithms step all envs in one Rust call instead of a ``DummyVecEnv`` of single envs.

>>> from stable_baselines3 import PPO
>>> from ludica.sb3 import make_vec
>>> model = PPO("CnnPolicy", make_vec("maze", num_envs=16, num_levels=200), n_steps=128)

It behaves as SB3's ``DummyVecEnv`` of ``Monitor``-wrapped envs: envs reset themselves in the
step that ends an episode (same-step autoreset), and that env's info holds the episode's last
observation (``terminal_observation``), ``TimeLimit.truncated`` (the time limit, not the game,
ended it), ``episode`` (``r``, ``l``, ``t``, as ``Monitor`` writes it, which SB3's loggers read)
and ``is_success``. Every info holds ``level_seed``. ``seed(s)`` then ``reset()`` restarts the
level streams from ``s``, env ``i`` drawing from a stream derived from ``(s, i)`` (ludica's
convention, not SB3's ``s + i``). Stable-Baselines3 stays optional: importing this module
without it raises ImportError saying so.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np
from gymnasium.vector import AutoresetMode

try:
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env.base_vec_env import VecEnv
except ImportError as missing:
    raise ImportError(
        "ludica.sb3 needs Stable-Baselines3: pip install stable-baselines3 (python/requirements.txt pins it)"
    ) from missing

from ludica.vector import LudicaVectorEnv

#: Per-env methods of the Rust vector env that ``env_method`` calls with the env's index first.
ENV_METHODS = ("save_state", "load_state", "level")


class LudicaSB3VecEnv(VecEnv):
    """``num_envs`` envs of ``game`` as an SB3 ``VecEnv``; keyword arguments as
    ``ludica.make_vec`` (``num_levels``, ``start_level``, ``difficulty``, ``obs``,
    ``sequential``, ``num_threads``, ``render_mode``, ``render_scale``) except
    ``autoreset_mode`` (always same-step, as SB3 expects) and ``copy`` (always True: SB3 keeps
    the observations it is given)."""

    def __init__(self, game: str = "maze", num_envs: int = 64, **kwargs: Any) -> None:
        for fixed in ("autoreset_mode", "copy"):
            if fixed in kwargs:
                raise TypeError(f"{fixed} is fixed in ludica.sb3 (same-step autoreset, copied arrays): leave it out")
        self.envs = LudicaVectorEnv(game, num_envs, autoreset_mode=AutoresetMode.SAME_STEP, **kwargs)
        super().__init__(self.envs.num_envs, self.envs.single_observation_space, self.envs.single_action_space)
        self.render_mode = self.envs.render_mode
        self._actions = np.zeros(self.num_envs, np.int64)
        self._start = time.time()

    def reset(self) -> np.ndarray:
        """Starts an episode in every env; with ``seed(s)`` called before, restarts the level
        streams from ``s``. Options set by ``set_options`` go to ``LudicaVectorEnv.reset``."""
        seed, options = self._seeds[0], self._options[0]
        obs, info = self.envs.reset(seed=seed, options=options or None)
        self._reset_seeds()
        self._reset_options()
        self.reset_infos = [{"level_seed": int(s)} for s in info["level_seed"]]
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions)

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        obs, reward, terminated, truncated, info = self.envs.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{"level_seed": int(s)} for s in info["level_seed"]]
        if dones.any():
            final, elapsed = info["final_info"], round(time.time() - self._start, 6)
            for i in np.flatnonzero(dones):
                infos[i]["terminal_observation"] = info["final_obs"][i]
                infos[i]["TimeLimit.truncated"] = bool(truncated[i] and not terminated[i])
                infos[i]["episode"] = {
                    "r": float(final["episode_return"][i]),
                    "l": int(final["episode_length"][i]),
                    "t": elapsed,
                }
                infos[i]["is_success"] = bool(final["episode_success"][i])
        return obs, reward.astype(np.float32), dones, infos

    def close(self) -> None:
        self.envs.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        frames = self.envs.render()
        return [None] * self.num_envs if frames is None else list(frames)

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        """The vector env's attribute, once per env asked for (all envs share it)."""
        value = getattr(self.envs, attr_name)
        return [value for _ in self._get_indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        """Sets an attribute of the vector env, which all envs share: ``indices`` must be all."""
        if len(list(self._get_indices(indices))) != self.num_envs:
            raise ValueError(f"set_attr({attr_name!r}) sets it for all {self.num_envs} envs: leave out indices")
        setattr(self.envs, attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> list[Any]:
        """Calls a per-env method (``save_state``, ``load_state``, ``level``) for each env asked
        for, as ``method(i, *args)`` of the Rust vector env."""
        if method_name not in ENV_METHODS:
            raise ValueError(f"env_method {method_name!r} is not available: use one of {', '.join(ENV_METHODS)}")
        method = getattr(self.envs, method_name)
        return [method(i, *method_args, **method_kwargs) for i in self._get_indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        """True for ``Monitor`` only: each env writes ``Monitor``'s episode infos itself."""
        return [wrapper_class is Monitor for _ in self._get_indices(indices)]


def make_vec(game: str = "maze", num_envs: int = 64, **kwargs: Any) -> LudicaSB3VecEnv:
    """``num_envs`` envs of ``game`` as an SB3 ``VecEnv`` (see ``LudicaSB3VecEnv``)."""
    return LudicaSB3VecEnv(game, num_envs, **kwargs)
