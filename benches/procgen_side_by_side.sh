#!/usr/bin/env bash
# ludica against Procgen, side by side on this machine (see procgen_side_by_side.py).
# Procgen (PyPI `procgen2`, import name `procgen`) goes into its own virtualenv under the
# ludica cache, never into ludica's. Arguments are passed on, e.g. --games starpilot,bigfish.
#   bash benches/procgen_side_by_side.sh [--repeats 3] [--games maze,starpilot]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
PROCGEN_VENV="$LUDICA_CACHE/procgen-venv"
if [ ! -x "$PROCGEN_VENV/bin/python" ]; then
    python -m venv "$PROCGEN_VENV"
    "$PROCGEN_VENV/bin/pip" install --quiet procgen2==0.10.7 numpy==1.26.4
fi
cargo build --release --quiet --bin ludica
exec "$PROCGEN_VENV/bin/python" benches/procgen_side_by_side.py --ludica "$CARGO_TARGET_DIR/release/ludica" "$@"
