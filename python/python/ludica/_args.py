"""Checks of the arguments users pass from Python, before they reach Rust.

Each check raises TypeError (wrong kind of value) or ValueError (right kind, not allowed),
naming the argument, the bad value and what is allowed, so that nothing a user types can
reach Rust as an OverflowError or a panic.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode

from ludica import _native

#: Seeds, of levels and of reset(seed=...), are integers in [0, SEED_LIMIT).
SEED_LIMIT: int = _native.SEED_LIMIT
#: Most envs one vector env holds.
MAX_ENVS: int = _native.MAX_ENVS
#: Most worker threads one env steps on.
MAX_THREADS: int = _native.MAX_THREADS
#: Largest render_scale.
MAX_RENDER_SCALE: int = _native.MAX_RENDER_SCALE
#: Observation dtypes: the Rust core's uint8, or float32 holding the same values (0 to 255), for
#: models that take floats only (RLlib's default encoders).
OBS_DTYPES = ("uint8", "float32")
#: Options reset() understands.
RESET_OPTIONS = ("level_seed", "level")
_AUTORESET_NAMES = {
    AutoresetMode.NEXT_STEP: "next_step",
    AutoresetMode.SAME_STEP: "same_step",
}


def integer(name: str, value: Any, low: int, high: int) -> int:
    """`value` as an int in [low, high), refusing bools, floats and other types."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    if not low <= value < high:
        raise ValueError(f"{name} {value} is out of range: it must be in [{low}, {_show(high)})")
    return value


def _show(bound: int) -> str:
    """Powers of two as 2**k, other bounds as numbers."""
    if bound > 1 << 16 and bound & (bound - 1) == 0:
        return f"2**{bound.bit_length() - 1}"
    return str(bound)


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """`value` if it is one of the `allowed` strings."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {', '.join(allowed)}, got {value!r} ({type(value).__name__})")
    if value not in allowed:
        raise ValueError(f"{name} '{value}' is not allowed: use one of {', '.join(allowed)}")
    return value


def obs_dtype(value: Any) -> np.dtype:
    """An observation dtype from ``OBS_DTYPES``, named by a string or given as a numpy dtype."""
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        value = np.dtype(value).name
    return np.dtype(choice("obs_dtype", value, OBS_DTYPES))


def game_name(value: Any) -> str:
    """A registered game's name."""
    names = tuple(g["name"] for g in _native.games())
    if not isinstance(value, str):
        raise TypeError(f"game must be a string naming a game ({', '.join(names)}), got {value!r}")
    if value not in names:
        raise ValueError(f"unknown game '{value}': available games are {', '.join(names)}")
    return value


def difficulty(value: Any) -> str | float:
    """A preset name or a number in [0, 1] (checked again, with its message, in Rust)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"difficulty must be easy, medium, hard or a number in [0, 1], got {value!r}")
    return float(value)


def autoreset_mode(value: Any) -> tuple[AutoresetMode, str]:
    """Gymnasium's AutoresetMode (or its value, "NextStep" / "SameStep") and Rust's name."""
    try:
        mode = value if isinstance(value, AutoresetMode) else AutoresetMode(value)
    except ValueError:
        raise ValueError(
            f"autoreset_mode {value!r} is not allowed: use AutoresetMode.NEXT_STEP or AutoresetMode.SAME_STEP"
        ) from None
    if mode not in _AUTORESET_NAMES:
        raise ValueError(
            f"autoreset_mode {mode} is not supported: ludica envs reset themselves, "
            "use AutoresetMode.NEXT_STEP or AutoresetMode.SAME_STEP"
        )
    return mode, _AUTORESET_NAMES[mode]


def stream_seed(value: Any) -> int | None:
    """A reset seed: None or an integer in [0, 2**63), the range of every ludica seed."""
    if value is None:
        return None
    return integer("seed", value, 0, SEED_LIMIT)


def reset_options(options: Any) -> dict[str, Any]:
    """The options of a reset, refusing unknown keys and giving both level options at once."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise TypeError(f"options must be a dict or None, got {type(options).__name__}")
    unknown = sorted(set(options) - set(RESET_OPTIONS), key=str)
    if unknown:
        raise ValueError(f"unknown reset option {unknown[0]!r}: allowed are {', '.join(RESET_OPTIONS)}")
    if "level_seed" in options and "level" in options:
        raise ValueError("reset options 'level_seed' and 'level' exclude each other: give one")
    return options


def single_action(action: Any, num_actions: int) -> int:
    """One env's action: an integer (or 0-d integer array) in [0, num_actions)."""
    if isinstance(action, np.ndarray):
        if action.shape != ():
            raise ValueError(f"action must be a single integer, got an array of shape {action.shape}")
        action = action[()]
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, numbers.Integral):
        raise TypeError(f"action must be an integer in [0, {num_actions}), got {action!r} ({type(action).__name__})")
    action = int(action)
    if not 0 <= action < num_actions:
        raise ValueError(f"action {action} is out of range: this game has actions 0..={num_actions - 1}")
    return action
