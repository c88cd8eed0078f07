"""What the single and the vector env share: the Rust VecEnv built from checked arguments,
and starting episodes on reset (seeding, level streams, chosen levels)."""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, TypeVar

import numpy as np

from ludica import _args, _levels, _native

RENDER_FPS = 15

Method = TypeVar("Method", bound=Callable[..., Any])


def serialized(method: Method) -> Method:
    """Runs ``method`` holding the env's lock (``self._lock``, a ``threading.RLock``), so that
    calls from several threads take turns instead of meeting inside Rust, and ``close()`` from
    another thread waits for a step in progress to end."""

    @functools.wraps(method)
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


def native_env(
    game: Any,
    num_envs: Any,
    num_threads: Any,
    obs: Any,
    view: Any,
    rust_autoreset: str,
    num_levels: Any,
    start_level: Any,
    sequential: Any,
    difficulty: Any,
) -> tuple[_native.VecEnv, dict[str, Any]]:
    """A Rust VecEnv from checked arguments, and its game's description (``_native.games()``)."""
    game = _args.game_name(game)
    native = _native.VecEnv(
        game,
        _args.integer("num_envs", num_envs, 1, _args.MAX_ENVS + 1),
        _args.integer("num_threads", num_threads, 1, _args.MAX_THREADS + 1),
        _args.choice("obs", obs, ("rgb", "symbolic")),
        _args.choice("view", view, ("full", "local")),
        rust_autoreset,
        _args.integer("num_levels", num_levels, 0, _args.SEED_LIMIT),
        _args.integer("start_level", start_level, 0, _args.SEED_LIMIT),
        bool(sequential),
        _args.difficulty(difficulty),
        0,
    )
    return native, next(g for g in _native.games() if g["name"] == game)


def render_args(render_mode: Any, render_scale: Any) -> tuple[str | None, int]:
    """Checked ``render_mode`` (None or "rgb_array") and ``render_scale`` (1 to 16)."""
    if render_mode is not None:
        _args.choice("render_mode", render_mode, ("rgb_array",))
    return render_mode, _args.integer("render_scale", render_scale, 1, _args.MAX_RENDER_SCALE + 1)


class NativeEpisodes:
    """Mixed into both env classes, which set ``_native``, ``game``, ``num_envs``,
    ``obs_dtype`` and ``_stream_started`` (False) and seed Gymnasium's ``np_random`` before
    ``_start_episodes``."""

    _native: _native.VecEnv
    game: str
    num_envs: int
    obs_dtype: np.dtype
    _stream_started: bool
    np_random: np.random.Generator

    def _start_episodes(self, seed: int | None, options: dict[str, Any], obs: np.ndarray) -> np.ndarray:
        """Starts an episode in every env, writing into ``obs`` (``[num_envs, ...]``); returns
        the level seeds. Without a seed, the first reset draws one from ``np_random`` and
        later ones continue the level streams. Chosen levels are checked before any env
        changes, so a refused option changes nothing."""
        native = self._open("reset")
        chosen: list[dict[str, Any]] = []
        if "level_seed" in options:
            seeds = self._per_env("level_seed", options["level_seed"])
            chosen = [{"level_seed": _args.integer("level_seed", s, 0, _args.SEED_LIMIT)} for s in seeds]
        elif "level" in options:
            texts = [_levels.to_json(level) for level in self._per_env("level", options["level"])]
            chosen = [{"level_json": _native.check_level(self.game, text)[0]} for text in texts]
        if seed is None and not self._stream_started:
            seed = int(self.np_random.integers(0, _args.SEED_LIMIT, dtype=np.uint64))
        self._stream_started = True
        level_seeds = native.reset(seed, obs)
        for i, level in enumerate(chosen):
            level_seeds[i] = native.reset_env(i, obs[i], **level)
        return level_seeds

    def _cast(self, obs: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Observations Rust wrote (uint8) in the env's ``obs_dtype``: ``obs`` itself for uint8,
        else converted (the same values) into ``out``, or a new array without one."""
        if self.obs_dtype == np.uint8:
            return obs
        if out is None:
            return obs.astype(self.obs_dtype)
        np.copyto(out, obs)
        return out

    def _per_env(self, name: str, value: Any) -> list[Any]:
        """`value` for every env: one value for all, or a list, tuple or array of one per env
        (a level, being a dict, is always one)."""
        if isinstance(value, (list, tuple)) or (isinstance(value, np.ndarray) and value.ndim > 0):
            values = list(value)
            if len(values) != self.num_envs:
                raise ValueError(
                    f"reset option {name!r} holds {len(values)} values for {self.num_envs} envs: "
                    "give one or one per env"
                )
            return values
        return [value] * self.num_envs

    def _state(self, state: Any) -> _native.EnvState:
        """An ``EnvState``, or one read from its bytes (``bytes(state)``, ``get_state()``)."""
        if isinstance(state, (bytes, bytearray, memoryview)):
            state = _native.EnvState.from_bytes(bytes(state))
        if not isinstance(state, _native.EnvState):
            raise TypeError(
                f"load_state takes an EnvState from save_state() or its bytes, got {type(state).__name__}"
            )
        if state.game != self.game:
            raise ValueError(f"this state is of game '{state.game}', but this env plays {self.game}")
        return state

    def _open(self, call: str) -> _native.VecEnv:
        if self._native.closed:
            raise ValueError(f"{call}() called on a closed ludica env: make a new one")
        return self._native
