#!/bin/sh
# Find or install the Debian packages one kind of target needs:
#
#   deps.sh build   building: python3 with Jinja2, PyYAML and jsonschema (the
#                   generator)
#   deps.sh test    testing: build + Check, pkg-config, g++, groff
#   deps.sh abi     check-abi: test + cross compilers for i386, armhf and
#                   arm64, qemu-user, and Check for each of those architectures
#
# Nothing missing: silent, exit 0. Something missing: as root (and without
# NO_INSTALL=1) it is installed with apt-get; otherwise the exact commands
# are printed and the script exits 1.
set -eu

mode=${1:-}
py=${PYTHON:-python3}
pkgs=""
archs=""

need() { pkgs="$pkgs $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

check_build() {
    have "$py" && "$py" -c 'import jinja2, yaml, jsonschema' >/dev/null 2>&1 ||
        need python3 python3-jinja2 python3-yaml python3-jsonschema
}

check_test() {
    check_build
    { have pkg-config && pkg-config --exists check; } || need check pkg-config
    have g++ || need g++
    have groff || need groff-base
}

# Debian architecture : cross compiler triplet : multiarch directory : qemu-user name
ABI_LIST="i386:i686-linux-gnu:i386-linux-gnu:i386
arm64:aarch64-linux-gnu:aarch64-linux-gnu:aarch64
armhf:arm-linux-gnueabihf:arm-linux-gnueabihf:arm"

check_abi() {
    check_test
    for entry in $ABI_LIST; do
        old_ifs=$IFS; IFS=:
        # shellcheck disable=SC2086
        set -- $entry
        IFS=$old_ifs
        arch=$1 triplet=$2 multiarch=$3 qemu=$4
        case $arch in
            i386) have "$triplet-gcc" && have "$triplet-g++" || need crossbuild-essential-i386 ;;
            armhf) have "$triplet-gcc" && have "$triplet-g++" || need crossbuild-essential-armhf ;;
            arm64) have "$triplet-gcc" || need gcc-aarch64-linux-gnu
                   have "$triplet-g++" || need g++-aarch64-linux-gnu ;;
        esac
        have "qemu-$qemu" || have "qemu-$qemu-static" || need qemu-user
        # Check for the target: its multiarch package (static library + .pc).
        if [ ! -f "/usr/lib/$multiarch/pkgconfig/check.pc" ]; then
            need "check:$arch"
            dpkg --print-foreign-architectures | grep -qx "$arch" || archs="$archs $arch"
        fi
    done
}

case $mode in
    build) check_build ;;
    test) check_test ;;
    abi) check_abi ;;
    *) echo "usage: $0 build|test|abi" >&2; exit 2 ;;
esac

# Each package once, in the order first asked for.
pkgs=$(printf '%s\n' $pkgs | awk 'NF && !seen[$0]++' | tr '\n' ' ')
pkgs=${pkgs% }
[ -z "$pkgs" ] && exit 0

case $mode in
    build) what="building roam-shm" ;;
    test) what="testing roam-shm" ;;
    abi) what="make check-abi" ;;
esac
if [ "$(id -u)" -ne 0 ] || [ "${NO_INSTALL:-}" = 1 ]; then
    echo "$what needs Debian packages that are missing; run:" >&2
    for arch in $archs; do
        echo "  sudo dpkg --add-architecture $arch" >&2
    done
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends $pkgs" >&2
    exit 1
fi

echo "$what needs Debian packages that are missing; installing: $pkgs" >&2
for arch in $archs; do
    dpkg --add-architecture "$arch"
done
export DEBIAN_FRONTEND=noninteractive
# A mirror that is mid-sync fails one index now and then; the install below
# says whether what it needs was there.
apt-get update -qq >&2 || { sleep 10; apt-get update -qq >&2; } ||
    echo "apt-get update reported errors twice; trying the install" >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >&2

# What was missing must be there now.
pkgs=""
case $mode in
    build) check_build ;;
    test) check_test ;;
    abi) check_abi ;;
esac
if [ -n "$pkgs" ]; then
    echo "roam-shm: still missing after the install:$pkgs" >&2
    exit 1
fi
