#!/usr/bin/env python3
"""Generate the roam v7 C header and reference doc from schema/*.yaml.

    gen.py [--schema DIR] [--out DIR] [--check]

Checks the whole schema first; on any error prints `file:line: message`
lines on stderr, writes nothing and exits 1. With --check, renders in memory
and exits 1 if a file in the output dir differs from what the schema gives."""

import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from roam_codegen import checks, loader, model, render  # noqa: E402
from roam_codegen.errors import Collector, ErrorList, SchemaError  # noqa: E402


def load_schema(schema_dir):
    """Load, shape-check and check every schema file; raise ErrorList."""
    files = sorted(glob.glob(os.path.join(schema_dir, "*.yaml")))
    if not files:
        raise ErrorList([SchemaError(schema_dir, 0, "no *.yaml schema files here")])
    errs = Collector()
    trees = []
    for path in files:
        try:
            trees.append((path, loader.load(path)))
        except SchemaError as e:
            errs.errors.append(e)
    # Shape errors of the files that did parse are reported with the others.
    schema = model.build(errs, trees)
    errs.raise_if_any()
    checks.check(errs, schema)
    errs.raise_if_any()
    return schema


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", default="schema", help="schema directory (default: schema)")
    ap.add_argument("--out", default="generated", help="output directory (default: generated)")
    ap.add_argument("--check", action="store_true",
                    help="only compare the output directory with what the schema gives")
    args = ap.parse_args(argv)

    try:
        schema = load_schema(args.schema)
    except ErrorList as e:
        print(e, file=sys.stderr)
        return 1
    label = os.path.basename(os.path.normpath(args.schema))
    sources = [f"{label}/{os.path.basename(p)}" for p in schema.files]
    outputs = render.render(schema, sources)

    if args.check:
        stale = render.differences(outputs, args.out)
        for rel in stale:
            print(f"{os.path.join(args.out, rel)}: differs from what {label}/ "
                  "generates (edited by hand, or not regenerated: run 'make regen')",
                  file=sys.stderr)
        return 1 if stale else 0
    render.write_all(outputs, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
