#!/usr/bin/env bash
# Installs the Chromium the browser benchmark (kernel-lib/bench/browser/run.mjs) drives: Debian's package,
# at /usr/bin/chromium. Idempotent: does nothing when it is already there. Never downloads a browser any
# other way (playwright-core is only the driver, pointed at this executable).
#
#   scripts/install-browser.sh          # as root, or as a user with sudo
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  echo "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: $CHROMIUM is missing and apt-get is not available; install Chromium with your package manager" >&2
  exit 1
fi

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "error: installing chromium needs root (or sudo)" >&2
    exit 1
  fi
  SUDO=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update
"${SUDO[@]}" apt-get install -y chromium

if [[ ! -x "$CHROMIUM" ]]; then
  echo "error: apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "chromium installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
