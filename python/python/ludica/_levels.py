"""Levels as Python data: a dict holding the level's file form (game, seed, difficulty, rows
of tile characters, spawns, meta) plus its size and a numpy grid of tile ids.

A level dict goes back into an env with ``reset(options={"level": level})``; edit either its
``rows`` or its ``grid`` (the grid wins when the two differ, so an edited grid is what plays).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ludica import _args, _native

#: Tile characters in id order: ``TILE_CHARS[id]`` is the character of tile ``id``.
TILE_CHARS: str = _native.tile_chars()
_FILE_KEYS = ("game", "seed", "difficulty", "rows", "spawns", "meta")


def from_native(level_json: str, grid: np.ndarray) -> dict[str, Any]:
    """The dict of a level Rust returned as JSON and a grid."""
    level = json.loads(level_json)
    level["height"], level["width"] = grid.shape
    level["grid"] = grid
    return level


def played(level_json: str, grid: np.ndarray) -> dict[str, Any]:
    """The dict of the level an env plays, marked ``edited``: True when it is not the level its
    ``seed`` and ``difficulty`` generate (play changed tiles, or it was edited or loaded)."""
    level = from_native(level_json, grid)
    difficulty = _args.difficulty(level["difficulty"])
    generated = json.loads(_native.generate_level(level["game"], level["seed"], difficulty)[0])
    level["edited"] = any(level[k] != generated[k] for k in ("rows", "spawns"))
    return level


def to_json(level: Any) -> str:
    """The JSON file form of a level dict, with rows rebuilt from its grid if it has one."""
    if not isinstance(level, dict):
        raise TypeError(f"a level must be a dict as ludica.generate_level returns, got {type(level).__name__}")
    required = ("game", "seed", "difficulty", "spawns") + (() if "grid" in level else ("rows",))
    missing = [k for k in required if k not in level]
    if missing:
        raise ValueError(f"level dict lacks {', '.join(repr(k) for k in missing)}: start from ludica.generate_level")
    data = {k: level[k] for k in _FILE_KEYS if k in level}
    if "grid" in level:
        data["rows"] = _rows(level["grid"])
    try:
        return json.dumps(data, default=_plain, allow_nan=False)
    except TypeError as e:
        raise TypeError(f"level dict holds a value that is not plain data: {e}") from None
    except ValueError:
        where = _non_finite(data, "level")
        raise ValueError(f"{where} is not a finite number: level values are finite numbers") from None


def _non_finite(value: Any, at: str) -> str:
    """Where in `value` (named `at`) a NaN or infinity sits, as ``level['meta']['x']``."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(item, (float, np.floating)) and not np.isfinite(item):
            return f"{at}[{key!r}] = {item}"
        if isinstance(item, (dict, list)):
            found = _non_finite(item, f"{at}[{key!r}]")
            if found:
                return found
    return ""


def _rows(grid: Any) -> list[str]:
    grid = np.asarray(grid)
    if grid.ndim != 2 or grid.dtype.kind not in "iu":
        raise ValueError(
            f"level grid must be a 2-d integer array of tile ids, got dtype {grid.dtype} shape {grid.shape}"
        )
    if grid.size and (grid.min() < 0 or grid.max() >= len(TILE_CHARS)):
        bad = grid[(grid < 0) | (grid >= len(TILE_CHARS))].flat[0]
        raise ValueError(f"level grid holds tile id {bad}: allowed ids are 0..={len(TILE_CHARS) - 1} ({TILE_CHARS!r})")
    return ["".join(TILE_CHARS[t] for t in row) for row in grid.tolist()]


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers for json."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def generate(game: str, seed: int, difficulty: Any) -> dict[str, Any]:
    """The level of `game` at `seed` and `difficulty` (see ``ludica.generate_level``)."""
    game = _args.game_name(game)
    seed = _args.integer("seed", seed, 0, _args.SEED_LIMIT)
    return from_native(*_native.generate_level(game, seed, _args.difficulty(difficulty)))


def check(level: Any) -> dict[str, Any]:
    """`level` checked (for its game, and that game's guarantees) and in canonical form."""
    text = to_json(level)
    return from_native(*_native.check_level(_args.game_name(level["game"]), text))


def picture(level: Any, px_per_tile: int) -> np.ndarray:
    """A picture of a whole level, ``[height * px, width * px, 3]`` uint8."""
    px = _args.integer("px_per_tile", px_per_tile, 1, 65)
    text = to_json(level)
    return _native.level_picture(_args.game_name(level["game"]), text, px)
