#!/usr/bin/env bash
# Installs what ludica needs into its cache (idempotent, fast once done): a Python 3.11
# virtualenv with the pinned torch wheel (libtorch for tch), numpy, gymnasium, maturin and
# pytest. Needs only Rust, Python 3.11 and the package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
stamp="$LUDICA_VENV/.ludica-requirements"
if [ ! -x "$LUDICA_VENV/bin/python" ]; then
    mkdir -p "$LUDICA_CACHE"
    python3 -m venv "$LUDICA_VENV"
fi
if ! cmp -s python/requirements.txt "$stamp" 2>/dev/null; then
    echo "setup: installing Python packages into $LUDICA_VENV (torch is large: a few minutes the first time)"
    "$LUDICA_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r python/requirements.txt
    cp python/requirements.txt "$stamp"
fi
