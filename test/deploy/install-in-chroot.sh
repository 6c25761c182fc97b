#!/usr/bin/env bash
# The real test of deploy/install.sh (issue 9, item 1): in a throwaway Debian trixie root made by
# debootstrap, install from a clean export of this checkout, record what was installed, install again
# and check nothing changed; start the installed hub as the unit would and ask /api/health; run
# `homeward doctor` through the wrapper; uninstall (keeping the data), then purge.
# Run as root: `sudo npm run test:deploy` (.ci/run runs it after `npm test`). Takes several minutes;
# needs deb.debian.org and the npm registry.
#   HOMEWARD_TEST_CACHE=DIR   keep downloaded .debs and npm packages in DIR between runs (default
#                             /var/cache/homeward-test, none when CI is set: CI starts clean)
#   HOMEWARD_TEST_KEEP=1      leave the root (unmounted) behind to look at
# shellcheck source-path=SCRIPTDIR/../..
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=deploy/lib/release.sh
. "$repo/deploy/lib/release.sh"

mirror=http://deb.debian.org/debian
if [ -n "${CI:-}" ]; then cache="${HOMEWARD_TEST_CACHE:-}"; else cache="${HOMEWARD_TEST_CACHE:-/var/cache/homeward-test}"; fi
keep="${HOMEWARD_TEST_KEEP:-0}"
path_in_root=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

failures=0
pass() { printf 'PASS %s\n' "$*"; }
fail() {
  printf 'FAIL %s\n' "$*"
  failures=$((failures + 1))
}
# A failure after which nothing else can be checked.
fatal() {
  fail "$@"
  exit 1
}
check() {
  local what="$1"
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
info() { printf '\n--- %s\n' "$*"; }
not() { ! "$@"; }
quietly() { "$@" >/dev/null 2>&1; }

[ "$(id -u)" -eq 0 ] || fatal "this test must run as root (debootstrap, chroot, mount): sudo $0"
for tool in debootstrap chroot mount node git; do
  command -v "$tool" >/dev/null 2>&1 || fatal "$tool is not installed (.ci/run installs what this test needs)"
done

work="$(mktemp -d /var/tmp/homeward-install-test.XXXXXX)"
root="$work/root"
mounted=()
hub_pid=""

still_mounted() { grep -q " $root/" /proc/self/mounts; }

cleanup() {
  local code=$?
  if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then
    kill -KILL "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -R -l "${mounted[i]}" 2>/dev/null || true
  done
  # Never delete a root with something still mounted in it: rm would reach the host's /dev.
  if still_mounted; then
    printf 'WARNING: something is still mounted under %s; left it in place:\n' "$root"
    grep " $root/" /proc/self/mounts || true
  elif [ "$keep" = 1 ]; then
    printf 'The root is kept in %s (HOMEWARD_TEST_KEEP=1); remove it with: rm -rf %s\n' "$root" "$work"
  else
    rm -rf --one-file-system -- "$work"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mount_into_root() {
  local target="$root$1"
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

# Runs a command in the root as root, with a clean environment (the host's HOMEWARD_* must not leak in).
in_root() {
  chroot "$root" /usr/bin/env -i PATH="$path_in_root" HOME=/root LANG=C.UTF-8 TERM=dumb "${proxy_env[@]}" "$@"
}

# The installed layout, as a list: paths, types, owners, modes, sizes, link targets (no timestamps);
# the user and group; the unit, settings and command as written.
manifest() {
  # shellcheck disable=SC2016 # the script runs in the root, expanding there
  in_root bash -c '
    for path in /opt/homeward /var/lib/homeward /etc/homeward /etc/systemd/system/homeward.service \
      /etc/systemd/system/multi-user.target.wants/homeward.service /usr/local/bin/homeward \
      /etc/apt/sources.list.d/nodesource.sources /etc/apt/keyrings/nodesource.asc /var/tmp/homeward-build.swap; do
      if [ ! -e "$path" ] && [ ! -L "$path" ]; then echo "absent $path"; continue; fi
      find "$path" \( -type l -printf "%p link %u:%g -> %l\n" \) -o \( -type f -printf "%p file %u:%g %m %s\n" \) \
        -o -printf "%p %y %u:%g %m\n"
    done | LC_ALL=C sort
    echo "passwd: $(getent passwd homeward || echo none)"
    echo "group: $(getent group homeward || echo none)"
    for file in /etc/systemd/system/homeward.service /etc/homeward/homeward.env /usr/local/bin/homeward; do
      echo "=== $file"
      cat "$file" 2>/dev/null || echo absent
    done'
}

# "owner:group mode" of a path, names as the root knows them.
owner_mode() { in_root stat -c '%U:%G %a' "$1"; }

# One GET from the host (the root shares its network): prints the status, then the body.
http_get() {
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
      .then(async (r) => { console.log(r.status); console.log(await r.text()); }, () => console.log(0));
  ' "$1"
}

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'; }

# ── The throwaway root ───────────────────────────────────────────────────────────────────────────────
proxy_env=()
for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  if [ -n "${!name:-}" ]; then proxy_env+=("$name=${!name}"); fi
done

info "debootstrap --variant=minbase trixie ($mirror) into $root"
debootstrap_cache=()
if [ -n "$cache" ]; then
  mkdir -p "$cache/debootstrap" "$cache/apt-archives/partial" "$cache/npm"
  debootstrap_cache=(--cache-dir="$cache/debootstrap")
fi
started=$SECONDS
debootstrap --variant=minbase "${debootstrap_cache[@]}" trixie "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log"; fatal "debootstrap failed (log above)"; }
pass "debootstrap: a Debian trixie root in $((SECONDS - started)) s"

mount_into_root /proc -t proc proc
mount_into_root /sys -t sysfs sysfs
mount_into_root /dev --rbind /dev
mount --make-rslave "$root/dev"
if [ -n "$cache" ]; then
  mount_into_root /var/cache/apt/archives --bind "$cache/apt-archives"
  mount_into_root /root/.npm --bind "$cache/npm"
fi
cp --remove-destination -L /etc/resolv.conf "$root/etc/resolv.conf"
# Where HTTPS goes through an inspecting proxy (this sandbox; some CI), the root must trust its CA as the
# host does: ca-certificates, which install.sh installs, picks these up.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi

# Raspberry Pi OS and Debian have systemd; in a chroot it is installed but not running, as when a card
# is prepared on another machine, so install.sh enables the unit for the next boot and starts nothing.
info "systemd, installed but not running (as on a card prepared elsewhere)"
in_root bash -c 'export DEBIAN_FRONTEND=noninteractive; apt-get -q update && apt-get -q install -y --no-install-recommends systemd' \
  >"$work/systemd.log" 2>&1 </dev/null || { tail -n 30 "$work/systemd.log"; fatal "could not install systemd in the root (log above)"; }
pass "systemd installed in the root, not running"

# A clean export, as a `git clone` would give (what git tracks, plus new files not ignored), owned by
# an ordinary user as the pi user's clone is.
mkdir -p "$root/home/pi/homeward"
source_files "$repo" | (cd "$repo" && xargs -0 -r cp --parents -t "$root/home/pi/homeward" --)
chown -R 1000:1000 "$root/home/pi"
check "the export has no node_modules or dist" test ! -e "$root/home/pi/homeward/node_modules" -a ! -e "$root/home/pi/homeward/dist"

# ── First install ────────────────────────────────────────────────────────────────────────────────────
info "deploy/install.sh (first run)"
started=$SECONDS
if ! in_root bash /home/pi/homeward/deploy/install.sh 2>&1 | tee "$work/install-1.log"; then
  fatal "the first install failed (output above)"
fi
pass "first install: done in $((SECONDS - started)) s"
manifest >"$work/manifest-1.txt"

info "the installed layout"
release="$(in_root readlink /opt/homeward/current || true)"
release_link_ok() { [[ "$1" =~ ^releases/[0-9][0-9.]*-[0-9a-f]{12}$ ]]; }
check "/opt/homeward/current -> releases/<version>-<12 hex> ($release)" release_link_ok "$release"
for file in package.json package-lock.json dist/src/main.js dist/src/cli.js dashboard/dist/index.html \
  devices/registry.ts node_modules/better-sqlite3/build/Release/better_sqlite3.node; do
  check "the release holds $file" test -f "$root/opt/homeward/$release/$file"
done
check "the release holds no development dependencies (typescript, vitest)" \
  test ! -e "$root/opt/homeward/$release/node_modules/typescript" -a ! -e "$root/opt/homeward/$release/node_modules/vitest"
nothing_left_behind() { ! compgen -G "$root/opt/homeward/releases/.stage-*" >/dev/null && [ ! -e "$root/var/tmp/homeward-build.swap" ]; }
check "no stage directory or build swap file is left behind" nothing_left_behind
writable="$(in_root find /opt/homeward \( -not -user root -o -not -group root -o -perm /022 \) -not -type l -print -quit)"
check "everything in /opt/homeward is root's and writable by nobody else${writable:+ (not: $writable)}" test -z "$writable"
check "/var/lib/homeward is homeward:homeward 750" test "$(owner_mode /var/lib/homeward)" = "homeward:homeward 750"
check "/etc/homeward is root:homeward 750" test "$(owner_mode /etc/homeward)" = "root:homeward 750"
check "/etc/homeward/homeward.env is root:homeward 640" test "$(owner_mode /etc/homeward/homeward.env)" = "root:homeward 640"
check "/etc/homeward/homeward.env is deploy/homeward.env" cmp -s "$repo/deploy/homeward.env" "$root/etc/homeward/homeward.env"
check "/etc/homeward/homeward.env sets HOMEWARD_DATA_DIR=/var/lib/homeward" grep -qx 'HOMEWARD_DATA_DIR=/var/lib/homeward' "$root/etc/homeward/homeward.env"
check "the unit is installed, root's, 644" test "$(owner_mode /etc/systemd/system/homeward.service)" = "root:root 644"
node_in_root="$(in_root bash -c 'command -v node')"
check "the unit runs the root's node ($node_in_root) on the current release" \
  grep -qx "ExecStart=$node_in_root --max-old-space-size=96 --max-semi-space-size=2 /opt/homeward/current/dist/src/main.js" "$root/etc/systemd/system/homeward.service"
check "the command /usr/local/bin/homeward is installed, root's, 755" test "$(owner_mode /usr/local/bin/homeward)" = "root:root 755"
IFS=: read -r _ _ uid _ _ home shell < <(in_root getent passwd homeward) || true
system_user_ok() { [ "${uid:-9999}" -lt 1000 ] && [ "$home" = /var/lib/homeward ] && [[ "$shell" == */nologin || "$shell" == */false ]]; }
check "homeward is a system user (uid $uid) with home /var/lib/homeward and no login shell ($shell)" system_user_ok
check "the group homeward exists" quietly in_root getent group homeward
check "install.sh says it enabled the unit for the next boot but did not start it" grep -q 'enabled for the next boot, but NOT started' "$work/install-1.log"
check "homeward.service is enabled (multi-user.target wants it)" \
  test "$(in_root readlink /etc/systemd/system/multi-user.target.wants/homeward.service)" = /etc/systemd/system/homeward.service
verify_output="$(in_root systemd-analyze verify --man=no /etc/systemd/system/homeward.service 2>&1 | grep homeward || true)"
check "systemd-analyze verify is content with the installed unit, whose paths all exist here${verify_output:+: $verify_output}" test -z "$verify_output"
check "install.sh prints the setup-link hint" grep -q 'journalctl -u homeward | grep setup' "$work/install-1.log"

# ── Second install: nothing changes ──────────────────────────────────────────────────────────────────
info "deploy/install.sh (second run)"
started=$SECONDS
if ! in_root bash /home/pi/homeward/deploy/install.sh >"$work/install-2.log" 2>&1; then
  cat "$work/install-2.log"
  fatal "the second install failed (output above)"
fi
pass "second install: done in $((SECONDS - started)) s"
check "the second install reused the release" grep -q 'already built, reusing' "$work/install-2.log"
check "the second install installed no package" not grep -q "apt-get install" "$work/install-2.log"
manifest >"$work/manifest-2.txt"
if diff -u "$work/manifest-1.txt" "$work/manifest-2.txt" >"$work/manifest.diff"; then
  pass "the second install changed nothing ($(wc -l <"$work/manifest-1.txt") manifest lines identical)"
else
  head -n 60 "$work/manifest.diff"
  fail "the second install changed the layout (diff above)"
fi

info "settings survive a re-install"
printf '\n# changed by the installer\nHOMEWARD_LOG_LEVEL=info\n' >>"$root/etc/homeward/homeward.env"
cp "$root/etc/homeward/homeward.env" "$work/edited.env"
in_root bash /home/pi/homeward/deploy/install.sh >"$work/install-3.log" 2>&1 || { cat "$work/install-3.log"; fail "the third install failed"; }
check "an edited /etc/homeward/homeward.env is kept as it is" cmp -s "$work/edited.env" "$root/etc/homeward/homeward.env"

# ── The hub, started as the unit starts it ───────────────────────────────────────────────────────────
info "starting the installed hub as homeward.service would"
unit="$root/etc/systemd/system/homeward.service"
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -n 1; }
read -ra exec_start <<<"$(unit_value ExecStart)"
workdir="$(unit_value WorkingDirectory)"
env_file="$(unit_value EnvironmentFile)"
hub_user="$(unit_value User)"
hub_uid="$(in_root id -u "$hub_user")"
hub_gid="$(in_root id -g "$hub_user")"
mapfile -t hub_env < <(grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$root$env_file")
http_port="$(free_port)"
mqtt_port="$(free_port)"
# shellcheck disable=SC2016 # "$1" and "$@" expand in the root's sh
chroot --userspec="$hub_uid:$hub_gid" "$root" /usr/bin/env -i PATH="$path_in_root" HOME="$workdir" USER="$hub_user" \
  LOGNAME="$hub_user" "${hub_env[@]}" HOMEWARD_HOST=127.0.0.1 HOMEWARD_HTTP_PORT="$http_port" HOMEWARD_MQTT_PORT="$mqtt_port" \
  /bin/sh -c 'cd "$1" && shift && exec "$@"' sh "$workdir" "${exec_start[@]}" >"$work/hub.log" 2>&1 &
hub_pid=$!
health=""
for _ in $(seq 1 120); do
  if ! kill -0 "$hub_pid" 2>/dev/null; then break; fi
  health="$(http_get "http://127.0.0.1:$http_port/api/health")"
  if [ "${health%%$'\n'*}" = 200 ]; then break; fi
  sleep 0.5
done
if [ "${health%%$'\n'*}" = 200 ]; then
  pass "/api/health answers 200 as user $hub_user: ${health#*$'\n'}"
else
  tail -n 40 "$work/hub.log"
  fatal "the installed hub did not answer /api/health with 200 (last answer: ${health:-none}; its log above)"
fi
version="$(node -p 'require(process.argv[1]).version' "$repo/package.json")"
check "/api/health reports version $version and a usable database" \
  node -e 'const b = JSON.parse(process.argv[1]); process.exit(b.version === process.argv[2] && b.db.ok === true ? 0 : 1)' "${health#*$'\n'}" "$version"
check "the hub logged the setup link (what 'journalctl -u homeward | grep setup' finds)" grep -q 'setup?token=' "$work/hub.log"
check "the hub's database is in /var/lib/homeward, owned by homeward" test "$(owner_mode /var/lib/homeward/homeward.db | cut -d' ' -f1)" = "homeward:homeward"

info "the homeward command"
doctor_code=0
chroot "$root" /usr/bin/env -i PATH="$path_in_root" HOME=/root HOMEWARD_HTTP_PORT="$http_port" HOMEWARD_MQTT_PORT="$mqtt_port" \
  /usr/local/bin/homeward doctor --json >"$work/doctor.json" 2>"$work/doctor.err" || doctor_code=$?
# Exit 1 is an answer (a check found a problem, e.g. no https public URL here), not a crash.
if [ "$doctor_code" -le 1 ] && node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.exit(Array.isArray(r.checks) && r.checks.length > 0 ? 0 : 1)' "$work/doctor.json" 2>/dev/null; then
  pass "sudo homeward doctor --json runs through the wrapper (exit $doctor_code, $(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).checks.map((c) => c.name + (c.ok ? " ok" : " not ok")).join(", ")' "$work/doctor.json"))"
else
  cat "$work/doctor.json" "$work/doctor.err"
  fail "sudo homeward doctor --json did not run through the wrapper (exit $doctor_code; output above)"
fi
status_code=0
in_root /usr/local/bin/homeward status --json >"$work/status.json" 2>"$work/status.err" || status_code=$?
check "sudo homeward status --json reads the hub's database (exit $status_code)" \
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); process.exit(Array.isArray(r.devices) ? 0 : 1)' "$work/status.json"
root_owned="$(in_root find /var/lib/homeward -user root -print -quit)"
check "the command ran as homeward: nothing in /var/lib/homeward is root's${root_owned:+ (but $root_owned is)}" test -z "$root_owned"
refusal=0
chroot --userspec=65534:65534 "$root" /usr/bin/env -i PATH="$path_in_root" /usr/local/bin/homeward doctor >/dev/null 2>"$work/refusal.err" || refusal=$?
check "an ordinary user is told to use sudo (exit $refusal: $(head -c 120 "$work/refusal.err"))" \
  test "$refusal" -ne 0 -a -n "$(grep sudo "$work/refusal.err")"

info "stopping the hub"
kill -TERM "$hub_pid"
hub_code=""
for _ in $(seq 1 150); do
  if ! kill -0 "$hub_pid" 2>/dev/null; then
    hub_code=0
    wait "$hub_pid" || hub_code=$?
    break
  fi
  sleep 0.1
done
check "the hub stops on SIGTERM within 15 s (TimeoutStopSec), exit ${hub_code:-none}" test "$hub_code" = 0
hub_pid=""

info "a changed checkout is an update, not a re-install"
printf '\n' >>"$root/home/pi/homeward/README.md"
switch_code=0
in_root bash /home/pi/homeward/deploy/install.sh >"$work/install-changed.log" 2>&1 || switch_code=$?
check "install.sh will not move a hub that has a database to another release; it points at update.sh (exit $switch_code)" \
  test "$switch_code" = 1 -a -n "$(grep 'deploy/update.sh' "$work/install-changed.log")"
check "current still points at $release, and no other release was built" \
  test "$(in_root readlink /opt/homeward/current)" = "$release" -a "$(find "$root/opt/homeward/releases" -mindepth 1 -maxdepth 1 | wc -l)" = 1

# ── Uninstall, then purge ────────────────────────────────────────────────────────────────────────────
info "deploy/install.sh --uninstall"
in_root bash /home/pi/homeward/deploy/install.sh --uninstall 2>&1 | tee "$work/uninstall.log" || fail "--uninstall failed (output above)"
check "--uninstall removed /opt/homeward, the unit, its enablement and the command" \
  test ! -e "$root/opt/homeward" -a ! -e "$root/etc/systemd/system/homeward.service" -a ! -e "$root/usr/local/bin/homeward" \
  -a ! -L "$root/etc/systemd/system/multi-user.target.wants/homeward.service"
check "--uninstall kept the database and the settings" test -f "$root/var/lib/homeward/homeward.db" -a -f "$root/etc/homeward/homeward.env"
check "--uninstall kept the homeward user" quietly in_root getent passwd homeward
check "--uninstall says where the data is" grep -q '/var/lib/homeward' "$work/uninstall.log"

purge_code=0
in_root bash /home/pi/homeward/deploy/install.sh --uninstall --purge </dev/null >"$work/purge-refused.log" 2>&1 || purge_code=$?
check "--purge without --yes and without a terminal refuses (exit $purge_code) and deletes nothing" \
  test "$purge_code" = 2 -a -f "$root/var/lib/homeward/homeward.db" -a -f "$root/etc/homeward/homeward.env"

in_root bash /home/pi/homeward/deploy/install.sh --uninstall --purge --yes 2>&1 | tee "$work/purge.log" || fail "--uninstall --purge --yes failed (output above)"
check "--purge --yes deleted /var/lib/homeward and /etc/homeward" test ! -e "$root/var/lib/homeward" -a ! -e "$root/etc/homeward"
check "--purge --yes removed the homeward user" not quietly in_root getent passwd homeward
check "--purge --yes removed the homeward group" not quietly in_root getent group homeward

echo
if [ "$failures" -eq 0 ]; then
  echo "PASS install-in-chroot: every check passed"
else
  echo "FAIL install-in-chroot: $failures check(s) failed"
  exit 1
fi
