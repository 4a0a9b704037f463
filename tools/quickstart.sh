#!/usr/bin/env bash
# Set up the environment (tools/setup_env.sh, idempotent) and run the main job on the embedded
# CIFAR-10 data: train the unified supernet, then print the fixed subnets' val top-1.
#   bash tools/quickstart.sh [work dir, default work_dirs/quickstart]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/work_dirs/quickstart}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
start=$(date +%s)
echo "== 1/1 supernet training (configs/sgnas/supernet.py) -> $WORK/supernet"
"$PY" tools/train.py configs/sgnas/supernet.py --work-dir "$WORK/supernet"
"$PY" tools/analysis/supernet_summary.py "$WORK/supernet"
echo "quickstart finished in $(( $(date +%s) - start )) s"
