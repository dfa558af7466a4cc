#!/bin/sh
# The fuzz targets' seed corpus, made from segments roam-shm creates (and
# roam's own header fixtures), written to OUT/<target>/. Deterministic.
#
#   fuzz/seeds.sh CLI FIXTURES_DIR OUT
set -eu

cli=$1
fixtures=$2
out=$3

rm -rf "$out"
mkdir -p "$out/header" "$out/segment" "$out/frame" "$out/cli_args"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One segment: the whole file for "segment", its header for "header".
segment() {
    name=$1
    shift
    "$cli" create "$tmp/$name" "$@" >/dev/null
    cp "$tmp/$name" "$out/segment/$name"
    head -c 128 "$tmp/$name" >"$out/header/$name"
}

segment example --max-guests 3 --bipbuf-capacity 256 --max-payload-size 4096 \
    --size-class 512:3 --size-class 4096:1
segment smallest --max-guests 1 --bipbuf-capacity 64 --max-payload-size 32 \
    --size-class 64:1 --heartbeat-interval 0
segment classes --max-guests 2 --bipbuf-capacity 512 --max-payload-size 1024 \
    --inline-threshold 128 --heartbeat-interval 5000000 \
    --size-class 128:4 --size-class 256:2 --size-class 1024:1 --size-class 64:3
segment roam-a --max-guests 4 --bipbuf-capacity 1024 --max-payload-size 8192 \
    --heartbeat-interval 500000000 --size-class 256:16 --size-class 8192:4
cp "$fixtures"/*.bin "$out/header/"

# Frames: threshold, payload length, two slot sizes (u32 LE), then an entry.
prefix='\000\001\000\000\000\002\000\000\000\002\000\000\000\020\000\000'
printf "$prefix"'\020\000\000\000\000\000\000\000hello!!!' >"$out/frame/inline"
printf "$prefix"'\024\000\000\000\001\000\000\000\001\000\000\000\002\000\000\000\007\000\000\000' \
    >"$out/frame/slot-ref"
printf "$prefix"'\040\000\000\000\002\000\000\000\003\000\000\000\001\000\000\000\000\020\000\000\000\000\000\000\000\001\000\000\000\000\000\000' \
    >"$out/frame/mmap-ref"
printf '\377\377\377\377\000\000\001\000\001\000\000\000\377\377\377\377' >"$out/frame/extremes"

# Command lines, arguments separated by NUL bytes.
printf 'validate\000seg' >"$out/cli_args/validate"
printf 'validate\000--header-only\000--strict\000seg' >"$out/cli_args/validate-flags"
printf 'dump\000--json\000--partial\000--\000-seg' >"$out/cli_args/dump"
printf 'goodbye\000--help' >"$out/cli_args/goodbye-help"
printf -- '--version' >"$out/cli_args/version"
printf 'create\000seg\000--max-guests\0003\000--bipbuf-capacity=256\000--max-payload-size\0004096\000--size-class\000512:3\000--size-class\0004096:1\000--mode\0000640\000--force' \
    >"$out/cli_args/create"
printf 'create\000seg\000--max-guests\000256\000--bipbuf-capacity\000100\000--size-class\0000:0' \
    >"$out/cli_args/create-bad"
