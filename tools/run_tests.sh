#!/usr/bin/env bash
# Set up the environment (tools/setup_env.sh, idempotent) and run the whole test suite on
# MMSGNAS_TEST_WORKERS pytest-xdist workers (default 2, a file's tests on one worker; each
# worker gets cores / workers threads, tests/conftest.py).
#   bash tools/run_tests.sh [pytest args, e.g. -m "not slow", or -n 0 for one process]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q --durations=15 \
  -n "${MMSGNAS_TEST_WORKERS:-2}" --dist loadfile "$@"
