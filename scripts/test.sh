#!/usr/bin/env bash
# Every test: Rust (all workspace crates) then, once the bridge exists, Python.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --workspace --release 2>&1
