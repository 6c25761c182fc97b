#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Updates an installed Homeward hub and rolls it back, code and database, when the new release does not
# come up healthy (issue 9, item 9). Documented in deploy/update.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/update-steps.sh
. "$here/lib/update-steps.sh"

usage() {
  cat <<'EOF'
Usage: sudo deploy/update.sh [SOURCE_DIR] [--health-timeout SECONDS]
       sudo deploy/update.sh --release-dir DIR [--health-timeout SECONDS]
       sudo deploy/update.sh --rollback [--health-timeout SECONDS]

Updates the hub installed under /opt/homeward to the source in SOURCE_DIR (default: the checkout this
script is in; run `git pull` first):
  1. builds the new release in /opt/homeward/releases/<version>-<hash> (npm ci, npm run build,
     npm prune --omit=dev), or reuses it if it was built before; refuses if it is already current;
  2. backs the database up with the current release, while the hub still runs, to
     /var/lib/homeward/backups/pre-update-<release>-<UTC time>.db;
  3. stops the hub, points /opt/homeward/previous at the old release and current at the new one,
     and starts it (the new release migrates the database as it starts);
  4. waits for the service to be active and /api/health to answer 200;
  5. if it does not: stops it, points current back at the old release, restores the pre-update
     backup with the old release, starts it again, and exits 1 saying what failed (the failed release
     is kept for inspection; its logs: journalctl -u homeward -n 50);
  6. removes old releases (keeps current, previous and one more).

Options:
  --release-dir DIR        install DIR, a release built elsewhere (its directory name is the release
                           name), instead of building from source
  --rollback               go back to the previous release by hand, restoring the database from the
                           newest backup taken before updating to the current release
  --health-timeout SECONDS how long the new release gets to come up healthy (default 90; also
                           HOMEWARD_UPDATE_HEALTH_TIMEOUT); a release being gone back to gets
                           at least 90 s
  -h, --help               this text

Exit codes: 0 done · 1 the update failed and the hub is back on the old release · 2 bad usage, or
nothing to do (nothing changed) · 3 not found (no installed hub, no previous release, no backup) ·
4 the roll-back failed too: the hub may be down, act now.
EOF
}

mode=update
source_dir=""
release_dir=""
health_timeout="${HOMEWARD_UPDATE_HEALTH_TIMEOUT:-90}"
while [ "$#" -gt 0 ]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --rollback) mode=rollback ;;
    --release-dir)
      [ "$#" -ge 2 ] || die "$UPDATE_EXIT_USAGE" "--release-dir needs a directory (see --help)"
      release_dir="$2"
      shift
      ;;
    --health-timeout)
      [ "$#" -ge 2 ] || die "$UPDATE_EXIT_USAGE" "--health-timeout needs a number of seconds (see --help)"
      health_timeout="$2"
      shift
      ;;
    -*) die "$UPDATE_EXIT_USAGE" "unknown option $1 (see --help)" ;;
    *)
      [ -z "$source_dir" ] || die "$UPDATE_EXIT_USAGE" "one SOURCE_DIR only, got \"$source_dir\" and \"$1\" (see --help)"
      source_dir="$1"
      ;;
  esac
  shift
done
[[ "$health_timeout" =~ ^[1-9][0-9]*$ ]] || die "$UPDATE_EXIT_USAGE" "--health-timeout must be a whole number of seconds, not \"$health_timeout\""
# Going back to a release that ran before is not a test of it: give it at least 90 s to come back.
back_timeout=$((health_timeout > 90 ? health_timeout : 90))
if [ "$mode" = rollback ] && { [ -n "$source_dir" ] || [ -n "$release_dir" ]; }; then
  die "$UPDATE_EXIT_USAGE" "--rollback takes no SOURCE_DIR or --release-dir: it goes back to $HOMEWARD_PREFIX/previous"
fi
if [ -n "$source_dir" ] && [ -n "$release_dir" ]; then
  die "$UPDATE_EXIT_USAGE" "give either SOURCE_DIR or --release-dir, not both"
fi
if [ "$(id -u)" -ne 0 ] && [ "${HOMEWARD_TEST_SAME_USER:-}" != 1 ]; then
  die "$UPDATE_EXIT_USAGE" "run as root: sudo $0"
fi

old="$(linked_release current)"
if [ -z "$old" ] || ! release_ready "$old"; then
  die "$UPDATE_EXIT_NOT_FOUND" "no installed hub: $HOMEWARD_PREFIX/current is missing or has no dist/src/main.js; install with deploy/install.sh first"
fi

# One update at a time: two at once would fight over the links, the service and the database.
exec 9>"$HOMEWARD_PREFIX/.update.lock"
flock -n 9 || die "$UPDATE_EXIT_USAGE" "another update or roll-back is running (it holds $HOMEWARD_PREFIX/.update.lock); wait for it to finish"

load_env_file

# Set while the links point at a release that has not proved healthy, so an interruption (Ctrl-C, a
# lost SSH session, an unexpected error) still puts the old release and its database back.
in_flight=0
new=""
old_previous=""
backup=""

restore_old_release() {
  local what="$1"
  in_flight=0
  # A roll-back, once begun, finishes: a second Ctrl-C or a dropped SSH session must not leave the
  # hub stopped between two releases.
  trap '' INT TERM HUP
  step "5/6 Rolling back to $old: $what"
  stop_service || warn "the service did not stop; rolling back anyway"
  point_link current "$old"
  if [ -n "$old_previous" ] && [ -d "$RELEASES/$old_previous" ]; then
    point_link previous "$old_previous"
  else
    rm -f "$HOMEWARD_PREFIX/previous"
  fi
  note "current -> releases/$old again"
  note "restoring the database from $backup with release $old (the new release may have migrated it)"
  if ! run_release_cli "$old" restore "$backup"; then
    die "$UPDATE_EXIT_HUB_DOWN" "ROLL-BACK FAILED: could not restore $backup with release $old, so the hub was left stopped (an old release must not run on a database a newer one migrated). Restore it by hand: sudo homeward restore $backup && sudo systemctl start $HOMEWARD_UNIT"
  fi
  note "starting the hub on release $old"
  start_service
  if ! wait_until_healthy "$back_timeout"; then
    die "$UPDATE_EXIT_HUB_DOWN" "ROLL-BACK FAILED: back on release $old with the database restored from $backup, but the hub is still not healthy: $(describe_last_health). Look at: journalctl -u $HOMEWARD_UNIT -n 50"
  fi
  die "$UPDATE_EXIT_FAILED" "update to $new FAILED: $what. The hub is back on release $old, healthy, with the database restored from $backup (restore kept the database it replaced aside). The failed release is kept in $RELEASES/$new for inspection. Why it failed: journalctl -u $HOMEWARD_UNIT -n 50"
}

on_exit() {
  local code=$?
  if [ "$in_flight" = 1 ]; then
    warn "interrupted in the middle of the update (exit $code)"
    restore_old_release "the update was interrupted"
  fi
  remove_stage
}
trap on_exit EXIT
trap 'exit 130' INT TERM HUP

update() {
  step "1/6 Preparing the new release"
  if [ -n "$release_dir" ]; then
    [ -d "$release_dir" ] || die "$UPDATE_EXIT_NOT_FOUND" "--release-dir $release_dir: no such directory"
    release_dir="$(cd "$release_dir" && pwd)"
    new="$(basename "$release_dir")"
    release_name_ok "$new" || die "$UPDATE_EXIT_USAGE" "--release-dir $release_dir: \"$new\" is not a release name (<version>-<hash>: letters, digits, . + _ -)"
    [ -f "$release_dir/dist/src/main.js" ] || die "$UPDATE_EXIT_USAGE" "--release-dir $release_dir is not a built release: it has no dist/src/main.js"
  else
    source_dir="${source_dir:-$here/..}"
    [ -f "$source_dir/package.json" ] || die "$UPDATE_EXIT_NOT_FOUND" "$source_dir is not a Homeward source tree: it has no package.json"
    source_dir="$(cd "$source_dir" && pwd)"
    new="$(source_release_name "$source_dir")"
  fi
  if [ "$new" = "$old" ]; then
    die "$UPDATE_EXIT_USAGE" "release $new is already current: nothing to do (after \`git pull\` with new changes it gets a new name; to go back, use --rollback)"
  fi
  if release_ready "$new"; then
    note "release $new was built before: reusing $RELEASES/$new"
  else
    if [ -e "$RELEASES/$new" ]; then
      note "$RELEASES/$new is incomplete (an interrupted build?): making it again"
      rm -rf -- "${RELEASES:?}/$new"
    fi
    if [ -n "$release_dir" ]; then
      note "copying $release_dir to $RELEASES/$new"
      install_release_dir "$release_dir" "$new"
    else
      note "building release $new from $source_dir (several minutes; much longer on a Pi Zero 2 W)"
      build_release "$source_dir" "$new"
    fi
  fi

  step "2/6 Backing up the database with the current release ($old), while the hub runs"
  if service_active && [ "$(health_status "$(health_url)")" = 200 ]; then
    note "the hub is healthy now"
  else
    warn "the hub is NOT healthy now (release $old): if release $new does not come up healthy either, rolling back can only bring back this state"
  fi
  backup="$HOMEWARD_DATA/backups/pre-update-$new-$(utc_stamp).db"
  as_hub mkdir -p "$HOMEWARD_DATA/backups"
  if ! run_release_cli "$old" backup "$backup" || [ ! -s "$backup" ]; then
    die "$UPDATE_EXIT_FAILED" "the pre-update backup to $backup failed, so nothing was changed: the hub still runs release $old"
  fi
  note "backup: $backup"

  step "3/6 Switching from $old to $new"
  old_previous="$(linked_release previous)"
  note "stopping the hub"
  in_flight=1
  if ! stop_service; then
    in_flight=0
    start_service
    die "$UPDATE_EXIT_FAILED" "the hub did not stop, so nothing was changed: it still runs release $old"
  fi
  point_link previous "$old"
  point_link current "$new"
  touch "$RELEASES/$new"
  note "previous -> releases/$old, current -> releases/$new"
  note "starting the hub on release $new (it migrates the database as it starts)"
  start_service

  step "4/6 Checking that release $new comes up healthy"
  if ! wait_until_healthy "$health_timeout"; then
    local what
    what="$(describe_last_health)"
    case "$LAST_HEALTH" in 'service exited' | 'service failed' | [0-9]*) ;; *) what="$what within $health_timeout s" ;; esac
    restore_old_release "$what"
  fi
  in_flight=0
  note "healthy"

  step "6/6 Removing old releases"
  prune_releases
  printf '\nUpdated: release %s is running. Back to %s by hand: sudo %s --rollback\n' "$new" "$old" "$0"
}

rollback() {
  local from="$old" to
  to="$(linked_release previous)"
  if [ -z "$to" ] || ! release_ready "$to"; then
    die "$UPDATE_EXIT_NOT_FOUND" "there is no previous release to go back to ($HOMEWARD_PREFIX/previous is missing or not a built release)"
  fi
  backup="$(newest_pre_update_backup "$from")"
  if [ -z "$backup" ]; then
    die "$UPDATE_EXIT_NOT_FOUND" "no pre-update backup for release $from in $HOMEWARD_DATA/backups (pre-update-$from-*.db): going back without one would run release $to on a database $from may have migrated"
  fi
  backup="$HOMEWARD_DATA/backups/$backup"

  trap '' INT TERM HUP
  step "1/3 Going back from $from to $to"
  note "the database comes back from $backup, taken just before the update to $from;"
  note "what was recorded since then stays in the database that restore keeps aside"
  note "stopping the hub"
  stop_service || die "$UPDATE_EXIT_FAILED" "the hub did not stop, so nothing was changed: it still runs release $from"
  point_link current "$to"
  # The release before $to is not known any more; a second --rollback must not guess.
  rm -f "$HOMEWARD_PREFIX/previous"
  note "current -> releases/$to ($from is kept in $RELEASES/$from)"

  step "2/3 Restoring the database with release $to"
  if ! run_release_cli "$to" restore "$backup"; then
    die "$UPDATE_EXIT_HUB_DOWN" "could not restore $backup with release $to, so the hub was left stopped. Restore it by hand: sudo homeward restore $backup && sudo systemctl start $HOMEWARD_UNIT"
  fi

  step "3/3 Starting the hub on release $to"
  start_service
  if ! wait_until_healthy "$back_timeout"; then
    die "$UPDATE_EXIT_HUB_DOWN" "back on release $to with the database from $backup, but the hub is not healthy: $(describe_last_health). Look at: journalctl -u $HOMEWARD_UNIT -n 50"
  fi
  printf '\nRolled back: release %s is running, healthy.\n' "$to"
}

if [ "$mode" = rollback ]; then rollback; else update; fi
