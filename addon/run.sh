#!/bin/sh
# Entry point of the ts2rtc add-on container (started by tini, see Dockerfile).
# Reads the add-on options from /data/options.json and starts the server:
#   node /opt/ts2rtc/dist/main.js -c <config_file> [-c '{"log":{"level":"<log_level>"}}'] [args...]
# Environment overrides, used by the packaging test: TS2RTC_OPTIONS (options file), TS2RTC_APP_DIR,
# TS2RTC_ADDON_CONFIG (base of a relative config_file), TS2RTC_HA_CONFIG (Home Assistant's config folder),
# TS2RTC_DRY_RUN=1 (print the command, start nothing).
set -eu

OPTIONS_FILE="${TS2RTC_OPTIONS:-/data/options.json}"
APP_DIR="${TS2RTC_APP_DIR:-/opt/ts2rtc}"
ADDON_CONFIG_DIR="${TS2RTC_ADDON_CONFIG:-/config}"
HA_CONFIG_DIR="${TS2RTC_HA_CONFIG:-/homeassistant}"

log() { echo "[ts2rtc add-on] $*" >&2; }

# option NAME: prints the option's value from the options file, or nothing when unset.
option() {
  [ -f "$OPTIONS_FILE" ] || return 0
  node -e '
    const fs = require("fs");
    const options = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const value = options[process.argv[2]];
    if (value !== undefined && value !== null) process.stdout.write(String(value));
  ' "$OPTIONS_FILE" "$1"
}

CONFIG_FILE="$(option config_file)" || { log "cannot read $OPTIONS_FILE"; exit 1; }
LOG_LEVEL="$(option log_level)" || { log "cannot read $OPTIONS_FILE"; exit 1; }
[ -n "$CONFIG_FILE" ] || CONFIG_FILE=ts2rtc.yaml
case "$CONFIG_FILE" in
  /*) ;;
  *) CONFIG_FILE="$ADDON_CONFIG_DIR/$CONFIG_FILE" ;;
esac

# A first start creates the file, so the user finds it in /addon_configs (and the web UI can edit it).
if [ ! -e "$CONFIG_FILE" ]; then
  if mkdir -p "$(dirname "$CONFIG_FILE")" 2>/dev/null && cat >"$CONFIG_FILE" 2>/dev/null <<'YAML'
# ts2rtc configuration, in go2rtc's format. See the add-on's Documentation tab.
# Add one entry per camera under streams, for example:
#   streams:
#     front_door: rtsp://user:password@192.168.1.20:554/stream1
streams: {}
YAML
  then
    log "created $CONFIG_FILE"
  else
    log "warning: $CONFIG_FILE does not exist and could not be created"
  fi
fi

if [ -n "$LOG_LEVEL" ]; then
  # go2rtc style: a later -c holding YAML/JSON text is merged over the file.
  set -- -c "$CONFIG_FILE" -c "{\"log\":{\"level\":\"$LOG_LEVEL\"}}" "$@"
else
  set -- -c "$CONFIG_FILE" "$@"
fi

# Start in Home Assistant's config folder, as the go2rtc add-on does: relative paths in the
# configuration, and the hass module's .storage/core.config_entries, resolve there.
if [ -d "$HA_CONFIG_DIR" ]; then
  cd "$HA_CONFIG_DIR"
fi

if [ "${TS2RTC_DRY_RUN:-}" = 1 ]; then
  echo "cwd=$(pwd)"
  for arg in node "$APP_DIR/dist/main.js" "$@"; do echo "$arg"; done
  exit 0
fi
log "starting: node $APP_DIR/dist/main.js $*"
exec node "$APP_DIR/dist/main.js" "$@"
