# shellcheck shell=bash
# What deploy/install.sh supports (issue 9, item 1): Raspberry Pi OS and Debian, bookworm (12) or later,
# on arm64, armhf or amd64; and which Node.js that means. Pure functions of what they are handed, so
# test/deploy/platform.test.ts can try machines this one is not. Sourced, never run.

# One field of an os-release file (os-release(5)), unquoted.
os_release_field() {
  local file="$1" key="$2" line value=""
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ "$line" == "$key="* ]]; then
      value="${line#*=}"
      value="${value#[\"\']}"
      value="${value%[\"\']}"
    fi
  done <"$file"
  printf '%s\n' "$value"
}

# Prints "<name>, <arch>" and succeeds when this system is supported; otherwise prints what is not
# supported and what is, and fails. OS_RELEASE: an os-release file; ARCH: `dpkg --print-architecture`;
# MACHINE: `uname -m`.
platform_check() {
  local os_release="$1" arch="$2" machine="$3" id version codename name
  if [ ! -r "$os_release" ]; then
    printf 'cannot read %s: this does not look like Debian or Raspberry Pi OS\n' "$os_release"
    return 1
  fi
  id="$(os_release_field "$os_release" ID)"
  version="$(os_release_field "$os_release" VERSION_ID)"
  codename="$(os_release_field "$os_release" VERSION_CODENAME)"
  name="$(os_release_field "$os_release" PRETTY_NAME)"
  name="${name:-$id $version}"
  case "$id" in
    debian | raspbian) ;;
    *)
      printf '%s is not supported: Homeward installs on Raspberry Pi OS or Debian, bookworm (12) or later\n' "$name"
      return 1
      ;;
  esac
  # Testing and unstable carry no VERSION_ID; they are newer than any release.
  if [[ "$version" =~ ^[0-9]+$ ]]; then
    if [ "$version" -lt 12 ]; then
      printf '%s is too old: Homeward needs bookworm (12) or later; upgrade, or start from a fresh Raspberry Pi OS card\n' "$name"
      return 1
    fi
  else
    case "$codename" in
      jessie | stretch | buster | bullseye)
        printf '%s is too old: Homeward needs bookworm (12) or later\n' "$name"
        return 1
        ;;
    esac
  fi
  case "$arch" in
    arm64 | amd64) ;;
    armhf)
      # Node.js has no build for ARMv6, the CPU of the first Pi Zero and the Pi 1.
      if [ "$machine" = armv6l ]; then
        printf 'this is an ARMv6 CPU (Pi 1, Pi Zero, Pi Zero W), for which there is no Node.js; use a Pi Zero 2 W, Pi 3, 4 or 5, preferably with the 64-bit Raspberry Pi OS\n'
        return 1
      fi
      ;;
    *)
      printf 'the %s architecture is not supported: Homeward installs on arm64 (64-bit Raspberry Pi OS), armhf or amd64\n' "$arch"
      return 1
      ;;
  esac
  printf '%s, %s\n' "$name" "$arch"
}

# The major version in a Node.js or Debian package version: v20.19.2 → 20; 1:22.1.0-1nodesource1 → 22.
major_version() {
  local version="${1#v}"
  version="${version#*:}"
  version="${version%%.*}"
  if [[ "$version" =~ ^[0-9]+$ ]]; then printf '%s\n' "$version"; fi
}

# How to get a Node.js the hub can run (20 or later), from the installed node's version (empty if none)
# and the version apt would install as `nodejs` (empty or "(none)" if none):
#   keep        the installed one is recent enough
#   debian      Debian's own nodejs is (trixie and later)
#   nodesource  neither is (bookworm ships 18): NodeSource's repository
node_plan() {
  local installed candidate
  installed="$(major_version "$1")"
  candidate="$(major_version "$2")"
  if [ -n "$installed" ] && [ "$installed" -ge 20 ]; then
    echo keep
  elif [ -n "$candidate" ] && [ "$candidate" -ge 20 ]; then
    echo debian
  else
    echo nodesource
  fi
}
