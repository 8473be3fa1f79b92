#!/bin/sh
# Install the Debian packages the tests and benchmarks need: chromium (Playwright drives it; never a
# downloaded browser), wrk (the web benchmark), a Java runtime (Spark in local mode), and what the
# media kit's PDF needs: Pango (WeasyPrint lays text out with it), the DejaVu and Noto Color Emoji
# fonts, and poppler-utils (pdftotext and pdftoppm, which read the PDF back in tests). Does nothing
# when all of it is there; runs `apt-get update` only when something is missing.
# Needs root (or an already complete system).
# With the argument `pdf`, only what PDFs need (Pango and the fonts): what `make demo` asks for,
# so that `tikscope report media-kit` and scheduled reports work after it.
set -eu

# command:package pairs; `java` (Spark's runtime, 17 or later) comes from default-jre-headless.
commands="chromium:chromium wrk:wrk java:default-jre-headless pdftotext:poppler-utils"
if [ "${1:-}" = "pdf" ]; then
    commands=""
fi
missing=""
for pair in $commands; do
    if ! command -v "${pair%%:*}" >/dev/null 2>&1; then
        missing="$missing ${pair#*:}"
    fi
done
# Libraries and fonts have no command: dpkg says whether they are installed.
for package in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-noto-color-emoji; do
    if command -v dpkg-query >/dev/null 2>&1 &&
        ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $package"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi

echo "installing Debian packages:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: missing$missing and there is no apt-get here; install them with your system's" \
        "package manager (Debian/Ubuntu: apt-get install$missing)" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing$missing; installing needs root: run" \
        "'apt-get install -y$missing' as root, then try again" >&2
    exit 1
fi
# shellcheck disable=SC2086  # the package names are meant to split into words
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing; }; then
    echo "error: apt-get could not install$missing (no network or no package source?);" \
        "install them by hand, then try again" >&2
    exit 1
fi
for pair in $commands; do
    command="${pair%%:*}"
    if ! command -v "$command" >/dev/null 2>&1; then
        echo "error: apt-get finished but '$command' is still not on PATH" >&2
        exit 1
    fi
done
