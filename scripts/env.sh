# Sourced by the other scripts: where ludica keeps its cache (virtualenv with torch, cargo
# target) outside the clone, so later runs and new clones reuse them.
LUDICA_CACHE="${LUDICA_CACHE:-$HOME/.cache/ludica}"
LUDICA_VENV="$LUDICA_CACHE/venv"
export LUDICA_CACHE LUDICA_VENV
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$LUDICA_CACHE/target}"
# tch finds libtorch in the virtualenv's torch wheel.
export LIBTORCH_USE_PYTORCH=1
export PATH="$LUDICA_VENV/bin:$PATH"
export VIRTUAL_ENV="$LUDICA_VENV"
