#!/usr/bin/env bash
# Every test: Rust (all workspace crates) then Python (the bridge built into the virtualenv,
# then its pytest suite, which also runs examples/ppo_gymnasium.py for a few thousand steps).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo test --workspace --release 2>&1

# Build the `ludica` package (Rust extension included) into the virtualenv: maturin with
# cargo's cache, so it takes seconds when nothing changed.
"$LUDICA_VENV/bin/python" -m pip install --quiet --no-build-isolation --disable-pip-version-check ./python
status=0
# The CLI binary `cargo test --release` built, for the tests that run `ludica train` / `record`.
export LUDICA_BIN="$CARGO_TARGET_DIR/release/ludica"
"$LUDICA_VENV/bin/python" -m pytest python/tests -q -p no:cacheprovider || status=$?
if [ "$status" -eq 5 ]; then
    echo "test: pytest collected no tests from python/tests; that is a failure, not a pass" >&2
    exit 1
fi
exit "$status"
