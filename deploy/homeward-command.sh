#!/bin/bash
# /usr/local/bin/homeward, installed by Homeward's deploy/install.sh (the installed layout): runs the
# installed release's `homeward` command as the service's user with the service's settings, so
# `sudo homeward doctor` sees what the running hub sees, and `sudo homeward backup FILE` never leaves
# files in /var/lib/homeward that the hub cannot read. install.sh puts this machine's node in NODE.
set -euo pipefail

NODE=/usr/bin/node
CLI=/opt/homeward/current/dist/src/cli.js
ENV_FILE=/etc/homeward/homeward.env
HUB_USER=homeward

if [ ! -f "$CLI" ]; then
  echo "homeward: the hub is not installed ($CLI is missing); install it with deploy/install.sh" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != "$HUB_USER" ]; then
  echo "homeward: run it with sudo (sudo homeward ${1:-doctor}): it reads $ENV_FILE and runs as the $HUB_USER user" >&2
  exit 1
fi

# The service's settings, read as systemd reads an EnvironmentFile: KEY=VALUE lines, # and ; comments,
# optional quotes around the value. A variable given on the command line wins
# (sudo HOMEWARD_LOG_LEVEL=debug homeward …), as it would for `npm run homeward`.
if [ -r "$ENV_FILE" ]; then
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    case "$line" in '' | '#'* | ';'*) continue ;; esac
    key="${line%%=*}"
    value="${line#*=}"
    key="${key%"${key##*[![:space:]]}"}"
    [[ "$key" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value%"${value##*[![:space:]]}"}"
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    if [ -z "${!key+set}" ]; then export "$key=$value"; fi
  done <"$ENV_FILE"
fi

if [ "$(id -u)" -eq 0 ]; then
  exec runuser -u "$HUB_USER" -- "$NODE" "$CLI" "$@"
fi
exec "$NODE" "$CLI" "$@"
