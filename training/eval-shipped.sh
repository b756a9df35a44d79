#!/usr/bin/env bash
# Evaluates one shipped model on the four benchmark sets (SR protocol, see README), one process per set, and
# stores the means in models/<name>/swiftsr.json (--write-metrics); full reports go to training/results/.
# usage: bash training/eval-shipped.sh <model-name> [datasets-root]
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
root="${2:-../shared/datasets}"
mkdir -p training/results
pids=()
for set in Set5 Set14 BSD100 Urban100; do
  if [ ! -d "$root/$set" ]; then echo "missing $root/$set" >&2; exit 1; fi
  label="$set"; [ "$set" = Urban100 ] && label="Urban100[1-20]"
  npx tsx training/cli.ts eval --model "models/$name" --data "$root/$set" --write-metrics --label "$label" > "training/results/$name-$set.json" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for set in Set5 Set14 BSD100 Urban100; do
  node -e "const r=require('./training/results/$name-$set.json');console.log('$name $set', r.mean.model.psnrY, r.mean.model.ssimY, 'bicubic', r.mean.bicubic.psnrY, r.mean.bicubic.ssimY)"
done
