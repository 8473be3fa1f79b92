#!/bin/sh
# Install the Debian packages the tests and benchmarks need: chromium (Playwright drives it; never a
# downloaded browser) and wrk (the web benchmark). Does nothing when both commands are there; runs
# `apt-get update` only when something is missing. Needs root (or an already complete system).
set -eu

missing=""
for package in chromium wrk; do
    if ! command -v "$package" >/dev/null 2>&1; then
        missing="$missing $package"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi

echo "installing Debian packages:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing$missing and there is no apt-get here; install them with your system's" \
        "package manager (Debian/Ubuntu: apt-get install chromium wrk)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing$missing; installing needs root: run" \
        "'apt-get install -y chromium wrk' as root, then try again" >&2
    exit 1
fi
# shellcheck disable=SC2086  # the package names are meant to split into words
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing; }; then
    echo "error: apt-get could not install$missing (no network or no package source?);" \
        "install them by hand, then try again" >&2
    exit 1
fi
for package in $missing; do
    if ! command -v "$package" >/dev/null 2>&1; then
        echo "error: apt-get finished but '$package' is still not on PATH" >&2
        exit 1
    fi
done
