#!/usr/bin/env bash
# Evaluates one shipped model and stores the means in models/<name>/swiftsr.json (--write-metrics); full reports
# go to training/results/. "images": Set5, Set14, BSD100, Urban100[1-20] (SR protocol, one process per set);
# "call": conference/FourPeople and the Big Buck Bunny 1080p clip through a VP8 call at 300, 750 and 1500 kbit/s
# at the model's input size (keys call:vp8@<rate>/<clip>; see training/README.md, "Evaluation protocol").
# usage: bash training/eval-shipped.sh <model-name> [datasets-root] [images|call|all (default)]
set -euo pipefail
cd "$(dirname "$0")/.."
name="$1"
root="${2:-../shared/datasets}"
what="${3:-all}"
eval_cli=(node --import tsx eval/cli.ts eval --model "models/$name" --write-metrics)
mkdir -p training/results
summary() { node -e "const r=require('./training/results/$1.json');console.log('$name', r.dataset, r.mean.model.psnrY, r.mean.model.ssimY, 'bicubic', r.mean.bicubic.psnrY, r.mean.bicubic.ssimY)"; }

if [ "$what" = all ] || [ "$what" = images ]; then
  pids=()
  for set in Set5 Set14 BSD100 Urban100; do
    if [ ! -d "$root/$set" ]; then echo "missing $root/$set" >&2; exit 1; fi
    label="$set"; [ "$set" = Urban100 ] && label="Urban100[1-20]"
    "${eval_cli[@]}" --data "$root/$set" --label "$label" > "training/results/$name-$set.json" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for set in Set5 Set14 BSD100 Urban100; do summary "$name-$set"; done
fi

if [ "$what" = all ] || [ "$what" = call ]; then
  declare -A clips=([FourPeople]="$root/conference/FourPeople_1280x720_60.mp4" [BigBuckBunny]="$root/video/video-1080p-60fps-2s.mp4")
  for clip in "${!clips[@]}"; do
    if [ ! -f "${clips[$clip]}" ]; then echo "missing ${clips[$clip]}" >&2; exit 1; fi
  done
  pids=()
  for clip in "${!clips[@]}"; do
    # One process per clip, the rates in sequence: swiftsr.json is updated under a lock either way.
    (for rate in 300 750 1500; do
      "${eval_cli[@]}" --data "${clips[$clip]}" --label "$clip" --degrade "call:vp8@$rate" > "training/results/$name-call-vp8@$rate-$clip.json"
    done) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  for clip in "${!clips[@]}"; do for rate in 300 750 1500; do summary "$name-call-vp8@$rate-$clip"; done; done
fi
