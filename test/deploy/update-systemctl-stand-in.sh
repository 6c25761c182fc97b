#!/usr/bin/env bash
# A `systemctl` for test/deploy/update.test.ts, which copies it into its temporary directory and puts
# it first on deploy/update.sh's PATH. Why it exists: see test/deploy/update-systemctl-stand-in.ts.
set -euo pipefail
: "${HOMEWARD_TEST_UNIT_FILE:?}" "${HOMEWARD_TEST_SYSTEMD_STATE:?}" "${HOMEWARD_TEST_NODE:?}"
: "${HOMEWARD_PREFIX:?}" "${HOMEWARD_DATA:?}" "${HOMEWARD_ETC:?}"
state="$HOMEWARD_TEST_SYSTEMD_STATE"
mkdir -p "$state"
main_pid_file="$state/main.pid"
supervisor_pid_file="$state/supervisor.pid"
sub_state_file="$state/sub-state"
stopping_file="$state/stopping"
journal="$state/journal.log"

quiet=0
args=()
for arg in "$@"; do
  case "$arg" in
    -q | --quiet) quiet=1 ;;
    --no-pager | --no-block) ;;
    *) args+=("$arg") ;;
  esac
done
if [ "${#args[@]}" -lt 2 ]; then
  echo "systemctl stand-in: expected a verb and the homeward unit, got: $*" >&2
  exit 1
fi
verb="${args[0]}"
unit="${args[${#args[@]}-1]}"
unit="${unit%.service}"
if [ "$unit" != homeward ]; then
  echo "systemctl stand-in: only the homeward unit is known, not \"$unit\" (verb $verb)" >&2
  exit 1
fi

# The layout's roots, as the test placed them.
relocate() {
  sed -e "s|/opt/homeward|$HOMEWARD_PREFIX|g" -e "s|/var/lib/homeward|$HOMEWARD_DATA|g" -e "s|/etc/homeward|$HOMEWARD_ETC|g"
}
unit_values() { sed -n "s/^$1=//p" "$HOMEWARD_TEST_UNIT_FILE" | relocate; }

# The pid in FILE, if that process is alive (a zombie, exited but not yet reaped, is not).
alive_pid() {
  [ -s "$1" ] || return 1
  local pid status
  pid="$(cat "$1")"
  [ -r "/proc/$pid/stat" ] || return 1
  status="$(sed -e 's/^.*) //' "/proc/$pid/stat" | cut -d' ' -f1)"
  [ "$status" != Z ] || return 1
  echo "$pid"
}

sub_state() { if [ -s "$sub_state_file" ]; then cat "$sub_state_file"; else echo dead; fi; }

# systemd's ActiveState: the hub's process runs (no READY=1 is awaited here), or it is waiting to be
# restarted, or it ended with an error and Restart= does not bring it back, or it is stopped.
active_state() {
  if alive_pid "$main_pid_file" >/dev/null; then
    echo active
  elif [ "$(sub_state)" = auto-restart ] && alive_pid "$supervisor_pid_file" >/dev/null; then
    echo activating
  elif [ "$(sub_state)" = failed ]; then
    echo failed
  else
    echo inactive
  fi
}

# RestartSec= in seconds for sleep(1): "5", "5s", "500ms"; systemd's default is 100 ms.
restart_delay() {
  local value
  value="$(unit_values RestartSec | head -n 1)"
  case "$value" in
    '') echo 0.1 ;;
    *ms) awk -v ms="${value%ms}" 'BEGIN { print ms / 1000 }' ;;
    *s) echo "${value%s}" ;;
    *) echo "$value" ;;
  esac
}

start() {
  if [ "$(active_state)" = active ] || [ "$(active_state)" = activating ]; then return 0; fi
  local -a environment=(PATH="$PATH")
  local line key value word file
  # systemd's EnvironmentFile syntax: KEY=VALUE, # and ; comments, optional quotes; "-" = may be missing.
  while IFS= read -r file; do
    file="${file#-}"
    [ -r "$file" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
      line="${line#"${line%%[![:space:]]*}"}"
      case "$line" in '' | '#'* | ';'*) continue ;; esac
      key="${line%%=*}"
      value="${line#*=}"
      if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
      environment+=("$key=$value")
    done <"$file"
  done < <(unit_values EnvironmentFile)
  while IFS= read -r line; do
    for word in $line; do
      word="${word#\"}"
      environment+=("${word%\"}")
    done
  done < <(unit_values Environment)
  local exec_start restart delay workdir
  exec_start="$(unit_values ExecStart | head -n 1)"
  exec_start="${exec_start#[-@+!:]}"
  local -a command
  read -r -a command <<<"$exec_start"
  command[0]="$HOMEWARD_TEST_NODE"
  restart="$(unit_values Restart | head -n 1)"
  delay="$(restart_delay)"
  workdir="$(unit_values WorkingDirectory | head -n 1)"
  [ -n "$workdir" ] && [ -d "$workdir" ] || workdir="$state"
  rm -f "$main_pid_file" "$stopping_file"
  echo start >"$sub_state_file"
  # A small supervisor, as systemd is one: it runs the hub as its child with nothing of its caller's
  # open but stdin/out/err (not, for example, the lock update.sh holds on fd 9), and applies Restart=
  # and RestartSec= when the hub exits.
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    cd "$workdir" || exit 1
    while :; do
      echo "--- start: ${command[*]}" >>"$journal"
      setsid env -i "${environment[@]}" "${command[@]}" </dev/null >>"$journal" 2>&1 &
      hub=$!
      echo "$hub" >"$main_pid_file"
      echo running >"$sub_state_file"
      wait "$hub" && status=0 || status=$?
      rm -f "$main_pid_file"
      echo "--- exited with status $status" >>"$journal"
      if [ -e "$stopping_file" ]; then
        echo dead >"$sub_state_file"
        break
      fi
      if [ "$restart" != always ] && { [ "$restart" != on-failure ] || [ "$status" = 0 ]; }; then
        if [ "$status" = 0 ]; then echo dead >"$sub_state_file"; else echo failed >"$sub_state_file"; fi
        break
      fi
      echo auto-restart >"$sub_state_file"
      sleep "$delay"
      if [ -e "$stopping_file" ]; then
        echo dead >"$sub_state_file"
        break
      fi
    done
  ) </dev/null >/dev/null 2>&1 &
  echo "$!" >"$supervisor_pid_file"
  for _ in $(seq 1 100); do
    if [ -s "$main_pid_file" ] || [ "$(sub_state)" != start ]; then return 0; fi
    sleep 0.05
  done
  echo "systemctl stand-in: the hub did not start" >&2
  exit 1
}

stop() {
  local pid supervisor
  touch "$stopping_file"
  # Waiting out RestartSec is not stopping: end the supervisor at once (its sleep ends by itself).
  if [ "$(sub_state)" = auto-restart ] && supervisor="$(alive_pid "$supervisor_pid_file")"; then
    kill -TERM "$supervisor" 2>/dev/null || true
  fi
  if pid="$(alive_pid "$main_pid_file")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do
      alive_pid "$main_pid_file" >/dev/null || break
      sleep 0.1
    done
    if alive_pid "$main_pid_file" >/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
      echo "--- stop: killed $pid after 15 s (TimeoutStopSec)" >>"$journal"
    fi
  fi
  for _ in $(seq 1 50); do
    alive_pid "$supervisor_pid_file" >/dev/null || break
    sleep 0.1
  done
  rm -f "$main_pid_file"
  echo dead >"$sub_state_file"
}

case "$verb" in
  start) start ;;
  stop) stop ;;
  restart) stop && start ;;
  reset-failed) if [ "$(sub_state)" = failed ]; then echo dead >"$sub_state_file"; fi ;;
  is-active)
    active="$(active_state)"
    [ "$quiet" = 1 ] || echo "$active"
    if [ "$active" = active ]; then exit 0; fi
    exit 3
    ;;
  show)
    # `systemctl show -p A -p B UNIT`: the asked properties, as A=value lines.
    for ((i = 1; i < ${#args[@]} - 1; i++)); do
      case "${args[i]}" in
        -p | --property) ;;
        ActiveState) echo "ActiveState=$(active_state)" ;;
        SubState) echo "SubState=$(sub_state)" ;;
        *)
          echo "systemctl stand-in: property \"${args[i]}\" is not something deploy/update.sh is expected to ask" >&2
          exit 1
          ;;
      esac
    done
    ;;
  *)
    echo "systemctl stand-in: \"$verb\" is not something deploy/update.sh is expected to ask" >&2
    exit 1
    ;;
esac
