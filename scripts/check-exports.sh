#!/bin/sh
# The shared library exports exactly the functions its public headers declare.
#
#   check-exports.sh LIB.so HEADER...    (CC, CXX, NM, CFLAGS from the environment)
#
# 1. no internal roam__ symbol is exported;
# 2. every exported symbol is declared by the headers: a C file that takes
#    the address of each one compiles against them alone;
# 3. every function the headers declare (gcc -aux-info lists them) is
#    exported: none was left hidden;
# 4. the headers compile as C++17 (extern "C", the atomic layout asserts),
#    warnings as errors.
set -eu

CC=${CC:-cc}
CXX=${CXX:-c++}
CFLAGS=${CFLAGS:-}
NM=${NM:-nm}
lib=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "check-exports: $lib: $*" >&2; exit 1; }

# Every public header, by its own directory, in one translation unit.
incs=""
for h in "$@"; do
    echo "#include \"$(basename "$h")\"" >> "$work/all.h"
    case " $incs " in *" -I$(dirname "$h") "*) ;; *) incs="$incs -I$(dirname "$h")" ;; esac
done

# Defined dynamic symbols (version-node entries, type A, are not symbols).
"$NM" -D --defined-only "$lib" | awk '$2 != "A" { print $3 }' | sort -u > "$work/exported"
[ -s "$work/exported" ] || fail "exports nothing"

# 1. Internal names.
if grep '^roam__' "$work/exported" > "$work/internal"; then
    fail "exports internal symbols: $(tr '\n' ' ' < "$work/internal")"
fi

# 2. Each exported symbol is declared by a public header.
{
    cat "$work/all.h"
    echo "void roam_check_exports(void);"
    echo "void roam_check_exports(void) {"
    sed 's/.*/    (void)\&&;/' "$work/exported"
    echo "}"
} > "$work/exported.c"
# shellcheck disable=SC2086
"$CC" -std=c11 -Wall -Wextra -Werror $CFLAGS $incs -c "$work/exported.c" -o "$work/exported.o" ||
    fail "exports symbols that no public header declares (see the errors above)"

# 3. Each function a public header declares (not static inline) is exported.
# -aux-info is gcc's: with another CC, the host's gcc lists the prototypes.
for aux_cc in "$CC" gcc; do
    # shellcheck disable=SC2086
    "$aux_cc" -std=c11 $CFLAGS $incs -fsyntax-only -aux-info "$work/aux" -x c "$work/all.h" \
        2> /dev/null && [ -s "$work/aux" ] && break
done
[ -s "$work/aux" ] || fail "needs gcc (-aux-info) to list the declared functions"
for h in "$@"; do
    grep -E "^/\* ([^ ]*/)?$(basename "$h"):[0-9]+:" "$work/aux" || true
done | grep -v ' static ' |
    sed -n 's/^.*[ *]\([A-Za-z_][A-Za-z0-9_]*\) (.*$/\1/p' | sort -u > "$work/declared"
[ -s "$work/declared" ] || fail "found no declared function in the headers"
if comm -23 "$work/declared" "$work/exported" | grep . > "$work/hidden"; then
    fail "declared in a public header but not exported: $(tr '\n' ' ' < "$work/hidden")"
fi

# 4. The headers from C++.
# shellcheck disable=SC2086
"$CXX" -std=c++17 -Wall -Wextra -Wpedantic -Werror $incs -fsyntax-only -x c++ "$work/all.h" ||
    fail "the public headers do not compile as C++17"

echo "exports: $(wc -l < "$work/exported") symbols, each declared in a public header, no roam__; headers compile as C++17 ($CXX)"
