#!/usr/bin/env bash
# The figures in docs/benchmarks.md: criterion benches (env step per game and obs kind,
# 1-to-2-thread scaling at 64 and 256 envs, stepping under contention, level generation,
# reset) and the memory bench. Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo bench -p ludica-benches --bench step -- --warm-up-time 2 --measurement-time 5
cargo bench -p ludica-benches --bench contention -- --warm-up-time 1 --measurement-time 2
cargo bench -p ludica-benches --bench levels -- --warm-up-time 1 --measurement-time 3
cargo bench -p ludica-benches --bench memory
