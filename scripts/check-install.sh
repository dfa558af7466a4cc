#!/bin/sh
# Use a staged install (make install DESTDIR=STAGE PREFIX=PREFIX) as a user
# would, through pkg-config only.
#
#   check-install.sh STAGE PREFIX WORKDIR CLI_OBJECT...    (CC, CXX, PKG_CONFIG)
#
# The README's two consumer commands build and run the example (shared and
# static), the C++ consumer reads a segment made by the installed CLI, the
# shared library exports exactly the public API, the CLI uses nothing else,
# and the man page carries the CLI's --help text.
set -eu

stage=$1 prefix=$2 work=$3
shift 3
CC=${CC:-cc}
CXX=${CXX:-c++}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
root=$(cd "$(dirname "$0")/.." && pwd)
libdir=$stage$prefix/lib
cli=$stage$prefix/bin/roam-shm

fail() { echo "check-install: $*" >&2; exit 1; }
step() { echo "-- $*"; }

rm -rf "$work" && mkdir -p "$work"
# Only the staged roam-shm.pc, its paths rooted in the stage.
export PKG_CONFIG_LIBDIR="$libdir/pkgconfig"
export PKG_CONFIG_SYSROOT_DIR="$stage"
pc() { $PKG_CONFIG "$@" roam-shm; }

# ---- Version: pkg-config, the CLI and the library agree -------------------
version=$(pc --modversion)
[ "$("$cli" --version)" = "roam-shm $version" ] ||
    fail "roam-shm --version says '$("$cli" --version)', pkg-config says $version"
step "roam-shm --version: roam-shm $version (exit 0)"
soname=$(readelf -d "$libdir/libroam_shm.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libroam_shm.so.${version%%.*}" ] && [ -f "$libdir/libroam_shm.so.$version" ] &&
    [ "$(readlink "$libdir/$soname")" = "libroam_shm.so.$version" ] ||
    fail "shared library: soname '$soname', expected libroam_shm.so.${version%%.*} -> libroam_shm.so.$version"
step "shared library libroam_shm.so.$version, soname $soname"

# ---- The example, shared and static ----------------------------------------
# shellcheck disable=SC2046
$CC -Wall -Wextra -Werror "$root/examples/host_guest.c" $(pc --cflags --libs) \
    -o "$work/host_guest_shared"
readelf -d "$work/host_guest_shared" | grep -q "NEEDED.*\[libroam_shm\.so\.[0-9]*\]" ||
    fail "the shared build does not need libroam_shm.so"
LD_LIBRARY_PATH="$libdir" ldd "$work/host_guest_shared" | grep -q "libroam_shm.so.* => $libdir/" ||
    fail "the shared build does not load the staged libroam_shm.so"
LD_LIBRARY_PATH="$libdir" "$work/host_guest_shared" > "$work/shared.out"
step "cc host_guest.c \$(pkg-config --cflags --libs roam-shm): built, linked to $(basename "$(readlink -f "$libdir/libroam_shm.so")"), ran"

# shellcheck disable=SC2046
$CC -static -Wall -Wextra -Werror "$root/examples/host_guest.c" $(pc --cflags --libs --static) \
    -o "$work/host_guest_static"
if readelf -d "$work/host_guest_static" | grep -q NEEDED; then
    fail "the static build still needs shared libraries"
fi
"$work/host_guest_static" > "$work/static.out"
step "cc -static host_guest.c \$(pkg-config --cflags --libs --static roam-shm): built, no shared library, ran"

# ---- Exports: exactly the public API; the CLI uses nothing else ------------
CC=$CC CXX=$CXX "$root/scripts/check-exports.sh" "$libdir/libroam_shm.so" \
    "$stage$prefix"/include/roam_*.h
nm -D --defined-only "$libdir/libroam_shm.so" | awk '{ print $3 }' | sort -u > "$work/exported"
nm -u "$@" | awk '$2 ~ /^roam_/ { print $2 }' | sort -u > "$work/cli_uses"
if comm -23 "$work/cli_uses" "$work/exported" | grep . > "$work/cli_private"; then
    fail "the CLI calls library symbols users cannot: $(tr '\n' ' ' < "$work/cli_private")"
fi
step "the CLI calls $(wc -l < "$work/cli_uses") library functions, all exported"

# ---- C++ consumers: read a segment the C CLI made ------------------------------
seg=$work/seg
"$cli" create "$seg" --max-guests 3 --bipbuf-capacity 256 --max-payload-size 4096 \
    --heartbeat-interval 5000000 --size-class 512:3 --size-class 4096:1 > /dev/null
cxx_ran=""
for cxx in g++ clang++; do
    command -v "$cxx" > /dev/null 2>&1 || { step "$cxx not installed: skipped"; continue; }
    for std in c++17 c++20 c++2b; do
        # shellcheck disable=SC2046
        "$cxx" -std=$std -Wall -Wextra -Wpedantic -Werror -fsyntax-only \
            "$root/tests/cxx/segment_reader.cpp" $(pc --cflags) ||
            fail "$cxx -std=$std cannot compile against the installed headers"
    done
    # shellcheck disable=SC2046
    "$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror "$root/tests/cxx/segment_reader.cpp" \
        $(pc --cflags --libs) -o "$work/reader_$cxx"
    "$cli" dump "$seg" > "$work/dump"
    LD_LIBRARY_PATH="$libdir" "$work/reader_$cxx" "$seg" > "$work/read_$cxx"
    lines=$(wc -l < "$work/read_$cxx")
    # Header (15 lines) + 3 peers x 4 + 2 classes x 3.
    [ "$lines" -eq 33 ] || fail "$cxx reader printed $lines lines, expected 33"
    grep -vxF -f "$work/dump" "$work/read_$cxx" > "$work/differ" &&
        fail "$cxx reader sees values the CLI does not: $(head -3 "$work/differ")"
    cxx_ran="${cxx_ran:+$cxx_ran }$cxx"
done
[ -n "$cxx_ran" ] || fail "no C++ compiler"
# One C++ write, seen by the C tool.
LD_LIBRARY_PATH="$libdir" "$work/reader_${cxx_ran%% *}" "$seg" reserve 1 > /dev/null
"$cli" dump "$seg" > "$work/dump"
grep -qx "peers.1.state=reserved" "$work/dump" && grep -qx "peers.1.epoch=1" "$work/dump" ||
    fail "the C tool does not see the C++ reservation of entry 1"
"$cli" validate "$seg" > /dev/null
step "C++17/20/23 ($cxx_ran): headers clean with -Wall -Wextra -Wpedantic -Werror; 33 values read from a CLI-made segment match roam-shm dump; a C++ reserve is seen by the CLI"

# ---- Man page: the CLI's --help, in roff ----------------------------------------
man=$stage$prefix/share/man/man1/roam-shm.1
groff -man -Tutf8 -ww -z "$man" 2> "$work/groff.err"
[ ! -s "$work/groff.err" ] || fail "groff warns about roam-shm.1: $(head -3 "$work/groff.err")"
groff -man -Tascii -rLL=200n -P-c -P-b -P-u "$man" 2> /dev/null | tr -s ' \n' '  ' > "$work/man.txt"
{
    "$cli" --help
    for cmd in $("$cli" --help | sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p'); do
        echo; "$cli" "$cmd" --help
    done
} > "$work/help.txt"
blocks=0
# Each blank-line separated block of help text, whitespace collapsed, must
# be in the rendered page (usage lines without their "usage: ").
awk -v RS= '{ gsub(/usage: /, ""); gsub(/[ \n]+/, " "); print }' "$work/help.txt" |
while IFS= read -r block; do
    grep -qF -- "$block" "$work/man.txt" || fail "roam-shm.1 lacks this --help text: $block"
done
blocks=$(awk -v RS= 'END { print NR }' "$work/help.txt")
step "roam-shm.1: groff-clean, carries all $blocks blocks of the CLI's --help text"
