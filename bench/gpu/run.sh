#!/usr/bin/env bash
# One prepared GPU run (< 10 min): TF.js WebGPU in Node (Dawn/Vulkan) and PyTorch CUDA on the same
# generator variants, printed as one table. Prepare on a machine with node_modules first:
#   npx tsx bench/gpu/prepare.ts        # writes bench/gpu/dist (carry it to the GPU machine)
#   bash bench/gpu/run.sh [--dry-run]   # --dry-run: CPU PyTorch, small iteration counts
set -uo pipefail
cd "$(dirname "$0")"
DIST=$PWD/dist
OUT_DIR=${OUT:-$DIST}
DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1
LOG=$OUT_DIR/gpu-bench.jsonl
: > "$LOG"
[ -d "$DIST" ] || { echo "bench/gpu/dist is missing: run 'npx tsx bench/gpu/prepare.ts' first and carry bench/gpu/dist"; exit 2; }

echo "== machine"
(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none (no NVIDIA GPU)") | sed 's/^/  /'

NODE=$(command -v node || true)
if [ -z "$NODE" ] && [ -f "$DIST/node.xz" ]; then
  xz -dc "$DIST/node.xz" > /tmp/swiftsr-node && chmod +x /tmp/swiftsr-node && NODE=/tmp/swiftsr-node
fi
# The Vulkan ICD of the NVIDIA driver lives in libGLX_nvidia.so.0; give the loader a manifest if the
# driver install has none (containers often ship the library without the json).
if ! ls /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json >/dev/null 2>&1; then
  GLX=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/{print $NF; exit}')
  if [ -n "$GLX" ]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' "$GLX" > /tmp/swiftsr_nvidia_icd.json
    export VK_ICD_FILENAMES=/tmp/swiftsr_nvidia_icd.json
  fi
fi
export LD_LIBRARY_PATH="$DIST/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# Dry run without any Vulkan driver: Debian Chromium ships SwiftShader's Vulkan ICD, enough to run the path.
if [ $DRY = 1 ] && [ -z "${VK_ICD_FILENAMES:-}" ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
fi

ITER=30
[ $DRY = 1 ] && ITER=2
echo "== TF.js WebGPU (Node, Dawn)"
if [ -n "$NODE" ]; then
  EXTRA=()
  # Dry run on a CPU machine: exercise the code path with the lightest variant on a small input.
  [ $DRY = 1 ] && EXTRA=(--allow-cpu-adapter --variants tiny --sizes 120x68)
  timeout 300 "$NODE" "$DIST/tfjs-webgpu.mjs" --iterations $ITER "${EXTRA[@]}" 2>&1 | tee -a "$LOG" | grep -v '^{' | sed 's/^/  /'
else
  echo '{"runtime":"tfjs-webgpu-node","status":"no-node","note":"no node binary on this machine and no dist/node.xz"}' >> "$LOG"
fi
echo "== PyTorch"
PY=""
for c in python3 /usr/bin/python3; do
  if command -v "$c" >/dev/null && "$c" -c 'import torch' 2>/dev/null; then PY=$(command -v "$c"); break; fi
done
if [ -n "$PY" ]; then
  PARGS=(--iterations $ITER)
  [ $DRY = 1 ] && PARGS+=(--cpu --sizes 120x68)
  timeout 300 "$PY" torch_bench.py "${PARGS[@]}" 2>&1 | tee -a "$LOG" | grep -v '^{' | sed 's/^/  /'
else
  echo '{"runtime":"pytorch","status":"no-torch","note":"python3 with torch not found"}' >> "$LOG"
fi

echo "== results"
"${PY:-$(command -v python3 || echo /usr/bin/python3)}" - "$LOG" <<'PYEOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{')]
for r in rows:
    if r.get('status') not in ('ok',):
        print(f"  {r['runtime']}: {r.get('status')} {r.get('adapter') or r.get('device') or ''} {r.get('note') or ''}".rstrip())
print(f"  {'runtime':18} {'variant':12} {'input':8} {'dtype':5} {'median ms':>10} {'p95 ms':>9} {'GMAC':>7} {'GFLOP/s':>9}")
for r in rows:
    if r.get('status') == 'ok':
        print(f"  {r['runtime']:18} {r['variant']:12} {r['size']:8} {r['dtype']:5} {r['medianMs']:10.2f} {r['p95Ms']:9.2f} {r['gmacs']:7.2f} {r['gflops']:9.1f}")
PYEOF
echo "(raw JSON lines: $LOG)"
