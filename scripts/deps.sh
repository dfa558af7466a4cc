#!/bin/sh
# Find or install what the build needs, then print it as make variables:
#   PYTHON      a python3 that imports jinja2, yaml and jsonschema
#   CHECK_CFLAGS / CHECK_LIBS   the Check unit-test library
# Missing Debian packages are installed when running as root; otherwise the
# script stops and prints the exact command to run.
set -eu

need_pkgs=""

find_python() {
    for py in ${PYTHON:-} python3 /usr/bin/python3; do
        # The interpreter itself, not a wrapper script in front of it (a
        # version manager's shim costs more than the generator's own run).
        if command -v "$py" >/dev/null 2>&1 &&
           "$py" -c 'import jinja2, yaml, jsonschema' >/dev/null 2>&1; then
            "$py" -c 'import sys; print(sys.executable)'
            return 0
        fi
    done
    return 1
}

have_check() {
    command -v pkg-config >/dev/null 2>&1 && pkg-config --exists check
}

PY=$(find_python) || need_pkgs="$need_pkgs python3 python3-jinja2 python3-yaml python3-jsonschema"
have_check || need_pkgs="$need_pkgs check pkg-config"

if [ -n "$need_pkgs" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing build dependencies; run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y$need_pkgs" >&2
        exit 1
    fi
    echo "installing build dependencies:$need_pkgs" >&2
    export DEBIAN_FRONTEND=noninteractive
    # A mirror in the middle of a sync fails the update of some lists; the
    # install below still works from the others.
    apt-get update -qq >&2 || echo "apt-get update reported errors; installing anyway" >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq $need_pkgs >&2
    PY=$(find_python) || { echo "python3 still cannot import jinja2, yaml and jsonschema" >&2; exit 1; }
    have_check || { echo "the Check library is still missing" >&2; exit 1; }
fi

echo "PYTHON := $PY"
echo "CHECK_CFLAGS := $(pkg-config --cflags check)"
echo "CHECK_LIBS := $(pkg-config --libs check)"
