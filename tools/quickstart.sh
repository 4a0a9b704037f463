#!/usr/bin/env bash
# Set up the environment (tools/setup_env.sh, idempotent) and run the main job on the embedded
# data: train the unified supernet (CIFAR-10 subset), train the architecture generator on it,
# search for 5 FLOPs targets in one generator forward, print the results table and the plots'
# paths; then train the best generated architecture briefly from scratch with the mmpretrain
# config and a short RetinaNet with it on the tiny COCO set (COCO bbox AP table at the end).
#   bash tools/quickstart.sh [work dir, default work_dirs/quickstart]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${1:-$ROOT/work_dirs/quickstart}"
bash "$ROOT/tools/setup_env.sh"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
# the two downstream steps are short here: a check that the searched net trains, not a result
RETRAIN_EPOCHS="${RETRAIN_EPOCHS:-2}"
DET_ITERS="${DET_ITERS:-100}"
start=$(date +%s)
stamp() { echo "[quickstart $(( $(date +%s) - start )) s] $*"; }

stamp "1/5 supernet training (configs/sgnas/supernet.py) -> $WORK/supernet"
"$PY" tools/train.py configs/sgnas/supernet.py --work-dir "$WORK/supernet"
"$PY" tools/analysis/supernet_summary.py "$WORK/supernet"
SUPERNET="$(cat "$WORK/supernet/last_checkpoint")"

stamp "2/5 generator training (configs/sgnas/sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py) -> $WORK/generator"
"$PY" tools/train.py configs/sgnas/sgnas_generator-reinforce_unified-supernet_1xb64-40e_cifar10-subset.py --work-dir "$WORK/generator" \
    --cfg-options "model.supernet_checkpoint=$SUPERNET"

# the supernet was just trained again: the scores an earlier run recorded here are of another
# supernet (the search refuses such a record), so this search starts its record afresh
rm -f "$WORK/search/search/evaluations.jsonl"
stamp "3/5 search by generating (configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py) -> $WORK/search/search"
"$PY" tools/test.py configs/sgnas/sgnas_search_unified-supernet_1xb32_cifar10-subset.py "$WORK/generator/best_generator.pth" \
    --work-dir "$WORK/search" --cfg-options "model.supernet_checkpoint=$SUPERNET"
echo
cat "$WORK/search/search/results.md"
echo
echo "plots: $WORK/search/search/target_vs_flops.png $WORK/search/search/top1_vs_flops.png"
BEST="$WORK/search/search/best_arch.json"

stamp "4/5 the best generated architecture from scratch ($BEST, mmpretrain config) -> $WORK/retrain"
"$PY" tools/train.py configs/sgnas/sgnas-searched_1xb32_cifar10-subset.py --work-dir "$WORK/retrain" \
    --cfg-options "model.backbone.arch=$BEST" train_cfg.max_epochs=$RETRAIN_EPOCHS \
    train_cfg.val_interval=$RETRAIN_EPOCHS param_scheduler.1.end=$RETRAIN_EPOCHS
CLASSIFIER="$(cat "$WORK/retrain/last_checkpoint")"

stamp "5/5 RetinaNet with it on tiny COCO (mmdet config, backbone from $CLASSIFIER) -> $WORK/retinanet"
"$PY" tools/train.py configs/sgnas/retinanet_sgnas-a_fpn_1xb2-300iter_tiny-coco.py \
    --work-dir "$WORK/retinanet" --cfg-options "model.backbone.arch=$BEST" "load_from=$CLASSIFIER" \
    train_cfg.max_iters=$DET_ITERS train_cfg.val_interval=$DET_ITERS \
    default_hooks.checkpoint.interval=$DET_ITERS
stamp "quickstart finished"
