#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium, for the HTML report's browser test
# (test/report/html-browser.test.ts drives it through playwright-core). Installs it with
# apt-get when missing; never downloads a browser build of its own (no `playwright install`).
# Prints nothing when chromium is already there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure-chromium: $CHROMIUM is missing and installing it needs root" >&2
    exit 1
  fi
fi

echo "ensure-chromium: installing Debian's chromium with apt-get (once per machine)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2

if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing" >&2
  exit 1
fi
