"""Level curricula for any trainer over ``ludica.make_vec``: ``LevelSampler`` chooses each
env's next training level (``dr``: uniform; ``plr``: Prioritized Level Replay; ``robust-plr``:
PLR whose trainer learns from replayed levels only) and takes scores back from a rollout's
advantages. The sampler is the Rust one ``ludica train --curriculum`` uses; see
docs/curricula.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode

from ludica import _args, _native

#: The curricula, by name.
CURRICULA = ("dr", "plr", "robust-plr")
#: The level scores: mean max(GAE, 0) (the default) or mean |GAE|.
SCORES = ("positive-value-loss", "abs-gae")


def _unit(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    return float(value)


class LevelSampler:
    """Chooses each env's levels among seeds ``start_level .. start_level + num_levels``
    (unlimited when ``num_levels`` is 0), from its own seeded stream.

    Parameters (``None`` keeps the default, the papers' settings): ``buffer_size`` (0: the
    whole level set, at most 4000), ``temperature`` (beta of the rank prioritization, 0.1),
    ``staleness`` (rho, 0.1), ``replay_prob`` (0.5, capped by the buffer's fill) and
    ``score`` (``"positive-value-loss"`` or ``"abs-gae"``).

    Drive a vector env with ``reset(envs)`` and ``step(envs, actions)`` (they queue each env's
    next level with ``envs.set_next_level``; ``replaying`` says which envs play a replayed
    level), and give scores back with ``update(level_seeds, dones, advantages)`` after each
    rollout. ``next_level()`` alone serves any other loop.
    """

    def __init__(
        self,
        curriculum: str = "plr",
        *,
        num_levels: int = 200,
        start_level: int = 0,
        seed: int = 0,
        buffer_size: int = 0,
        temperature: float | None = None,
        staleness: float | None = None,
        replay_prob: float | None = None,
        score: str | None = None,
    ) -> None:
        curriculum = _args.choice("curriculum", curriculum, CURRICULA)
        if score is not None:
            score = _args.choice("score", score, SCORES)
        self._native = _native.LevelSampler(
            curriculum,
            _args.integer("num_levels", num_levels, 0, _args.SEED_LIMIT),
            _args.integer("start_level", start_level, 0, _args.SEED_LIMIT),
            _args.integer("seed", seed, 0, _args.SEED_LIMIT),
            _args.integer("buffer_size", buffer_size, 0, (1 << 20) + 1),
            _unit("temperature", temperature),
            _unit("staleness", staleness),
            _unit("replay_prob", replay_prob),
            score,
        )
        self.replaying = np.zeros(0, np.bool_)
        self._next: list[tuple[int, bool]] = []
        self._next_replay = np.zeros(0, np.bool_)
        self._switch = np.zeros(0, np.bool_)

    @property
    def curriculum(self) -> str:
        """``"dr"``, ``"plr"`` or ``"robust-plr"``."""
        return self._native.curriculum

    @property
    def capacity(self) -> int:
        """Most levels the buffer holds."""
        return self._native.capacity

    def next_level(self) -> tuple[int, bool]:
        """The level of an env's next episode: ``(seed, replay)``, ``replay`` saying whether it
        was replayed from the buffer (else a new level, to be scored)."""
        return self._native.next_level()

    def update(self, level_seeds: Any, dones: Any, advantages: Any) -> list[dict[str, Any]]:
        """Scores a rollout (``[T, num_envs]`` arrays, time-major: each step's level seed,
        whether it ended its episode, its GAE advantage): each env's run of steps on one level
        is scored, and each level's score is the step-weighted mean of its runs. Buffered
        levels take their new score; others enter the buffer if it has room or they beat the
        level least likely to be replayed. Returns the levels scored or evicted."""
        seeds = np.asarray(level_seeds)
        if seeds.ndim != 2:
            raise ValueError(f"level_seeds must be a [T, num_envs] array, got shape {seeds.shape}")
        changes = self._native.update_rollout(
            np.ascontiguousarray(seeds, dtype=np.uint64).ravel(),
            np.ascontiguousarray(np.asarray(dones), dtype=np.bool_).ravel(),
            np.ascontiguousarray(np.asarray(advantages), dtype=np.float32).ravel(),
            seeds.shape[1],
        )
        keys = ("seed", "score", "steps", "in_buffer")
        return [dict(zip(keys, change)) for change in changes]

    def buffer(self) -> list[dict[str, Any]]:
        """The buffered levels: ``seed``, ``score``, ``replays``."""
        return [dict(zip(("seed", "score", "replays"), entry)) for entry in self._native.buffer()]

    def replay_weights(self) -> np.ndarray:
        """The probability of replaying each buffered level, in ``buffer()`` order."""
        return np.asarray(self._native.replay_weights(), dtype=np.float64)

    def state_dict(self) -> str:
        """The whole state (buffer, scores, clock, random stream) as JSON, to checkpoint."""
        return self._native.state()

    def load_state_dict(self, state: str) -> None:
        """Continues from a ``state_dict()``."""
        self._native.load_state(state)

    def reset(self, envs: Any, seed: int | None = None) -> tuple[np.ndarray, dict]:
        """``envs.reset(seed=seed)`` with every env on a level of this sampler; each env's
        next level is then chosen ahead (same-step autoreset) or when its episode ends
        (next-step)."""
        n = envs.num_envs
        picks = [self.next_level() for _ in range(n)]
        for i, (level, _) in enumerate(picks):
            envs.set_next_level(i, level)
        obs, info = envs.reset(seed=seed)
        self.replaying = np.array([replay for _, replay in picks], np.bool_)
        self._switch = np.zeros(n, np.bool_)
        self._next_replay = np.zeros(n, np.bool_)
        self._next = []
        if envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP:
            self._next = [self._queue(envs, i) for i in range(n)]
        return obs, info

    def step(self, envs: Any, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """``envs.step(actions)``, keeping every env's next level chosen and ``replaying``
        current. Call ``reset(envs)`` first."""
        same_step = envs.metadata["autoreset_mode"] == AutoresetMode.SAME_STEP
        if not same_step and self._switch.any():
            # Next-step autoreset: the envs that ended last step start their queued level now.
            for i in np.flatnonzero(self._switch):
                self.replaying[i] = self._next_replay[i]
            self._switch[:] = False
        result = envs.step(actions)
        ended = np.asarray(result[2]) | np.asarray(result[3])
        if same_step:
            for i in np.flatnonzero(ended):
                self.replaying[i] = self._next[i][1]
                self._next[i] = self._queue(envs, i)
        else:
            for i in np.flatnonzero(ended):
                self._next_replay[i] = self._queue(envs, i)[1]
                self._switch[i] = True
        return result

    def _queue(self, envs: Any, i: int) -> tuple[int, bool]:
        pick = self.next_level()
        envs.set_next_level(int(i), pick[0])
        return pick

    def __repr__(self) -> str:
        return f"LevelSampler({self.curriculum!r}, capacity={self.capacity}, buffered={len(self.buffer())})"
