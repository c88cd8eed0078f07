#!/usr/bin/env bash
# The main job: build, show the games and a few levels, train a small PPO agent on 20 maze
# levels for about two minutes on the CPU, and print the train-versus-held-out-levels report.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --release --quiet --bin ludica
ludica="$CARGO_TARGET_DIR/release/ludica"
run="runs/demo-maze"
mkdir -p runs
"$ludica" games
"$ludica" levels --game maze --seed 7 --difficulty easy --format ascii
"$ludica" levels --game maze --seeds 0..8 --difficulty hard --format png --out runs/maze-levels.png
echo "demo: wrote runs/maze-levels.png"
# Episodes are cut at 12 steps so that a random walk rarely succeeds (it reaches the goal of
# the easiest mazes in 94% of 500-step episodes); 20 training levels make the gap visible.
rm -rf "$run"
"$ludica" train --game maze --difficulty 0 --obs symbolic --num-levels 20 --start-level 0 \
    --max-episode-steps 12 --steps 400k --seed 1 --torch-threads 2 --device auto --out "$run"
"$ludica" eval --run "$run" --episodes 500
"$ludica" plot "$run" --out "$run/curves.png"
echo "demo: learning curves in $run/curves.png"
