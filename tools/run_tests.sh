#!/usr/bin/env bash
# Set up the environment (tools/setup_env.sh, idempotent) and run the whole test suite.
#   bash tools/run_tests.sh [pytest args, e.g. -m "not slow"]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
exec "$ROOT/.venv/bin/python" -m pytest -p no:cacheprovider -q --durations=15 "$@"
