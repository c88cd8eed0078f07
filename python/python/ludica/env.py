"""`LudicaEnv`: one ludica env as a ``gymnasium.Env`` (``gymnasium.make("ludica/Maze-v0")``).

It drives a one-env Rust VecEnv. It does not reset itself: after an episode ends, call
``reset()`` (Gymnasium's vector envs and wrappers do).
"""

from __future__ import annotations

import threading
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.error import ResetNeeded

from ludica import _args, _levels, _native
from ludica._base import RENDER_FPS, NativeEpisodes, native_env, render_args, serialized


class LudicaEnv(NativeEpisodes, gym.Env[np.ndarray, np.int64]):
    """One env of a ludica game.

    Args:
        game: a game name (``ludica.games()``).
        num_levels: how many distinct levels (0: unlimited); with ``start_level``, the level
            seeds are ``[start_level, start_level + num_levels)`` as in Procgen.
        start_level: the first level seed.
        difficulty: ``"easy"``, ``"medium"``, ``"hard"`` or a number in [0, 1].
        obs: ``"rgb"`` (64 x 64 x 3 uint8) or ``"symbolic"`` (a uint8 vector).
        view: ``"full"`` (default) or ``"local"``: only a window centred on the agent (its
            size is on the game's card), the rest of the level unseen; same shapes.
        obs_dtype: ``"uint8"`` (default) or ``"float32"``: the same values (0 to 255) as
            float32, for models that take floats only (RLlib's default encoders).
        sequential: play the level range in order (one level per episode) instead of at random.
        render_mode: None or ``"rgb_array"``.
        render_scale: ``render()`` repeats each pixel this many times (1 to 16).
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": RENDER_FPS}

    def __init__(
        self,
        game: str = "maze",
        *,
        num_levels: int = 0,
        start_level: int = 0,
        difficulty: str | float = "easy",
        obs: str = "rgb",
        view: str = "full",
        obs_dtype: str = "uint8",
        sequential: bool = False,
        render_mode: str | None = None,
        render_scale: int = 1,
    ) -> None:
        self._lock = threading.RLock()
        self.render_mode, self.render_scale = render_args(render_mode, render_scale)
        self.obs_dtype = _args.obs_dtype(obs_dtype)
        self._native, info = native_env(
            game, 1, 1, obs, view, "next_step", num_levels, start_level, sequential, difficulty
        )
        self.game, self.obs_kind, self.view = info["name"], obs, view
        self._obs_shape = tuple(info["obs_shapes"][obs])
        self.observation_space = spaces.Box(0, 255, self._obs_shape, self.obs_dtype)
        self.action_space = spaces.Discrete(len(info["actions"]))
        self.action_names: list[str] = info["actions"]
        self.num_envs = 1
        self._action = np.zeros(1, np.int64)
        self._needs_reset = True
        self._stream_started = False

    @serialized
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Starts an episode on the next level of the env's level stream.

        ``seed`` restarts the stream (the same seed replays the same levels). Options:
        ``{"level_seed": s}`` plays the level of seed ``s``; ``{"level": level_dict}`` plays a
        level from ``ludica.generate_level`` (possibly edited).
        """
        seed = _args.stream_seed(seed)
        options = _args.reset_options(options)
        super().reset(seed=seed)
        obs = np.empty((1, *self._obs_shape), np.uint8)
        level_seed = self._start_episodes(seed, options, obs)[0]
        self._needs_reset = False
        return self._cast(obs[0]), {"level_seed": int(level_seed)}

    @serialized
    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict]:
        """One step; ``info`` holds ``level_seed`` and, when the episode ends,
        ``episode_return``, ``episode_length`` and ``episode_success``."""
        native = self._open("step")
        if self._needs_reset:
            raise ResetNeeded("the episode is over (or never began): call reset() before step()")
        self._action[0] = _args.single_action(action, int(self.action_space.n))
        obs = np.empty(self._obs_shape, np.uint8)
        reward, terminated, truncated, level_seed, episode = native.step(self._action, obs)
        info: dict[str, Any] = {"level_seed": int(level_seed[0])}
        if episode is not None:
            _, ret, length, success, _ = episode
            info["episode_return"] = float(ret[0])
            info["episode_length"] = int(length[0])
            info["episode_success"] = bool(success[0])
        done = (bool(terminated[0]), bool(truncated[0]))
        self._needs_reset = any(done)
        return self._cast(obs), float(reward[0]), done[0], done[1], info

    @serialized
    def render(self) -> np.ndarray | None:
        """The current frame, ``[64 * render_scale, 64 * render_scale, 3]`` uint8, whatever the
        observation kind; None (with a warning) without ``render_mode="rgb_array"``."""
        native = self._open("render")
        if self.render_mode is None:
            gym.logger.warn('render() needs render_mode="rgb_array" when the env is made; returning None')
            return None
        return native.render(0, self.render_scale)

    @serialized
    def level(self) -> dict[str, Any]:
        """The level being played as it stands now, as a dict (see ``ludica.generate_level``),
        with ``edited`` True when it is not the level its seed generates (see docs/python.md)."""
        return _levels.played(*self._open("level").level(0))

    @serialized
    def save_state(self) -> _native.EnvState:
        """An immutable snapshot of the env, for ``load_state`` (search, branching)."""
        return self._open("save_state").save_state(0)

    @serialized
    def load_state(self, state: _native.EnvState | bytes) -> np.ndarray:
        """Puts the env back in a snapshot of the same game (an ``EnvState`` or its bytes);
        returns its observation."""
        native = self._open("load_state")
        state = self._state(state)
        obs = np.empty(self._obs_shape, np.uint8)
        native.load_state(0, state, obs)
        self._needs_reset = state.episode_over
        return self._cast(obs)

    @serialized
    def close(self) -> None:
        """Frees the env; later calls raise ValueError. Calling it again does nothing. From
        another thread, it waits for a call in progress to end."""
        self._native.close()

    def __getstate__(self) -> None:
        raise TypeError(
            "ludica envs cannot be pickled: their state lives in Rust (an ECS world per env) with no serial "
            "form. To build an env in another process, send how to make it, e.g. "
            "functools.partial(gymnasium.make, 'ludica/Maze-v0', num_levels=200), as AsyncVectorEnv does; "
            "to move a state, send bytes(env.save_state()) (or the EnvState, which pickles) and load_state() it."
        )
