#!/usr/bin/env bash
# Set up the environment (tools/setup_env.sh, idempotent) and run the main job on the embedded
# CIFAR-10 data: train the unified supernet, train the architecture generator on it, search
# for 5 FLOPs targets in one generator forward, print the results table and the plots' paths.
#   bash tools/quickstart.sh [work dir, default work_dirs/quickstart]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/work_dirs/quickstart}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
start=$(date +%s)
stamp() { echo "[quickstart $(( $(date +%s) - start )) s] $*"; }

stamp "1/3 supernet training (configs/sgnas/supernet.py) -> $WORK/supernet"
"$PY" tools/train.py configs/sgnas/supernet.py --work-dir "$WORK/supernet"
"$PY" tools/analysis/supernet_summary.py "$WORK/supernet"
SUPERNET="$(cat "$WORK/supernet/last_checkpoint")"

stamp "2/3 generator training (configs/sgnas/generator.py) -> $WORK/generator"
"$PY" tools/train.py configs/sgnas/generator.py --work-dir "$WORK/generator" \
    --cfg-options "model.supernet_checkpoint=$SUPERNET"

stamp "3/3 search by generating (configs/sgnas/search.py) -> $WORK/search/search"
"$PY" tools/test.py configs/sgnas/search.py "$WORK/generator/best_generator.pth" \
    --work-dir "$WORK/search" --cfg-options "model.supernet_checkpoint=$SUPERNET"
echo
cat "$WORK/search/search/results.md"
echo
echo "plots: $WORK/search/search/target_vs_flops.png $WORK/search/search/top1_vs_flops.png"
stamp "quickstart finished"
