#!/usr/bin/env bash
# Creates .venv/ at the repository root with the whole mmsgnas stack:
# torch 2.14.1 + torchvision 0.29.1, mmengine 0.10.7, mmcv 2.1.0 with compiled (CPU) ops,
# mmpretrain 1.2.0, mmdet 3.3.0, pycocotools, matplotlib, the test tools, and mmsgnas itself
# in editable mode. Idempotent: a second run on a ready machine only checks and exits.
#
# mmcv 2.1.0 ships no wheel for this torch, so it is built once from its sdist and the wheel is
# cached in ${MMSGNAS_CACHE:-~/.cache/mmsgnas}/wheels (outside the repo) for later runs.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
CACHE="${MMSGNAS_CACHE:-$HOME/.cache/mmsgnas}"
PY_BOOT="${PYTHON:-python3.11}"
MMCV_VERSION=2.1.0
PY="$VENV/bin/python"
log() { echo "[setup_env $(date +%H:%M:%S)] $*"; }

stamp_inputs() {
  cat "$ROOT/tools/setup_env.sh" "$ROOT"/requirements/*.txt "$ROOT/setup.py"
}
STAMP="$(stamp_inputs | sha256sum | cut -c1-16)"
if [[ -f "$VENV/.mmsgnas-stamp" && "$(cat "$VENV/.mmsgnas-stamp")" == "$STAMP" ]] \
   && "$PY" -c "import mmsgnas, mmcv.ops, mmdet, mmpretrain" 2>/dev/null; then
  log "environment up to date ($VENV)"
  exit 0
fi

if [[ ! -x "$PY" ]]; then
  log "creating $VENV with $PY_BOOT"
  "$PY_BOOT" -m venv "$VENV"
fi
PIP=("$PY" -m pip install --disable-pip-version-check)
"${PIP[@]}" -q --upgrade "pip<26"
log "installing torch / torchvision"
"${PIP[@]}" -q -r "$ROOT/requirements/torch.txt"
"${PIP[@]}" -q "mmengine==0.10.7" "numpy>=1.24,<2.5"

TORCH_TAG="$("$PY" -c 'import torch; print(torch.__version__.replace("+", "_"))')"
WHEEL_DIR="$CACHE/wheels/torch-$TORCH_TAG"
mkdir -p "$WHEEL_DIR"
if ! "$PY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$MMCV_VERSION'" 2>/dev/null; then
  WHEEL="$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
  if [[ -z "$WHEEL" ]]; then
    log "building mmcv $MMCV_VERSION with CPU ops (first time on this machine; about 35-60 min)"
    "${PIP[@]}" -q -r "$ROOT/requirements/build.txt"
    BUILD="$(mktemp -d)"
    "$PY" -m pip download -q --no-deps --no-build-isolation --no-binary :all: \
      "mmcv==$MMCV_VERSION" -d "$BUILD"
    tar -xzf "$BUILD"/mmcv-"$MMCV_VERSION".tar.gz -C "$BUILD"
    SRC="$BUILD/mmcv-$MMCV_VERSION"
    # torch 2.14's headers need C++20; mmcv 2.1.0's setup.py forces c++14/17.
    sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$SRC/setup.py"
    (cd "$SRC" && MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$WHEEL_DIR" .)
    rm -rf "$BUILD"
    WHEEL="$(ls "$WHEEL_DIR"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)"
    log "mmcv wheel cached at $WHEEL"
  else
    log "using cached mmcv wheel $WHEEL"
  fi
  "${PIP[@]}" -q --no-deps "$WHEEL"
  "${PIP[@]}" -q addict packaging Pillow pyyaml yapf opencv-python
fi

log "installing mmpretrain, mmdet and the rest"
"${PIP[@]}" -q -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt"
"${PIP[@]}" -q --no-deps --no-build-isolation -e "$ROOT"
"$PY" - <<'PY'
import mmcv, mmdet, mmpretrain, mmengine, torch
from mmcv.ops import nms, batched_nms  # noqa: F401  compiled ops must be present
import mmsgnas  # noqa: F401
print(f'torch {torch.__version__}, mmengine {mmengine.__version__}, mmcv {mmcv.__version__}, '
      f'mmpretrain {mmpretrain.__version__}, mmdet {mmdet.__version__}')
PY
echo "$STAMP" > "$VENV/.mmsgnas-stamp"
log "ready: $VENV"
