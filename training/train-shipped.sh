#!/usr/bin/env bash
# The commands that trained the shipped models (PyTorch engine, README "Shipped models"), one function per
# model: `bash training/train-shipped.sh <model> [extra engine options, e.g. --resume]`. Data: T91, BSD200 and
# BSDS500test in ../shared/datasets (the engine's default). Background-friendly: nice, one thread (on a shared
# 2-core machine two OpenMP threads spin against each other), a wall-time budget and frequent checkpoints.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_WAIT_POLICY=PASSIVE
train() { nice -n 10 /usr/bin/python3 -m training.swiftsr_train --threads "${THREADS:-1}" --skip-small --seed 1 "$@"; }
MIX=clean:0.5,call-vp8:0.5
model="${1:?usage: train-shipped.sh <model> [engine options]}"
shift
case "$model" in
  tiny|tiny-x2|tiny-x3)
    train --variant "$model" --out "models/$model" --steps 9000 --lr 2e-3 --warmup 200 --val-every 1000 --ckpt-every 500 --max-minutes 9 "$@" ;;
  lite48x8|lite48x8-x2|lite48x8-x3)
    train --variant "$model" --out "models/$model" --degrade "$MIX" --steps 8000 --lr 2e-3 --warmup 200 --val-every 1000 --ckpt-every 250 --max-minutes 35 "$@" ;;
  lite32x4-x3-clean)
    # Stage 1 of the shipped lite32x4-x3: clean LR only (run with --steps 8000, resumed with --steps 900; README).
    # Its export is only a by-product (scratch folder); stage 2 starts from its checkpoint.
    train --variant lite32x4-x3 --out /tmp/lite32x4-x3-clean --checkpoint training/checkpoints/lite32x4-x3-clean.pt --steps 8000 --lr 2e-3 --warmup 200 --val-every 500 --ckpt-every 250 --max-minutes 30 "$@" ;;
  lite32x4-x3)
    # Stage 2, the shipped model: the call mix from stage 1's weights (--init: a fresh Adam, data generator and cosine).
    train --variant lite32x4-x3 --out models/lite32x4-x3 --init training/checkpoints/lite32x4-x3-clean.pt --degrade "$MIX" --steps 28000 --lr 2e-3 --warmup 100 --val-every 1000 --ckpt-every 500 --max-minutes 40 "$@" ;;
  lite32x4-x2-clean)
    # Stage 1 of the shipped lite32x4-x2: clean LR only (run with --steps 8000, resumed with --steps 650; README).
    # Its export is only a by-product (scratch folder); stage 2 starts from its checkpoint.
    train --variant lite32x4-x2 --out /tmp/lite32x4-x2-clean --checkpoint training/checkpoints/lite32x4-x2-clean.pt --steps 8000 --lr 2e-3 --warmup 200 --val-every 500 --ckpt-every 250 --max-minutes 30 "$@" ;;
  lite32x4-x2)
    # Stage 2, the shipped model: the call mix from stage 1's weights (--init: a fresh Adam, data generator and cosine).
    train --variant lite32x4-x2 --out models/lite32x4-x2 --init training/checkpoints/lite32x4-x2-clean.pt --degrade "$MIX" --steps 14000 --lr 2e-3 --warmup 100 --val-every 1000 --ckpt-every 500 --max-minutes 55 "$@" ;;
  paper-skip)
    train --variant paper-skip --out models/paper-skip --patch 64 --steps 4000 --lr 1e-3 --warmup 100 --val-every 250 --ckpt-every 50 --max-minutes 80 "$@" ;;
  paper-skip-gan)
    train --variant paper-skip --phase gan --init training/checkpoints/paper-skip.pt --out models/paper-skip-gan --patch 64 --batch 8 --lr 1e-4 \
      --schedule constant --warmup 1 --steps 400 --val-every 50 --ckpt-every 10 --max-minutes 35 "$@" ;;
  *) echo "unknown model '$model'" >&2; exit 2 ;;
esac
