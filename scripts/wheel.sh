#!/usr/bin/env bash
# Builds the `ludica` wheel into dist/: one abi3 wheel (pyo3's abi3-py311) that installs on
# CPython 3.11 and every later CPython without Rust. Prints the wheel's path.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
mkdir -p dist
(cd python && "$LUDICA_VENV/bin/python" -m maturin build --release --quiet --out ../dist >&2)
ls -t dist/ludica-*-cp311-abi3-*.whl | head -n 1
