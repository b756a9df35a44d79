#!/usr/bin/env bash
# `npm run demo [-- --headless --seconds N]`: install what is missing, build the pages, serve them with
# the signaling server and the SFU on 127.0.0.1 (see demo/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx tsx scripts/demo.ts "$@"
