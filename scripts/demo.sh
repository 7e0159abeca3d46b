#!/usr/bin/env bash
# The newcomer's one command: installs the Node dependencies, builds, and starts ts2rtc.
# Without arguments it serves the built-in demo stream "demo"; any argument goes to the server
# (e.g. `bash scripts/demo.sh -c my.yaml`).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

banner() {
  echo "ts2rtc: open http://localhost:1984/ in a browser (RTSP: rtsp://localhost:8554/demo)"
}

banner
bash scripts/setup.sh runtime
if [ ! -f addon/dist/main.js ]; then
  echo "ts2rtc: addon/dist/main.js is missing after the build (no addon/src/main.ts?)" >&2
  exit 1
fi
banner
echo "ts2rtc: starting; stop with Ctrl+C"
exec node addon/dist/main.js "$@"
