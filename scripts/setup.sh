#!/usr/bin/env bash
# Installs what ts2rtc needs, on a Debian 12 machine. Safe to run again: every step is skipped when done.
#
#   bash scripts/setup.sh runtime   Node dependencies + build (enough for the demo)
#   bash scripts/setup.sh test      the above, plus the real peers the tests use (Debian packages: ffmpeg,
#                                   GStreamer, nginx-rtmp, Chromium) and, once integration/tests has
#                                   tests, a Python venv in .venv/ for them        (default)
#
# Needs Node >= 20 with npm. Debian packages are installed only when running as root; otherwise the
# command to run with sudo is printed and the rest goes on.
# Exit codes: 0 ok, 3 everything installed but `npm run build` failed, other non-zero: install failed.
set -euo pipefail

MODE="${1:-test}"
case "$MODE" in
  runtime | test) ;;
  -h | --help)
    sed -n '2,11p' "$0"
    exit 0
    ;;
  *)
    echo "usage: bash scripts/setup.sh [runtime|test]" >&2
    exit 2
    ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[setup] %s\n' "$*"; }
die() {
  printf '[setup] ERROR: %s\n' "$*" >&2
  exit 1
}

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# Debian packages of the real peers (see shared docs peers.md), plus python3-venv for the integration tests.
APT_PACKAGES=(
  ffmpeg
  gstreamer1.0-tools gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav
  nginx libnginx-mod-rtmp
  chromium
  firefox-esr
  python3-venv
  iproute2
  util-linux
)

# Pinned for Python 3.11: the last release for it (Home Assistant 2024.3.3). integration/requirements_test.txt,
# when present, replaces this default.
DEFAULT_PY_REQUIREMENTS="pytest-homeassistant-custom-component==0.13.109"

missing_apt_packages() {
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      printf '%s\n' "$pkg"
    fi
  done
}

setup_apt() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    log "not a Debian system: install the equivalents of: ${APT_PACKAGES[*]}"
    return 0
  fi
  local missing
  missing="$(missing_apt_packages | tr '\n' ' ')"
  missing="${missing% }"
  if [ -z "$missing" ]; then
    log "Debian packages: all ${#APT_PACKAGES[@]} present"
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "Debian packages missing (not root, so not installing): $missing"
    log "install them with:  sudo apt-get update && sudo apt-get install -y $missing"
    return 0
  fi
  log "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg run to release its lock instead of failing at once.
  local lock_wait=(-o DPkg::Lock::Timeout=900 -o Dpkg::Use-Pty=0)
  apt-get "${lock_wait[@]}" update -q
  # shellcheck disable=SC2086 # word splitting of the package list is wanted
  apt-get "${lock_wait[@]}" install -y -q $missing
  missing="$(missing_apt_packages | tr '\n' ' ')"
  [ -z "${missing// /}" ] || die "still missing after apt-get install: $missing"
}

check_node() {
  command -v node >/dev/null 2>&1 || die "node not found: install Node.js 20 or newer (with npm)"
  command -v npm >/dev/null 2>&1 || die "npm not found: install npm (it comes with Node.js)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$major" -ge 20 ] || die "Node.js $(node --version) is too old: ts2rtc needs Node 20 or newer"
}

setup_node_modules() {
  local stamp="node_modules/.ts2rtc-setup-stamp"
  local want
  # Reinstall when the lock file or the Node version changes.
  want="$(hash_of package-lock.json) node-$(node --version)"
  if [ -d node_modules ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "node_modules: up to date with package-lock.json"
    return 0
  fi
  if [ -f package-lock.json ]; then
    log "npm ci"
    npm ci --no-audit --no-fund
  else
    log "no package-lock.json: npm install"
    npm install --no-audit --no-fund
  fi
  printf '%s\n' "$want" >"$stamp"
}

BUILD_FAILED=0
build() {
  log "npm run build"
  if ! npm run build --silent; then
    BUILD_FAILED=1
    log "npm run build FAILED (the other steps go on; exit code 3 at the end)"
  fi
}

has_python_tests() {
  [ -d integration/tests ] || return 1
  [ -n "$(find integration/tests \( -name 'test_*.py' -o -name '*_test.py' \) -type f -print -quit 2>/dev/null)" ]
}

pick_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3 /usr/bin/python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

setup_python() {
  if ! has_python_tests; then
    log "Python: integration/tests has no tests yet, no venv needed"
    return 0
  fi
  local python req_file req_text want stamp=".venv/.ts2rtc-setup-stamp"
  python="$(pick_python)" || die "Python 3.11+ with the venv module is needed for integration/tests (apt-get install python3-venv)"
  req_file="integration/requirements_test.txt"
  if [ -f "$req_file" ]; then req_text="$(cat "$req_file")"; else req_text="$DEFAULT_PY_REQUIREMENTS"; fi
  want="$(printf '%s\n%s\n' "$("$python" --version 2>&1)" "$req_text" | sha256sum | cut -d' ' -f1)"
  if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "Python venv .venv: up to date"
    return 0
  fi
  local what="$DEFAULT_PY_REQUIREMENTS"
  [ -f "$req_file" ] && what="-r $req_file"
  log "Python venv .venv ($("$python" --version 2>&1)): pip install $what"
  rm -rf .venv
  "$python" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
  if [ -f "$req_file" ]; then
    .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req_file"
  else
    # shellcheck disable=SC2086
    .venv/bin/python -m pip install -q --disable-pip-version-check $DEFAULT_PY_REQUIREMENTS
  fi
  printf '%s\n' "$want" >"$stamp"
}

log "mode: $MODE (repo: $ROOT)"
if [ "$MODE" = test ]; then
  setup_apt
fi
check_node
setup_node_modules
build
if [ "$MODE" = test ]; then
  setup_python
elif ! command -v ffmpeg >/dev/null 2>&1; then
  log "note: ffmpeg is not installed; sources like ffmpeg:... need it (apt-get install ffmpeg)"
fi
if [ "$BUILD_FAILED" -ne 0 ]; then
  log "done, but the build failed"
  exit 3
fi
log "done"
