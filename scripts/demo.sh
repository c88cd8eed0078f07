#!/usr/bin/env bash
# The main job. Until the trainer lands: list the games, show a level, write a picture of
# levels and benchmark stepping.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --release --quiet
ludica="$CARGO_TARGET_DIR/release/ludica"
"$ludica" games
"$ludica" levels --game maze --seed 7 --difficulty easy --format ascii
mkdir -p runs
"$ludica" levels --game maze --seeds 0..8 --difficulty hard --format png --out runs/maze-levels.png
"$ludica" bench --game maze --num-envs 256 --threads 2 --obs rgb --steps 2000000
