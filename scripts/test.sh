#!/usr/bin/env bash
# The README's test command (npm test) runs this: install what is missing, then the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec npx vitest run "$@"
