#!/usr/bin/env bash
# The one command that installs what the tests need and runs every test:
#   1. setup        bash scripts/setup.sh test: Debian packages of the real peers, npm ci, build, Python venv
#   2. typecheck    npm run typecheck (sources, tests, benches; the card with its DOM types)
#      lint         npm run lint (ESLint with type information, tools/lint/eslint.config.mjs), then
#                   npm run format:check (Prettier, .prettierrc.json; its cache in ~/.cache/ts2rtc)
#   3. node-tests   node scripts/run-tests.mjs (unit, then fuzz, then e2e)
#   4. python-*     pytest integration/tests once per venv made by setup (only once there are tests):
#                   python-ha2024 (Home Assistant 2024.3.3), python-ha2025 (2025.4.4) and
#                   python-go2rtc-client (tests/server/test_clients.py with the newest go2rtc-client)
# A failing phase does not stop the later ones (except an install failure in setup). Each phase prints
# its duration; the last line counts the tests of phases 3 and 4 ("total: N passed, N failed").
# The exit code is non-zero if any phase failed.
# After setup, two background jobs (typecheck then lint; the Python runs one after the other) go on while the
# node tests run: the node tests spend much of their time waiting on real-time streams (see run-tests.mjs), so
# the cores have room for them. A background phase's output is printed whole once the node tests are done, and
# the summary lists the phases in the order above. TEST_PHASES_SERIAL=1 runs every phase in turn instead.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

FAILED=()
SUMMARY=()
PASSED_COUNT=0
FAILED_COUNT=0
SKIPPED_COUNT=0
LOGS="$(mktemp -d)"
trap 'rm -rf "$LOGS"' EXIT
# Test output is tee'd (to count the results): keep the reporters' colours on a terminal.
if [ -t 1 ]; then export FORCE_COLOR=1; fi

# phase NAME COMMAND...: runs the command, prints its duration and result.
phase() {
  local name="$1"
  shift
  local start end rc
  echo
  echo "=== [test] $name: $*"
  start=$(date +%s)
  "$@"
  rc=$?
  end=$(date +%s)
  if [ "$rc" -eq 0 ]; then
    SUMMARY+=("$(printf '%-20s ok      %4ss' "$name" "$((end - start))")")
  else
    SUMMARY+=("$(printf '%-20s FAILED  %4ss  (exit %s)' "$name" "$((end - start))" "$rc")")
    FAILED+=("$name")
  fi
  echo "=== [test] $name: $([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $((end - start))s"
  return "$rc"
}

# number_before WORD TEXT: N from the first "N WORD" in TEXT, or 0.
number_before() {
  local n
  n="$(printf '%s\n' "$2" | grep -oE "[0-9]+ $1" | head -n 1 | grep -oE '^[0-9]+')"
  echo "${n:-0}"
}

# number_after WORD FILE: N from the last line "ℹ WORD N" (spec reporter) or "# WORD N" (tap), or 0.
number_after() {
  local n
  n="$(grep -aE "^(ℹ|#) $1 [0-9]+" "$2" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)"
  echo "${n:-0}"
}

node_tests() {
  local rc
  node scripts/run-tests.mjs 2>&1 | tee "$LOGS/node.log"
  rc=${PIPESTATUS[0]}
  # Cancelled tests (time-outs) count as failed.
  PASSED_COUNT=$((PASSED_COUNT + $(number_after pass "$LOGS/node.log")))
  FAILED_COUNT=$((FAILED_COUNT + $(number_after fail "$LOGS/node.log") + $(number_after cancelled "$LOGS/node.log")))
  SKIPPED_COUNT=$((SKIPPED_COUNT + $(number_after skipped "$LOGS/node.log")))
  return "$rc"
}

has_python_tests() {
  [ -d integration/tests ] &&
    [ -n "$(find integration/tests \( -name 'test_*.py' -o -name '*_test.py' \) -type f -print -quit 2>/dev/null)" ]
}

# The Python runs: "venv|phase name|pytest arguments (paths relative to integration/)".
PY_RUNS=(
  ".venv-ha2024|python-ha2024|tests"
  ".venv-ha2025|python-ha2025|tests"
  ".venv-go2rtc-client|python-go2rtc-client|tests/server/test_clients.py"
)

# python_tests VENV NAME ARGS...: one pytest run in VENV; its counts are added to the total.
python_tests() {
  local venv="$1" name="$2" rc closing
  shift 2
  # Run from integration/ so that `custom_components` is importable (python -m pytest puts the cwd on sys.path)
  # and integration/pytest.ini applies.
  (cd integration && "../$venv/bin/python" -m pytest -p no:cacheprovider "$@") 2>&1 | tee "$LOGS/$name.log"
  rc=${PIPESTATUS[0]}
  # pytest's closing line, e.g. "===== 1 failed, 12 passed, 2 skipped in 3.10s ====="
  closing="$(grep -aE '^=+ .* in [0-9.]+s' "$LOGS/$name.log" | tail -n 1)"
  PASSED_COUNT=$((PASSED_COUNT + $(number_before passed "$closing")))
  FAILED_COUNT=$((FAILED_COUNT + $(number_before failed "$closing") + $(number_before 'errors?' "$closing")))
  SKIPPED_COUNT=$((SKIPPED_COUNT + $(number_before skipped "$closing")))
  if [ "$rc" -eq 5 ]; then
    echo "pytest collected no test (exit 5); counted as no failure"
    return 0
  fi
  return "$rc"
}

# The order of the summary lines (a phase's line starts with its name), whatever order the phases ended in.
PHASE_ORDER=(setup typecheck lint card-bundle node-tests python-ha2024 python-ha2025 python-go2rtc-client python-tests)

print_summary() {
  echo
  echo "=== [test] summary"
  local name line
  for name in "${PHASE_ORDER[@]}"; do
    for line in "${SUMMARY[@]}"; do [ "${line%% *}" != "$name" ] || echo "  $line"; done
  done
  for line in "${SUMMARY[@]}"; do
    # shellcheck disable=SC2076 # a literal match of the name in the list
    [[ " ${PHASE_ORDER[*]} " =~ " ${line%% *} " ]] || echo "  $line"
  done
}

BG_PIDS=()
BG_JOBS=()
DEFERRED=()
# in_background JOB FUNCTION [NICENESS]: runs FUNCTION (which runs phases) in a subshell, at that niceness, its
# output kept in a file; its summary lines, failed phases and test counts are written beside it for bg_collect.
in_background() {
  local job="$1" fn="$2" niceness="${3:-0}"
  if [ "${TEST_PHASES_SERIAL:-0}" = 1 ]; then
    DEFERRED+=("$fn")
    return
  fi
  (
    [ "$niceness" -eq 0 ] || renice -n "$niceness" -p "$BASHPID" >/dev/null
    SUMMARY=()
    FAILED=()
    PASSED_COUNT=0
    FAILED_COUNT=0
    SKIPPED_COUNT=0
    "$fn" >"$LOGS/$job.out" 2>&1
    { [ "${#SUMMARY[@]}" -eq 0 ] || printf '%s\n' "${SUMMARY[@]}"; } >"$LOGS/$job.summary"
    { [ "${#FAILED[@]}" -eq 0 ] || printf '%s\n' "${FAILED[@]}"; } >"$LOGS/$job.failed"
    echo "$PASSED_COUNT $FAILED_COUNT $SKIPPED_COUNT" >"$LOGS/$job.counts"
  ) &
  BG_PIDS+=("$!")
  BG_JOBS+=("$job")
  echo "=== [test] $job: started in the background (output printed when the node tests are done)"
}

# bg_collect: runs the deferred jobs (TEST_PHASES_SERIAL=1), or waits for the background jobs in the order they
# started, prints their output and adds their results.
bg_collect() {
  local i job line p f k fn
  for fn in "${DEFERRED[@]}"; do "$fn"; done
  for i in "${!BG_PIDS[@]}"; do
    job="${BG_JOBS[$i]}"
    wait "${BG_PIDS[$i]}"
    echo
    echo "=== [test] output of $job (ran in the background)"
    cat "$LOGS/$job.out" 2>/dev/null
    while IFS= read -r line; do SUMMARY+=("$line"); done <"$LOGS/$job.summary"
    while IFS= read -r line; do FAILED+=("$line"); done <"$LOGS/$job.failed"
    read -r p f k <"$LOGS/$job.counts" || { p=0; f=0; k=0; }
    PASSED_COUNT=$((PASSED_COUNT + p))
    FAILED_COUNT=$((FAILED_COUNT + f))
    SKIPPED_COUNT=$((SKIPPED_COUNT + k))
  done
}

lint_all() { npm run lint --silent && npm run format:check --silent; }
# The type check reads no test output and the node tests need no type check (they run esbuild's transpiled
# mirror), so it goes first in the lint job instead of holding the node tests back (~9 s).
static_checks() {
  phase typecheck npm run typecheck --silent
  phase lint lint_all
}

python_phases() {
  if has_python_tests; then
    for run in "${PY_RUNS[@]}"; do
      IFS='|' read -r venv name args <<<"$run"
      if [ -x "$venv/bin/python" ]; then
        # shellcheck disable=SC2086 # args is a list of paths
        phase "$name" python_tests "$venv" "$name" $args
      else
        SUMMARY+=("$(printf '%-20s skipped (no %s: its Python is missing, see the setup output)' "$name" "$venv")")
      fi
    done
  else
    SUMMARY+=("$(printf '%-20s skipped (integration/tests has no tests yet)' python-tests)")
  fi
}

phase setup bash scripts/setup.sh test
setup_rc=$?
if [ "$setup_rc" -ne 0 ] && [ "$setup_rc" -ne 3 ]; then
  print_summary
  echo "=== [test] setup failed before the build; no test was run"
  exit 1
fi
# setup exit 3: all installed but the build failed; typecheck and tests still run (they use the sources).

# The static checks run niced: they only have to end before the node tests do, and the node tests' pool counts
# niced CPU as free (run-tests.mjs sampleIdle), so lint's ~60 s of CPU fills the room the pool leaves instead of
# keeping test files from starting. The Python runs are not niced: their tests wait on real-time streams too.
in_background static static_checks 10
in_background python python_phases
# The card's bundle is committed inside the integration (HACS users do not build); the build just remade it,
# so a difference means the committed copy is stale.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  phase card-bundle git diff --exit-code --stat -- integration/custom_components/ts2rtc/www/webrtc-camera.js
fi
phase node-tests node_tests
bg_collect

print_summary
if [ "${#FAILED[@]}" -gt 0 ]; then
  echo "=== [test] FAILED: ${FAILED[*]}"
else
  echo "=== [test] all phases passed"
fi
skipped=""
[ "$SKIPPED_COUNT" -eq 0 ] || skipped=", $SKIPPED_COUNT skipped"
echo "total: $PASSED_COUNT passed, $FAILED_COUNT failed$skipped"
[ "${#FAILED[@]}" -eq 0 ]
