# shellcheck shell=bash
# Naming, building and switching releases (the installed layout: /opt/homeward/releases/<release>,
# /opt/homeward/current and previous). Shared by deploy/install.sh and deploy/update.sh, so both give a
# checkout the same release name and build it the same way. Sourced, never run.
# The caller defines note() (one line of progress) and warn() (a line on standard error).

# Overridable only so tests can build into a temporary directory; an installed hub uses the default.
HOMEWARD_PREFIX="${HOMEWARD_PREFIX:-/opt/homeward}"
RELEASES="$HOMEWARD_PREFIX/releases"
# The stage directory of a build in progress, for the caller's EXIT trap (remove_stage).
STAGE_DIR=""
# A swap file added for the build (add_build_swap), removed by remove_build_swap.
BUILD_SWAP=""

# <package version>-<12 hex chars>: letters, digits, . + _ - (never a path).
release_name_ok() { [[ "$1" =~ ^[0-9A-Za-z][0-9A-Za-z.+_-]*$ ]]; }

# The files that make a release, NUL-separated and relative: what git would commit in a checkout
# (tracked and untracked files, uncommitted edits included, .gitignore respected), else every file but
# build output, dependencies and data (a tarball, or the clean export the chroot test installs from).
source_files() {
  local source="$1"
  # `sudo deploy/install.sh` runs as root in a clone the pi user owns, which git refuses to read
  # (safe.directory, CVE-2022-24765). Root runs this checkout's own scripts anyway, so reading its file
  # list adds no trust.
  if command -v git >/dev/null 2>&1 && git -c safe.directory='*' -C "$source" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # A tracked file deleted in the working tree is still listed by git: keep only what exists.
    git -c safe.directory='*' -C "$source" ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' file; do
        if [ -f "$source/$file" ]; then printf '%s\0' "$file"; fi
      done
  else
    (cd "$source" && find . -type d \( -name .git -o -name node_modules -o -name dist -o -name data \
      -o -name coverage -o -path ./test/e2e/artifacts \) -prune -o -type f -not -name '*.db' \
      -not -name '*.db-wal' -not -name '*.db-shm' -not -name .DS_Store -printf '%P\0')
  fi
}

# The release name of a source tree: the same files with the same contents give the same name.
source_release_name() {
  local source="$1" version hash
  version="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version' "$source/package.json")"
  hash="$(cd "$source" && source_files "$source" | LC_ALL=C sort -z | xargs -0 -r sha256sum -- | sha256sum | cut -c1-12)"
  printf '%s-%s\n' "$version" "$hash"
}

# The release a link (current, previous) points at, or nothing.
linked_release() {
  local link="$HOMEWARD_PREFIX/$1"
  if [ -L "$link" ]; then basename "$(readlink "$link")"; fi
}

# Points a link at a release in one rename, so `current` is never missing, not even for a moment.
point_link() {
  local link="$1" release="$2"
  ln -sfn "releases/$release" "$HOMEWARD_PREFIX/.$link.new"
  mv -fT "$HOMEWARD_PREFIX/.$link.new" "$HOMEWARD_PREFIX/$link"
}

release_ready() { [ -f "$RELEASES/$1/dist/src/main.js" ] && [ -f "$RELEASES/$1/dist/src/cli.js" ]; }

# The hub must not be able to rewrite its own code (the layout): a release belongs to root and nobody
# else may write to it; everyone may read it, whatever umask the checkout was made with.
seal_release() {
  local dir="$1"
  if [ "$(id -u)" -eq 0 ]; then chown -R root:root "$dir"; fi
  chmod -R a+rX,go-w "$dir"
}

# Where this node's C headers are (<prefix>/include/node), so node-gyp compiles better-sqlite3 against
# them instead of downloading them from nodejs.org: Debian's libnode-dev and NodeSource's nodejs both
# put them under /usr.
node_headers_prefix() {
  local node prefix
  node="$(command -v node)" || return 1
  prefix="$(dirname "$(dirname "$(readlink -f "$node")")")"
  if [ -f "$prefix/include/node/node_version.h" ] && [ -f "$prefix/include/node/common.gypi" ]; then
    printf '%s\n' "$prefix"
  else
    return 1
  fi
}

# Memory the build needs, in KiB: `tsc -p tsconfig.build.json` peaked at 678 MB RSS on amd64 (and
# fails with a heap smaller than 400 MB), so RAM + swap below 1.5 GB risks the build being killed.
BUILD_MEMORY_KIB=1572864

# RAM + swap in KiB, from a meminfo file (a parameter so tests can hand it a small machine).
memory_and_swap_kib() {
  awk '/^(MemTotal|SwapTotal):/ { total += $2 } END { print total + 0 }' "$1"
}

# A Pi Zero 2 W (512 MB) cannot compile the TypeScript without more swap than Raspberry Pi OS gives it:
# add a temporary 1 GB swap file on the card for the build (slow, but it finishes), removed after.
add_build_swap() {
  local have file=/var/tmp/homeward-build.swap
  have="$(memory_and_swap_kib /proc/meminfo)"
  if [ "$have" -ge "$BUILD_MEMORY_KIB" ]; then return 0; fi
  note "memory and swap: $((have / 1024)) MB; the build needs about $((BUILD_MEMORY_KIB / 1024)) MB:"
  note "adding a temporary 1 GB swap file, $file, removed after the build (the build will be slow)"
  rm -f -- "$file"
  if { fallocate -l 1G "$file" 2>/dev/null || dd if=/dev/zero of="$file" bs=1M count=1024 status=none; } &&
    chmod 600 "$file" && mkswap "$file" >/dev/null && swapon "$file"; then
    BUILD_SWAP="$file"
  else
    rm -f -- "$file"
    warn "could not add swap ($file); the build may run out of memory. If it is killed, add swap and run this again."
  fi
}

remove_build_swap() {
  if [ -n "$BUILD_SWAP" ]; then
    swapoff "$BUILD_SWAP" 2>/dev/null || warn "could not swapoff $BUILD_SWAP; remove it after a reboot"
    rm -f -- "$BUILD_SWAP"
    BUILD_SWAP=""
  fi
}

# Runs a command with its output appended to LOG instead of the screen (npm, node-gyp and apt print
# hundreds of lines); when it fails, shows the end of LOG and keeps it.
run_logged() {
  local log="$1" code=0
  shift
  "$@" >>"$log" 2>&1 || code=$?
  if [ "$code" -ne 0 ]; then
    tail -n 40 "$log" >&2
    warn "this failed (exit $code): $*; its whole output is in $log"
  fi
  return "$code"
}

# For the caller's EXIT trap: an interrupted build leaves neither a stage directory nor a swap file.
remove_stage() {
  if [ -n "$STAGE_DIR" ]; then
    rm -rf -- "$STAGE_DIR"
    STAGE_DIR=""
  fi
  remove_build_swap
}

# Builds SOURCE into releases/NAME. It is staged beside the releases (same file system, so the final
# move is one rename; and not in /tmp, a RAM disk on Debian trixie and later, on a 512 MB Pi), so a
# failed build never leaves a half-built release under a real name.
build_release() {
  local source="$1" name="$2" stage headers log
  stage="$RELEASES/.stage-$name-$$"
  log="/var/tmp/homeward-build-$name.log"
  mkdir -p -- "$RELEASES"
  rm -rf -- "$stage"
  mkdir -- "$stage"
  STAGE_DIR="$stage"
  : >"$log"
  note "the build's output goes to $log (to watch it: tail -f $log)"
  note "copying the source into $stage"
  (cd "$source" && source_files "$source" | xargs -0 -r cp --parents -t "$stage" --)
  add_build_swap
  (
    cd "$stage" || exit 1
    umask 022
    # better-sqlite3 is compiled against this very Node (as in CI), never fetched as a prebuilt binary.
    export npm_config_build_from_source=true
    if headers="$(node_headers_prefix)"; then
      export npm_config_nodedir="$headers"
    else
      warn "no Node headers beside $(command -v node): node-gyp will download them from nodejs.org"
    fi
    note "npm ci: the exact dependencies of package-lock.json"
    # --ignore-scripts, then rebuild: `npm ci` would also run this package's `prepare` (a whole build)
    # before the `npm run build` below; the dependencies' own install scripts run in `npm rebuild`.
    run_logged "$log" npm ci --ignore-scripts --no-audit --no-fund
    note "compiling better-sqlite3 (the longest step on a Pi)"
    run_logged "$log" npm rebuild --no-audit --no-fund
    note "npm run build: the hub and the dashboard"
    run_logged "$log" npm run build
    note "npm prune --omit=dev: keeps only what the hub needs at run time"
    run_logged "$log" npm prune --omit=dev --ignore-scripts --no-audit --no-fund
  )
  remove_build_swap
  rm -f -- "$log"
  seal_release "$stage"
  mv -T -- "$stage" "$RELEASES/$name"
  STAGE_DIR=""
}
