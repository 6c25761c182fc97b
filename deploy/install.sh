#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Installs the Homeward hub on Raspberry Pi OS or Debian (issue 9, item 1), following the installed
# layout: Node.js, the system user, the app in /opt/homeward, data in /var/lib/homeward, settings in
# /etc/homeward, the systemd unit and the `homeward` command. Every step looks before it acts, so a
# second run changes nothing. The guide: deploy/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source_dir="$(cd "$here/.." && pwd)"
# shellcheck source=lib/release.sh
. "$here/lib/release.sh"
# shellcheck source=lib/platform.sh
. "$here/lib/platform.sh"

readonly HUB_USER=homeward
readonly DATA_DIR=/var/lib/homeward
readonly ETC_DIR=/etc/homeward
readonly ENV_FILE=/etc/homeward/homeward.env
readonly UNIT_NAME=homeward.service
readonly UNIT_FILE=/etc/systemd/system/homeward.service
readonly COMMAND_FILE=/usr/local/bin/homeward
# bookworm's own nodejs is 18; NodeSource's repository gives it the current LTS.
readonly NODESOURCE_MAJOR=22

usage() {
  cat <<'EOF'
Usage: sudo deploy/install.sh                     install, or check an installation (a second run changes nothing)
       sudo deploy/install.sh --uninstall         remove the service, the command and /opt/homeward;
                                                  KEEP the data (/var/lib/homeward) and settings (/etc/homeward)
       sudo deploy/install.sh --uninstall --purge also delete the data, its backups, the settings and the
                                                  homeward user (asks first; --yes to skip the question)
       deploy/install.sh --help

For Raspberry Pi OS (64-bit recommended) and Debian, bookworm (12) or later, on arm64, armhf or amd64.
It installs Node.js 20 or later if needed (Debian's on trixie and later; NodeSource's Node 22 on bookworm,
which needs the internet), the tools to compile better-sqlite3, a `homeward` system user, the hub built
from this checkout in /opt/homeward/releases/<version>-<hash> (/opt/homeward/current points at it),
/var/lib/homeward for data, /etc/homeward/homeward.env for settings (never overwritten), the systemd
unit homeward.service (enabled and started when systemd runs) and the /usr/local/bin/homeward command.

To move an installed hub to a newer checkout, use deploy/update.sh: it backs up the database first and
rolls back if the new release does not come up healthy. The guide: deploy/README.md.

Exit codes: 0 done · 1 failed, or this system is not supported · 2 bad usage (nothing changed).
EOF
}

step() { printf '\n==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
warn() { printf 'homeward install: warning: %s\n' "$*" >&2; }
die() {
  local code="$1"
  shift
  printf 'homeward install: %s\n' "$*" >&2
  exit "$code"
}

systemd_running() { [ -d /run/systemd/system ]; }

package_installed() {
  case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" in *" installed") return 0 ;; esac
  return 1
}

# apt's output goes here, shown only when it fails (run_logged), removed when it succeeds.
readonly APT_LOG=/var/tmp/homeward-install-apt.log

# apt-get, non-interactive, with its output in APT_LOG.
apt_get() {
  : >"$APT_LOG"
  run_logged "$APT_LOG" env DEBIAN_FRONTEND=noninteractive apt-get -q -y "$@" </dev/null
  rm -f -- "$APT_LOG"
}

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    note "apt-get update"
    apt_get update
    apt_updated=1
  fi
}

# Installs those of the packages that are not installed yet; nothing at all when every one is.
apt_install_missing() {
  local package missing=()
  for package in "$@"; do
    package_installed "$package" || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  apt_update_once
  note "apt-get install ${missing[*]}"
  apt_get install --no-install-recommends "${missing[@]}"
}

installed_node_version() { if command -v node >/dev/null 2>&1; then node --version; fi; }

# Debian's nodejs (not NodeSource's, whose version says so) needs npm and libnode-dev beside it.
node_is_debians() {
  [ "$(readlink -f "$(command -v node)")" = /usr/bin/node ] && package_installed nodejs &&
    [[ "$(dpkg-query -W -f='${Version}' nodejs)" != *nodesource* ]]
}

# NodeSource's apt repository, signed by its key (apt reads an armoured key from a .asc file).
add_nodesource_repository() {
  apt_install_missing ca-certificates curl
  note "adding NodeSource's repository for Node.js $NODESOURCE_MAJOR (deb.nodesource.com; needs the internet)"
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key -o /etc/apt/keyrings/nodesource.asc.new
  mv -f /etc/apt/keyrings/nodesource.asc.new /etc/apt/keyrings/nodesource.asc
  chmod 0644 /etc/apt/keyrings/nodesource.asc
  cat >/etc/apt/sources.list.d/nodesource.sources <<EOF
# Node.js $NODESOURCE_MAJOR for Homeward (deploy/install.sh): bookworm's own nodejs is too old.
Types: deb
URIs: https://deb.nodesource.com/node_$NODESOURCE_MAJOR.x
Suites: nodistro
Components: main
Signed-By: /etc/apt/keyrings/nodesource.asc
EOF
  # Debian's nodejs must never win over NodeSource's, not even after a Debian point release.
  cat >/etc/apt/preferences.d/nodesource <<'EOF'
Package: nodejs
Pin: origin deb.nodesource.com
Pin-Priority: 600
EOF
  apt_updated=0
}

ensure_node() {
  local installed candidate node
  installed="$(installed_node_version)"
  if [ "$(node_plan "$installed" "")" != keep ]; then
    if [ -n "$installed" ]; then note "Node.js $installed is too old (the hub needs 20 or later)"; fi
    apt_update_once
    candidate="$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ { print $2 }')"
    case "$(node_plan "$installed" "$candidate")" in
      debian)
        note "installing Debian's Node.js ($candidate)"
        apt_get install --no-install-recommends nodejs npm libnode-dev
        ;;
      nodesource)
        add_nodesource_repository
        apt_update_once
        note "installing NodeSource's Node.js $NODESOURCE_MAJOR (it includes npm and the C headers)"
        apt_get install --no-install-recommends nodejs
        ;;
    esac
    hash -r
    installed="$(installed_node_version)"
    [ "$(node_plan "$installed" "")" = keep ] || die 1 "Node.js 20 or later is still not installed (node: ${installed:-none})"
  fi
  node="$(command -v node)"
  # ProtectHome=yes hides /home and /root from the service, and the homeward user could not enter them.
  case "$(readlink -f "$node")" in
    /home/* | /root/*) die 1 "node $installed is in a home directory ($node), which the service cannot reach; install Node.js for the whole system (sudo apt-get install nodejs) and run this again" ;;
  esac
  if node_is_debians; then apt_install_missing npm libnode-dev; fi
  command -v npm >/dev/null 2>&1 || die 1 "npm is missing beside $node; install it and run this again"
  note "Node.js $installed ($node), npm $(npm --version)"
}

ensure_build_tools() {
  apt_install_missing ca-certificates python3 make g++
  if node_headers_prefix >/dev/null; then
    note "python3, make, g++ and Node's C headers ($(node_headers_prefix)/include/node): present"
  else
    warn "Node's C headers are not beside $(command -v node): node-gyp will download them from nodejs.org"
  fi
}

ensure_user() {
  local shell=/usr/sbin/nologin
  if getent passwd "$HUB_USER" >/dev/null; then
    note "user $HUB_USER: exists"
    return 0
  fi
  [ -x "$shell" ] || shell=/bin/false
  if getent group "$HUB_USER" >/dev/null; then
    useradd --system --gid "$HUB_USER" --home-dir "$DATA_DIR" --no-create-home --shell "$shell" --comment "Homeward hub" "$HUB_USER"
  else
    useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home --shell "$shell" --comment "Homeward hub" "$HUB_USER"
  fi
  note "user $HUB_USER: created (system account, no login, home $DATA_DIR)"
}

# Builds this checkout's release unless it exists, and points current at it. An installed hub that
# already runs another release is not switched: that is an update, and deploy/update.sh backs the
# database up before the new release migrates it.
ensure_release() {
  local name current
  name="$(source_release_name "$source_dir")"
  current="$(linked_release current)"
  if [ -n "$current" ] && [ "$current" != "$name" ] && [ -e "$DATA_DIR/homeward.db" ]; then
    die 1 "Homeward is already installed and running release $current; this checkout is release $name.
    To move to it, run: sudo $here/update.sh
    (it backs up the database first and rolls back if the new release does not come up healthy).
    The installed hub was not changed."
  fi
  if [ -d "$RELEASES/$name" ] && release_ready "$name"; then
    note "release $name: already built, reusing $RELEASES/$name"
  else
    if [ -e "$RELEASES/$name" ]; then
      note "release $name: $RELEASES/$name is incomplete; building it again"
      rm -rf -- "${RELEASES:?}/$name"
    fi
    note "building release $name from $source_dir (several minutes; much longer on a Pi Zero 2 W)"
    build_release "$source_dir" "$name"
    note "release $name: built"
  fi
  if [ "$current" != "$name" ]; then
    point_link current "$name"
    release_switched=1
  fi
  note "$HOMEWARD_PREFIX/current -> releases/$name"
  # The prefix itself: root's, readable by all, writable by nobody else.
  chown root:root "$HOMEWARD_PREFIX" "$RELEASES"
  chmod 0755 "$HOMEWARD_PREFIX" "$RELEASES"
}

ensure_data_and_settings() {
  install -d -o "$HUB_USER" -g "$HUB_USER" -m 0750 "$DATA_DIR"
  note "$DATA_DIR: $HUB_USER:$HUB_USER, 0750"
  install -d -o root -g "$HUB_USER" -m 0750 "$ETC_DIR"
  if [ -e "$ENV_FILE" ]; then
    note "$ENV_FILE: kept as it is (never overwritten)"
    if ! cmp -s "$here/homeward.env" "$ENV_FILE"; then
      note "  (deploy/homeward.env lists every setting with its default, if you want to compare)"
    fi
  else
    install -o root -g "$HUB_USER" -m 0640 "$here/homeward.env" "$ENV_FILE"
    note "$ENV_FILE: written (root:$HUB_USER, 0640); your settings go here"
  fi
}

# Installs SOURCE as TARGET (root's, MODE) only if it differs; succeeds when it changed something.
install_if_changed() {
  local source="$1" target="$2" mode="$3"
  if [ -f "$target" ] && cmp -s "$source" "$target" && [ "$(stat -c '%a %U %G' "$target")" = "${mode#0} root root" ]; then
    return 1
  fi
  install -o root -g root -m "$mode" "$source" "$target"
}

# The unit and the command, each with this machine's node in place of /usr/bin/node.
ensure_unit_and_command() {
  local node rendered
  node="$(command -v node)"
  rendered="$(mktemp)"
  sed "s|^ExecStart=/usr/bin/node |ExecStart=$node |" "$here/homeward.service" >"$rendered"
  grep -q "^ExecStart=$node " "$rendered" || die 1 "deploy/homeward.service has no 'ExecStart=/usr/bin/node ' line to put $node in"
  if install_if_changed "$rendered" "$UNIT_FILE" 0644; then
    note "$UNIT_FILE: installed"
    unit_changed=1
  else
    note "$UNIT_FILE: up to date"
  fi
  sed "s|^NODE=/usr/bin/node$|NODE=$node|" "$here/homeward-command.sh" >"$rendered"
  if install_if_changed "$rendered" "$COMMAND_FILE" 0755; then
    note "$COMMAND_FILE: installed (sudo homeward --help)"
  else
    note "$COMMAND_FILE: up to date"
  fi
  rm -f -- "$rendered"
}

ensure_service() {
  if systemd_running; then
    systemctl daemon-reload
    if [ "$unit_changed" = 1 ] || [ "$release_switched" = 1 ]; then
      # try-restart: a running hub picks up the new unit or release; a stopped one is started below.
      systemctl try-restart "$UNIT_NAME"
    fi
    if ! systemctl enable --now "$UNIT_NAME"; then
      die 1 "the service did not start. Why: sudo journalctl -u homeward -n 50 --no-pager"
    fi
    note "homeward.service: enabled, $(systemctl is-active "$UNIT_NAME")"
    memory_cgroup_note
    service_started=1
  elif command -v systemctl >/dev/null 2>&1; then
    # A chroot or a container (an SD card image being prepared): enable for the next boot, start nothing.
    systemctl enable "$UNIT_NAME" >/dev/null 2>&1 || warn "systemctl enable $UNIT_NAME failed"
    note "systemd is not running here (a chroot or a container?): homeward.service is installed and"
    note "enabled for the next boot, but NOT started"
  else
    note "systemd is not installed here (a chroot or a container?): homeward.service is installed but"
    note "NOT enabled or started"
  fi
}

# Raspberry Pi kernels switch the memory cgroup off, and then the unit's MemoryMax does nothing.
memory_cgroup_note() {
  if [ -r /sys/fs/cgroup/cgroup.controllers ] && ! grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
    note "note: this kernel has the memory cgroup switched off, so the unit's memory limit is not enforced;"
    note "deploy/README.md, \"Memory limit\", says how to switch it on (cgroup_enable=memory)"
  fi
}

env_file_value() {
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$ENV_FILE" 2>/dev/null | tail -n 1 | tr -d "\"'"
}

summary() {
  local port host address
  port="$(env_file_value HOMEWARD_HTTP_PORT)"
  port="${port:-8080}"
  host="$(uname -n)"
  address="$(hostname -I 2>/dev/null | awk '{ print $1 }')" || true
  printf '\nHomeward is installed.\n'
  if [ "$service_started" = 1 ]; then
    printf '  Setup link (first start only; create the owner account within 24 hours):\n'
    printf '    sudo journalctl -u homeward | grep setup\n'
  else
    printf '  Start it (systemctl start homeward, or boot the card); then the setup link is in:\n'
    printf '    sudo journalctl -u homeward | grep setup\n'
  fi
  printf '  Dashboard: http://%s.local:%s/' "$host" "$port"
  if [ -n "$address" ]; then printf '  or  http://%s:%s/' "$address" "$port"; fi
  printf '\n  Settings:  %s (then: sudo systemctl restart homeward)\n' "$ENV_FILE"
  printf '  Data:      %s   Logs: sudo journalctl -u homeward -f\n' "$DATA_DIR"
  printf '  Check:     sudo homeward doctor\n'
  printf '  Next: HTTPS and remote access, updates, backups: %s/README.md\n' "$here"
}

install_hub() {
  local description
  step "Checking this system"
  description="$(platform_check /etc/os-release "$(dpkg --print-architecture)" "$(uname -m)")" ||
    die 1 "not supported: $description"
  note "$description: supported"

  step "Node.js"
  ensure_node

  step "Tools to compile better-sqlite3"
  ensure_build_tools

  step "System user"
  ensure_user

  step "The hub in $HOMEWARD_PREFIX"
  ensure_release

  step "Data and settings"
  ensure_data_and_settings

  step "Service and command"
  ensure_unit_and_command
  ensure_service

  summary
}

# Processes of the hub's user that would keep files open or block userdel.
hub_processes() { find /proc -maxdepth 1 -regex '/proc/[0-9]+' -user "$HUB_USER" -printf '%f ' 2>/dev/null || true; }

uninstall_hub() {
  local backup_dir running
  backup_dir="$(env_file_value HOMEWARD_BACKUP_DIR)"
  if [ "$purge" = 1 ] && [ "$assume_yes" = 0 ]; then
    [ -t 0 ] || die 2 "--purge deletes $DATA_DIR (the database and every backup in it), $ETC_DIR and the $HUB_USER user; add --yes to confirm when not at a terminal. Nothing was changed."
    printf 'This deletes %s (the database, its secrets and every backup in it), %s and the %s user.\nThey cannot be recovered. Type "delete" to go on: ' "$DATA_DIR" "$ETC_DIR" "$HUB_USER"
    local answer=""
    read -r answer || true
    [ "$answer" = delete ] || die 2 "not confirmed; nothing was changed"
  fi

  step "The service"
  if [ -e "$UNIT_FILE" ] || [ -L "/etc/systemd/system/multi-user.target.wants/$UNIT_NAME" ]; then
    if systemd_running; then
      systemctl disable --now "$UNIT_NAME" >/dev/null 2>&1 || warn "systemctl disable --now $UNIT_NAME failed"
      note "homeward.service: stopped and disabled"
    elif command -v systemctl >/dev/null 2>&1; then
      systemctl disable "$UNIT_NAME" >/dev/null 2>&1 || true
    fi
    rm -f -- "$UNIT_FILE" "/etc/systemd/system/multi-user.target.wants/$UNIT_NAME"
    if systemd_running; then
      systemctl daemon-reload
      systemctl reset-failed "$UNIT_NAME" >/dev/null 2>&1 || true
    fi
    note "$UNIT_FILE: removed"
  else
    note "$UNIT_FILE: not installed"
  fi
  running="$(hub_processes)"
  if [ -n "$running" ]; then
    die 1 "processes of the $HUB_USER user are still running (PIDs $running): stop them first (a hub started by hand?). The service is removed; nothing else was changed."
  fi

  step "The app and the command"
  rm -f -- "$COMMAND_FILE"
  note "$COMMAND_FILE: removed"
  rm -rf -- "$HOMEWARD_PREFIX"
  note "$HOMEWARD_PREFIX: removed"

  step "Data and settings"
  if [ "$purge" = 1 ]; then
    rm -rf -- "$DATA_DIR" "$ETC_DIR"
    note "$DATA_DIR and $ETC_DIR: deleted"
    if getent passwd "$HUB_USER" >/dev/null; then userdel "$HUB_USER"; fi
    if getent group "$HUB_USER" >/dev/null; then groupdel "$HUB_USER"; fi
    note "user and group $HUB_USER: removed"
    if [ -n "$backup_dir" ] && [ -d "$backup_dir" ]; then note "backups in $backup_dir (HOMEWARD_BACKUP_DIR) were left alone"; fi
    printf '\nHomeward is removed, with its data. Node.js and the build tools stay installed.\n'
  else
    note "KEPT: $DATA_DIR (the database, its secrets and backups)"
    note "KEPT: $ETC_DIR (your settings) and the $HUB_USER user"
    printf '\nHomeward is removed; its data is kept in %s and its settings in %s.\n' "$DATA_DIR" "$ETC_DIR"
    printf 'Installing again picks them up. To delete them too: sudo %s --uninstall --purge\n' "$0"
  fi
}

arguments="$*"
mode=install
purge=0
assume_yes=0
unit_changed=0
release_switched=0
service_started=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --uninstall) mode=uninstall ;;
    --purge) purge=1 ;;
    --yes | -y) assume_yes=1 ;;
    *) die 2 "unknown argument \"$1\" (see --help)" ;;
  esac
  shift
done
if [ "$mode" = install ] && { [ "$purge" = 1 ] || [ "$assume_yes" = 1 ]; }; then
  die 2 "--purge and --yes go with --uninstall (see --help)"
fi
[ "$(id -u)" -eq 0 ] || die 1 "run it as root: sudo $0 $arguments"
umask 022

trap remove_stage EXIT
trap 'exit 130' INT TERM HUP

if [ "$mode" = uninstall ]; then uninstall_hub; else install_hub; fi
