"""`LudicaVectorEnv`: many envs of one ludica game as a ``gymnasium.vector.VectorEnv``.

Rust steps every env with the GIL released and writes the observations straight into the
numpy array that ``step`` returns; envs reset themselves (``AutoresetMode.NEXT_STEP`` or
``SAME_STEP``). Infos follow Gymnasium's vector layout (a ``_key`` mask beside each key) and
match a ``SyncVectorEnv`` of ``LudicaEnv``\\ s key for key and dtype for dtype.
"""

from __future__ import annotations

import threading
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from ludica import _args, _levels, _native
from ludica._base import RENDER_FPS, NativeEpisodes, native_env, render_args, serialized


class LudicaVectorEnv(NativeEpisodes, VectorEnv):
    """``num_envs`` envs of one ludica game, stepped together in Rust.

    Args:
        game: a game name (``ludica.games()``).
        num_envs: number of envs.
        num_levels, start_level, difficulty, obs, view, obs_dtype, sequential: as for
            ``ludica.LudicaEnv``; every env draws its levels from that range with its own
            stream.
        num_threads: Rust worker threads stepping the envs (the calling thread included).
        autoreset_mode: ``AutoresetMode.NEXT_STEP`` (Gymnasium's default) or ``SAME_STEP``.
        render_mode, render_scale: as for ``ludica.LudicaEnv``; ``render()`` returns one frame
            per env.
        copy: True (default): every step returns new arrays, which the caller may keep.
            False: observations (and same-step final observations) are written into the same
            arrays each step, saving an allocation; copy what you keep. (With a float32
            ``obs_dtype``, final observations are new arrays either way.)
    """

    def __init__(
        self,
        game: str = "maze",
        num_envs: int = 64,
        *,
        num_levels: int = 0,
        start_level: int = 0,
        difficulty: str | float = "easy",
        obs: str = "rgb",
        view: str = "full",
        obs_dtype: str = "uint8",
        sequential: bool = False,
        num_threads: int = 1,
        autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
        render_mode: str | None = None,
        render_scale: int = 1,
        copy: bool = True,
    ) -> None:
        self._lock = threading.RLock()
        self.autoreset_mode, rust_mode = _args.autoreset_mode(autoreset_mode)
        self.render_mode, self.render_scale = render_args(render_mode, render_scale)
        self.obs_dtype = _args.obs_dtype(obs_dtype)
        self._native, info = native_env(
            game, num_envs, num_threads, obs, view, rust_mode, num_levels, start_level, sequential, difficulty
        )
        self.game, self.num_envs, self.obs_kind, self.view = info["name"], self._native.num_envs, obs, view
        self.copy = bool(copy)
        self._single_shape = tuple(info["obs_shapes"][obs])
        self._batch_shape = (self.num_envs, *self._single_shape)
        self.metadata = {"render_modes": ["rgb_array"], "render_fps": RENDER_FPS, "autoreset_mode": self.autoreset_mode}
        self.single_observation_space = spaces.Box(0, 255, self._single_shape, self.obs_dtype)
        self.single_action_space = spaces.Discrete(len(info["actions"]))
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.action_names: list[str] = info["actions"]
        self._same_step = self.autoreset_mode == AutoresetMode.SAME_STEP
        # Rust writes uint8 into _obs (a new one each step when copy and uint8); a float32
        # obs_dtype converts it into a new array each step, or into _obs_out without copy.
        self._obs = np.empty(self._batch_shape, np.uint8)
        self._obs_out = None if self.copy else np.empty(self._batch_shape, self.obs_dtype)
        self._final_obs = np.empty(self._batch_shape if self._same_step else (0,), np.uint8)
        self._all_envs = np.ones(self.num_envs, np.bool_)
        self._stream_started = False

    @serialized
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict]:
        """Starts a new episode in every env on its next level.

        ``seed`` restarts every env's level stream (the same seed replays the same levels;
        env ``i``'s stream is derived from ``seed`` and ``i``, as in Rust's ``VecEnv``).
        Options: ``{"level_seed": s}`` (one seed for all envs, or one per env) or
        ``{"level": level}`` (one level dict for all envs, or one per env).
        """
        seed = _args.stream_seed(seed)
        options = _args.reset_options(options)
        super().reset(seed=seed)
        obs = self._rust_obs()
        level_seeds = self._start_episodes(seed, options, obs)
        return self._cast(obs, self._obs_out), {"level_seed": level_seeds, "_level_seed": self._all_envs.copy()}

    @serialized
    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Steps every env with ``actions`` (one integer per env; any integer dtype).

        ``info["level_seed"]`` is each env's level. When episodes end, next-step mode adds
        ``episode_return``, ``episode_length`` and ``episode_success`` (with their masks);
        same-step mode adds ``final_obs`` and ``final_info`` (holding those keys and the ended
        level's ``level_seed``), as Gymnasium's ``SyncVectorEnv`` does.
        """
        native = self._open("step")
        if not isinstance(actions, np.ndarray):
            actions = np.asarray(actions)
        obs = self._rust_obs()
        final_obs = self._final_obs if self._same_step else None
        reward, terminated, truncated, level_seed, episode = native.step(actions, obs, final_obs)
        infos: dict[str, Any] = {"level_seed": level_seed, "_level_seed": self._all_envs.copy()}
        if episode is not None:
            ended, ret, length, success, episode_level = episode
            stats = {"episode_return": ret, "episode_length": length, "episode_success": success}
            if self._same_step:
                final_info: dict[str, Any] = {"level_seed": np.where(ended, episode_level, 0)}
                final_info.update(stats)
                infos["final_obs"] = self._final_observations(ended)
                infos["_final_obs"] = ended.copy()
                infos["final_info"] = _with_masks(final_info, ended)
                infos["_final_info"] = ended
            else:
                infos.update(_with_masks(stats, ended))
        return self._cast(obs, self._obs_out), reward, terminated, truncated, infos

    def _final_observations(self, ended: np.ndarray) -> np.ndarray:
        """An object array holding the last observation of each ended episode, else None."""
        final = np.full(self.num_envs, None, dtype=object)
        for i in np.flatnonzero(ended):
            if self.obs_dtype != np.uint8:
                final[i] = self._cast(self._final_obs[i])
            else:
                final[i] = self._final_obs[i].copy() if self.copy else self._final_obs[i]
        return final

    @serialized
    def render(self) -> tuple[np.ndarray, ...] | None:
        """Each env's current frame (see ``LudicaEnv.render``)."""
        native = self._open("render")
        if self.render_mode is None:
            gym.logger.warn('render() needs render_mode="rgb_array" when the env is made; returning None')
            return None
        side = 64 * self.render_scale
        _native.check_memory(
            f"render() of {self.num_envs} envs at render_scale {self.render_scale}", self.num_envs * side * side * 3
        )
        return tuple(native.render(i, self.render_scale) for i in range(self.num_envs))

    @serialized
    def set_next_level(self, index: int, level_seed: int | None) -> None:
        """Makes env ``index``'s next episode play level ``level_seed`` (at this env's
        difficulty) instead of its level stream's next draw: at its next automatic reset or
        the next ``reset()``, whichever comes first. ``None`` withdraws it. This is how a
        curriculum (``ludica.LevelSampler``) chooses levels."""
        if level_seed is not None:
            level_seed = _args.integer("level_seed", level_seed, 0, _args.SEED_LIMIT)
        self._open("set_next_level").set_next_level(self._index(index), level_seed)

    @serialized
    def level(self, index: int) -> dict[str, Any]:
        """The level env ``index`` plays as it stands now, as a dict (see ``LudicaEnv.level``)."""
        return _levels.played(*self._open("level").level(self._index(index)))

    @serialized
    def save_state(self, index: int) -> _native.EnvState:
        """An immutable snapshot of env ``index``."""
        return self._open("save_state").save_state(self._index(index))

    @serialized
    def load_state(self, index: int, state: _native.EnvState | bytes) -> np.ndarray:
        """Puts env ``index`` in a snapshot (of any env of the same game; an ``EnvState`` or its
        bytes); returns its observation. The next ``step`` continues from there."""
        native = self._open("load_state")
        state = self._state(state)
        obs = np.empty(self._single_shape, np.uint8)
        native.load_state(self._index(index), state, obs)
        return self._cast(obs)

    @serialized
    def get_state(self) -> list[bytes]:
        """Every env's snapshot as bytes (``bytes(save_state(i))``), as Procgen's
        ``get_state()``: send them anywhere, and ``set_state`` them into envs of this game."""
        native = self._open("get_state")
        return [bytes(native.save_state(i)) for i in range(self.num_envs)]

    @serialized
    def set_state(self, states: list[bytes]) -> np.ndarray:
        """Puts every env in a snapshot: ``states`` holds one per env (bytes from ``get_state``
        or ``bytes(state)``, or ``EnvState``\\ s). All are read before any env changes.
        Returns the observations."""
        native = self._open("set_state")
        if not isinstance(states, (list, tuple)):
            raise TypeError(f"set_state takes a list of {self.num_envs} states, got {type(states).__name__}")
        if len(states) != self.num_envs:
            raise ValueError(f"set_state takes one state per env: got {len(states)} for {self.num_envs} envs")
        loaded = [self._state(state) for state in states]
        obs = np.empty(self._batch_shape, np.uint8)
        for i, state in enumerate(loaded):
            native.load_state(i, state, obs[i])
        return self._cast(obs)

    def close_extras(self, **kwargs: Any) -> None:
        """Stops the Rust worker threads and frees the envs, after a call in progress ends.
        Gymnasium 1.2's ``__del__`` calls it on an env whose construction raised too, which
        has nothing to free."""
        if not hasattr(self, "_native"):
            return
        with self._lock:
            self._native.close()

    def _rust_obs(self) -> np.ndarray:
        """The uint8 array Rust writes this call's observations into: a new one when the caller
        keeps it (copy, uint8), else the reused one."""
        return np.empty_like(self._obs) if self.copy and self.obs_dtype == np.uint8 else self._obs

    def _index(self, index: Any) -> int:
        return _args.integer("env index", index, 0, self.num_envs)

    def __getstate__(self) -> None:
        raise TypeError(
            "ludica vector envs cannot be pickled: their state lives in Rust worker threads and ECS worlds with "
            "no serial form. Send how to make one instead, e.g. functools.partial(ludica.make_vec, 'maze', "
            "num_envs=64); to move states, send get_state()'s bytes and set_state() them."
        )

    def __repr__(self) -> str:
        return f"LudicaVectorEnv({self.game}, num_envs={self.num_envs})"


def _with_masks(values: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    """`values` with a ``_key`` mask (its own copy of `mask`) beside each key."""
    out: dict[str, np.ndarray] = {}
    for key, value in values.items():
        out[key] = value
        out[f"_{key}"] = mask.copy()
    return out
