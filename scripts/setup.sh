#!/usr/bin/env bash
# Installs what the tests and the demo need, only where it is missing:
# npm packages (npm ci, from the lockfile) and Debian's chromium, ffmpeg, iproute2, coturn (TURN relay test) and
# python3-torch/-numpy/-pil/-pytest (the PyTorch trainer).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
command -v unshare >/dev/null 2>&1 || need_apt+=(util-linux)
command -v turnserver >/dev/null 2>&1 || need_apt+=(coturn)
# The PyTorch trainer (training/swiftsr_train) and its tests run on Debian's Python packages.
for mod in torch:python3-torch numpy:python3-numpy PIL:python3-pil pytest:python3-pytest; do
  /usr/bin/python3 -c "import ${mod%%:*}" >/dev/null 2>&1 || need_apt+=("${mod#*:}")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-liberation >/dev/null
    # Where systemd runs, Debian's coturn starts a daemon on every interface; the tests start their own on 127.0.0.1.
    if [[ " ${need_apt[*]} " == *" coturn "* ]] && [ -d /run/systemd/system ]; then
      systemctl disable --now coturn >/dev/null 2>&1 || true
    fi
  else
    echo "setup: missing ${need_apt[*]}. Install them (Debian: sudo apt-get install ${need_apt[*]}) and run again." >&2
    exit 1
  fi
fi

# npm ci when node_modules is absent or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
fi
