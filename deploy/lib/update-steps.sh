# shellcheck shell=bash source-path=SCRIPTDIR
# The steps of deploy/update.sh (issue 9, item 9), as functions so the script reads as a list of steps.
# Sourced, never run. Follows the installed layout (/opt/homeward/releases/<release>, current, previous;
# /var/lib/homeward; /etc/homeward/homeward.env).

# Naming, building and switching releases, shared with deploy/install.sh (it needs note and warn).
# shellcheck source=release.sh
. "$(dirname "${BASH_SOURCE[0]}")/release.sh"

# The layout's roots. Overridable only so test/deploy/update.test.ts can run the real script in a
# temporary directory as an ordinary user; an installed hub always uses the defaults.
HOMEWARD_DATA="${HOMEWARD_DATA:-/var/lib/homeward}"
HOMEWARD_ETC="${HOMEWARD_ETC:-/etc/homeward}"
HOMEWARD_UNIT=homeward
ENV_FILE="$HOMEWARD_ETC/homeward.env"

# Exit codes, in the manner of the `homeward` command: 0 done · 1 the update failed and the hub is back
# on the old release · 2 bad usage, or nothing to do (nothing changed) · 3 not found · 4 the roll-back
# itself failed: the hub may be down and needs a person now.
# shellcheck disable=SC2034 # used by update.sh, which sources this file
readonly UPDATE_EXIT_FAILED=1 UPDATE_EXIT_USAGE=2 UPDATE_EXIT_NOT_FOUND=3 UPDATE_EXIT_HUB_DOWN=4

# Progress, in plain words. A terminal that went away (a dropped SSH session) must not stop the
# script half-way, so a failed write is ignored.
step() { printf '\n==> %s\n' "$*" 2>/dev/null || true; }
note() { printf '    %s\n' "$*" 2>/dev/null || true; }
warn() { printf 'homeward update: %s\n' "$*" >&2 2>/dev/null || true; }
die() {
  local code="$1"
  shift
  warn "$*"
  exit "$code"
}

# A release built elsewhere (a faster machine, or the tests): copied in under its directory's name.
install_release_dir() {
  local dir="$1" name="$2" stage
  stage="$RELEASES/.stage-$name-$$"
  rm -rf "$stage"
  STAGE_DIR="$stage"
  cp -a "$dir" "$stage"
  seal_release "$stage"
  mv -T "$stage" "$RELEASES/$name"
  STAGE_DIR=""
}

# The unit's environment (systemd EnvironmentFile syntax: KEY=VALUE lines, # comments, optional quotes),
# so the `homeward` command sees the data directory and ports the service sees.
HUB_ENV=()
load_env_file() {
  HUB_ENV=()
  [ -r "$ENV_FILE" ] || return 0
  local line key value
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'* | ';'*) continue ;; esac
    key="${line%%=*}"
    value="${line#*=}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    HUB_ENV+=("$key=$value")
  done <"$ENV_FILE"
}

hub_env_value() {
  local entry
  for entry in "${HUB_ENV[@]}"; do
    if [ "${entry%%=*}" = "$1" ]; then printf '%s\n' "${entry#*=}"; fi
  done | tail -n 1
}

# Runs a command as the service's user, so what it writes in the data directory stays the hub's.
# HOMEWARD_TEST_SAME_USER=1 skips the switch to the `homeward` user; only test/deploy/update.test.ts
# sets it, since it runs as whoever runs vitest and there is no `homeward` user there.
as_hub() {
  if [ "${HOMEWARD_TEST_SAME_USER:-}" = 1 ]; then "$@"; else runuser -u homeward -- "$@"; fi
}

# Runs a release's `homeward` command with the service's environment and nothing else (as systemd
# gives the service), like /usr/local/bin/homeward but for a named release: a roll-back must restore
# with the OLD code.
run_release_cli() {
  local release="$1"
  shift
  as_hub env -i "PATH=$PATH" "${HUB_ENV[@]}" "$(command -v node)" "$RELEASES/$release/dist/src/cli.js" "$@"
}

# The layout's health address: http://127.0.0.1:${HOMEWARD_HTTP_PORT:-8080}/api/health, or the
# address the hub is bound to when HOMEWARD_HOST names one.
health_url() {
  local host port
  host="$(hub_env_value HOMEWARD_HOST)"
  port="$(hub_env_value HOMEWARD_HTTP_PORT)"
  case "$host" in '' | 0.0.0.0 | :: | '[::]') host=127.0.0.1 ;; *:*) host="[$host]" ;; esac
  printf 'http://%s:%s/api/health\n' "$host" "${port:-8080}"
}

# One GET, through node (always installed; curl may not be), 5 s at most: prints the HTTP status, or
# "no answer".
health_status() {
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
      .then((r) => console.log(r.status), () => console.log("no answer"));
  ' "$1"
}

service_active() { systemctl is-active --quiet "$HOMEWARD_UNIT"; }

# What systemd says of the service: SERVICE_ACTIVE (active, activating, inactive, failed, ...) and
# SERVICE_SUB (running, start, auto-restart, dead, ...).
SERVICE_ACTIVE=""
SERVICE_SUB=""
read_service_state() {
  local key value
  SERVICE_ACTIVE=unknown
  SERVICE_SUB=unknown
  while IFS='=' read -r key value; do
    case "$key" in
      ActiveState) SERVICE_ACTIVE="$value" ;;
      SubState) SERVICE_SUB="$value" ;;
    esac
  done < <(systemctl show -p ActiveState -p SubState "$HOMEWARD_UNIT" 2>/dev/null || true)
}

# What the last wait saw ("service <state>", an HTTP status or "no answer"), said in plain words for
# the message when a release does not come up.
LAST_HEALTH=""
describe_last_health() {
  case "$LAST_HEALTH" in
    'service exited') printf 'the hub exited soon after it started (systemd was waiting to restart it)' ;;
    'service failed') printf 'the service failed: it exited and systemd gave up on it' ;;
    'service '*) printf 'the service did not become active (systemd says "%s")' "${LAST_HEALTH#service }" ;;
    'no answer') printf 'the service ran but %s did not answer' "$(health_url)" ;;
    *) printf 'the service ran but %s answered %s, not 200' "$(health_url)" "$LAST_HEALTH" ;;
  esac
}

# Healthy = systemd says the service is active AND /api/health answers 200, twice in a row half a
# second apart (a hub that answers once and then crashes is not healthy). Bounded by $1 seconds.
# Gives up early on a definite "no": the hub's process exited (SubState auto-restart: with
# Restart=always systemd would start it again and again, each time failing), systemd gave up on it
# ("failed"), or the running hub answered something other than 200 three times in a row (it listens
# only once fully started, so a 503 is its considered answer: its database or clock is unusable).
wait_until_healthy() {
  local timeout="$1" url deadline good=0 refused=0
  url="$(health_url)"
  deadline=$((SECONDS + timeout))
  note "waiting up to ${timeout} s for the service to be active and $url to answer 200"
  LAST_HEALTH="not asked"
  while [ "$SECONDS" -lt "$deadline" ]; do
    read_service_state
    if [ "$SERVICE_SUB" = auto-restart ]; then
      LAST_HEALTH="service exited"
      return 1
    fi
    case "$SERVICE_ACTIVE" in
      active) LAST_HEALTH="$(health_status "$url")" ;;
      failed)
        LAST_HEALTH="service failed"
        return 1
        ;;
      *) LAST_HEALTH="service $SERVICE_ACTIVE" ;;
    esac
    case "$LAST_HEALTH" in
      200)
        good=$((good + 1))
        refused=0
        if [ "$good" -ge 2 ]; then return 0; fi
        ;;
      [0-9]*)
        good=0
        refused=$((refused + 1))
        if [ "$refused" -ge 3 ]; then return 1; fi
        ;;
      *) good=0 refused=0 ;;
    esac
    sleep 0.5
  done
  return 1
}

stop_service() {
  if ! systemctl stop "$HOMEWARD_UNIT"; then warn "systemctl stop $HOMEWARD_UNIT failed"; fi
  if service_active; then return 1; fi
}

start_service() {
  # After a crash loop systemd refuses to start a unit that hit its start limit; clear that first.
  systemctl reset-failed "$HOMEWARD_UNIT" >/dev/null 2>&1 || true
  # A Type=notify unit whose process exits before READY=1 makes `systemctl start` fail: that is
  # an answer for wait_until_healthy, not a reason to stop the script here.
  systemctl start "$HOMEWARD_UNIT" || warn "systemctl start $HOMEWARD_UNIT reported a failure"
}

utc_stamp() { date -u +%Y%m%dT%H%M%SZ; }

# The newest pre-update backup taken before updating to RELEASE: it holds the database as the
# release before it left it.
newest_pre_update_backup() {
  local release="$1"
  find "$HOMEWARD_DATA/backups" -maxdepth 1 -type f -name "pre-update-$release-*.db" -printf '%f\n' 2>/dev/null |
    LC_ALL=C sort | tail -n 1
}

# Keeps current, previous and the newest other release; removes older ones and any stage directory
# an interrupted build left behind.
prune_releases() {
  local keep_current keep_previous kept_other="" dir name
  keep_current="$(linked_release current)"
  keep_previous="$(linked_release previous)"
  find "$RELEASES" -mindepth 1 -maxdepth 1 -type d -name '.stage-*' -exec rm -rf {} +
  while IFS= read -r dir; do
    name="$(basename "$dir")"
    if [ "$name" = "$keep_current" ] || [ "$name" = "$keep_previous" ]; then continue; fi
    if [ -z "$kept_other" ]; then
      kept_other="$name"
      note "keeping $name as well (one more to go back to by hand)"
      continue
    fi
    note "removing old release $name"
    rm -rf -- "$dir"
  done < <(find "$RELEASES" -mindepth 1 -maxdepth 1 -type d -not -name '.*' -printf '%T@ %p\n' | LC_ALL=C sort -rn | cut -d' ' -f2-)
}
