#!/usr/bin/env bash
# Installs what ts2rtc needs, on a Debian 12 machine. Safe to run again: every step is skipped when done.
#
#   bash scripts/setup.sh runtime   Node dependencies + build (enough for the demo)
#   bash scripts/setup.sh test      the above, plus ESLint and Prettier (tools/lint), the real peers the tests
#                                   use (Debian packages: ffmpeg, GStreamer, nginx-rtmp, Chromium) and the
#                                   Python venvs of integration/tests: .venv-ha2024 (Python 3.11, Home
#                                   Assistant 2024.3.3), .venv-ha2025 (pyenv's 3.13.0, Home Assistant 2025.4.4)
#                                   and .venv-go2rtc-client (3.13.0, newest go2rtc-client)     (default)
#
# Needs Node >= 20 with npm (ESLint needs 20.19 or newer). Debian packages are installed only when running as
# root; otherwise the command to run with sudo is printed and the rest goes on.
# Exit codes: 0 ok, 3 everything installed but `npm run build` failed, other non-zero: install failed.
set -euo pipefail

MODE="${1:-test}"
case "$MODE" in
  runtime | test) ;;
  -h | --help)
    sed -n '2,13p' "$0"
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

# Debian packages of the real peers the tests run against (test/peers/README.md), plus python3-venv for the
# integration tests.
APT_PACKAGES=(
  ffmpeg
  gstreamer1.0-tools gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
  gstreamer1.0-libav
  nginx libnginx-mod-rtmp
  coturn
  chromium
  firefox-esr
  python3-venv
  iproute2
  util-linux
)

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

# setup_node_modules [DIR]: npm ci in DIR (default: the repository, with its workspaces).
setup_node_modules() {
  local dir="${1:-.}"
  local stamp="$dir/node_modules/.ts2rtc-setup-stamp"
  local want
  # Reinstall when the lock file or the Node version changes.
  want="$(hash_of "$dir/package-lock.json") node-$(node --version)"
  if [ -d "$dir/node_modules" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "$dir/node_modules: up to date with package-lock.json"
    return 0
  fi
  if [ -f "$dir/package-lock.json" ]; then
    log "npm ci ($dir)"
    (cd "$dir" && npm ci --no-audit --no-fund)
  else
    log "no $dir/package-lock.json: npm install"
    (cd "$dir" && npm install --no-audit --no-fund)
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

# The Python test venvs: "venv dir|requirement file|wanted Python versions (first found wins)".
# Home Assistant 2024.3.3 is the last release on Python 3.11; 2025.4.4 needs 3.13; the newest go2rtc-client
# (Home Assistant 2025.4 pins an older one) gets its own small venv without Home Assistant.
PY_VENVS=(
  ".venv-ha2024|integration/requirements_test_ha2024.txt|3.11.7 3.11"
  ".venv-ha2025|integration/requirements_test_ha2025.txt|3.13.0"
  ".venv-go2rtc-client|integration/requirements_test_go2rtc_client.txt|3.13.0 3.12.1"
)

# find_python VERSION: path of a Python whose version starts with VERSION ("3.13.0", "3.11"), or nothing.
# pyenv's own interpreter first ($(pyenv root)/versions/X.Y.Z/bin/pythonX.Y), then pythonX.Y on PATH
# (a pyenv shim on PATH may exist without that version installed: each candidate is run to check).
find_python() {
  local want="$1" minor candidates=() candidate root
  minor="$(printf '%s' "$want" | cut -d. -f1-2)"
  if command -v pyenv >/dev/null 2>&1 && root="$(pyenv root 2>/dev/null)"; then
    if [ "$want" = "$minor" ]; then
      for candidate in "$root"/versions/"$minor".*/bin/python"$minor"; do candidates+=("$candidate"); done
    else
      candidates+=("$root/versions/$want/bin/python$minor")
    fi
  fi
  candidates+=("python$minor" "/usr/bin/python$minor")
  for candidate in "${candidates[@]}"; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    # shellcheck disable=SC2016 # $want is passed as an argument, not expanded here
    if "$candidate" -c 'import sys, venv; v = "%d.%d.%d" % sys.version_info[:3]; sys.exit(0 if (v + ".").startswith(sys.argv[1] + ".") else 1)' "$want" 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# requirement_files FILE: FILE and the files it includes with -r (one level, relative to FILE), for the stamp.
requirement_files() {
  local file="$1" dir
  dir="$(dirname "$file")"
  printf '%s\n' "$file"
  sed -nE 's/^-r[[:space:]]+([^[:space:]]+).*/\1/p' "$file" | while read -r inc; do printf '%s\n' "$dir/$inc"; done
}

PY_SKIPPED=()
# Venvs live in a cache outside the clone, one folder per content (Python + requirement files), and DIR in the
# repository is a link to it: a fresh clone on a machine that already built the same venv (CI runs in a new clone
# every time) links it in a second instead of reinstalling Home Assistant for minutes. Other contents of the same
# venv are pruned, so the cache holds one copy per venv.
VENV_CACHE="${TS2RTC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ts2rtc}/venvs"

# setup_venv DIR REQ_FILE VERSIONS: links DIR to a venv made from REQ_FILE with the first Python of VERSIONS
# found, (re)creating it when the file, the files it includes or the Python changed. A missing Python is not an
# error: the venv is skipped (its tests too) with a message.
setup_venv() {
  local dir="$1" req_file="$2" versions="$3" python="" version want name target stamp
  for version in $versions; do
    python="$(find_python "$version")" && break
    python=""
  done
  if [ -z "$python" ]; then
    log "Python venv $dir: SKIPPED, no Python $versions found (pyenv install ${versions%% *}); its tests will not run"
    PY_SKIPPED+=("$dir")
    rm -rf "$dir"
    return 0
  fi
  [ -f "$req_file" ] || die "$req_file is missing"
  # shellcheck disable=SC2046 # one argument per requirement file
  want="$(printf '%s %s\n%s\n' "$python" "$("$python" --version 2>&1)" "$(hash_of $(requirement_files "$req_file"))" | sha256sum | cut -d' ' -f1)"
  name="${dir#.venv-}"
  target="$VENV_CACHE/$name-${want:0:16}"
  stamp="$target/.ts2rtc-setup-stamp"
  if [ -x "$target/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    rm -rf "$dir" && ln -s "$target" "$dir"
    log "Python venv $dir: up to date ($("$python" --version 2>&1), $req_file; $target)"
    return 0
  fi
  log "Python venv $dir ($("$python" --version 2>&1), $python): pip install -r $req_file into $target"
  local start=$SECONDS
  mkdir -p "$VENV_CACHE"
  rm -rf "$target" "$dir"
  find "$VENV_CACHE" -maxdepth 1 -name "$name-*" -exec rm -rf {} +
  "$python" -m venv "$target"
  "$target/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip ||
    die "pip could not upgrade itself in $target"
  # Requirement files are fully pinned: no resolver backtracking, no source builds (wheels exist for each pin).
  "$target/bin/python" -m pip install -q --disable-pip-version-check -r "$req_file" ||
    die "pip install -r $req_file failed in $target"
  # Written last: a venv without it (an interrupted install) is made again next time.
  printf '%s\n' "$want" >"$stamp"
  ln -s "$target" "$dir"
  log "Python venv $dir: installed in $((SECONDS - start))s"
}

setup_python() {
  if ! has_python_tests; then
    log "Python: integration/tests has no tests yet, no venv needed"
    return 0
  fi
  local entry dir req versions
  for entry in "${PY_VENVS[@]}"; do
    IFS='|' read -r dir req versions <<<"$entry"
    setup_venv "$dir" "$req" "$versions"
  done
  # The single venv of earlier versions of this script.
  [ ! -d .venv ] || [ ! -f .venv/.ts2rtc-setup-stamp ] || rm -rf .venv
}

log "mode: $MODE (repo: $ROOT)"
if [ "$MODE" = test ]; then
  setup_apt
fi
check_node
LINT_LOG=""
LINT_PID=""
if [ "$MODE" = test ]; then
  # ESLint and Prettier (`npm run lint`): a package of their own (tools/lint/package.json, its own lockfile),
  # installed beside the repository's npm ci and build (4 of 18 s in a fresh clone); its output follows theirs.
  LINT_LOG="$(mktemp)"
  setup_node_modules tools/lint >"$LINT_LOG" 2>&1 &
  LINT_PID=$!
fi
setup_node_modules
build
if [ "$MODE" = test ]; then
  lint_rc=0
  wait "$LINT_PID" || lint_rc=$?
  cat "$LINT_LOG"
  rm -f "$LINT_LOG"
  [ "$lint_rc" -eq 0 ] || die "npm ci in tools/lint failed (exit $lint_rc)"
  setup_python
elif ! command -v ffmpeg >/dev/null 2>&1; then
  log "note: ffmpeg is not installed; sources like ffmpeg:... need it (apt-get install ffmpeg)"
fi
[ "${#PY_SKIPPED[@]}" -eq 0 ] || log "note: Python venvs skipped (no interpreter): ${PY_SKIPPED[*]}"
if [ "$BUILD_FAILED" -ne 0 ]; then
  log "done, but the build failed"
  exit 3
fi
log "done"
