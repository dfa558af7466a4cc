#!/usr/bin/env python3
"""Generate the roam v7 C header and reference doc from schema/*.yaml.

    gen.py [--schema DIR] [--out DIR] [--readme FILE] [--headers GLOB]...
           [--cache DIR] [--check]

Checks the whole schema first; on any error prints `file:line: message`
lines on stderr, writes nothing and exits 1. Otherwise writes the outputs
whose bytes change (and the generated blocks of --readme), nothing else.
With --check, renders in memory and exits 1 if a file in the output dir or
a block of the README differs from what the schema gives.

--headers names the hand-written library's headers: a schema whose
generated C names collide with a name they declare is rejected. --cache
keeps compiled templates and which exact files passed the structural check,
so that an unchanged schema regenerates fast."""

import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from roam_codegen import checks, language, library, loader, model, names, render  # noqa: E402
from roam_codegen.errors import Collector, ErrorList, SchemaError, one_line  # noqa: E402

CODEGEN = os.path.dirname(os.path.abspath(__file__))


def load_schema(schema_dir, headers=(), cache=None):
    """Load and check every schema file; raise ErrorList.

    Each file is parsed and checked against the schema language first;
    the model is built only from files that pass, and the semantic checks
    (and the collision check against `headers`) run only on a whole,
    structurally valid schema."""
    files = sorted(glob.glob(os.path.join(glob.escape(schema_dir), "*.yaml")))
    if not files:
        raise ErrorList([SchemaError(schema_dir, 0, "no *.yaml schema files here")])
    errs = Collector()
    trees = []
    for path in files:
        try:
            data = loader.read(path)
            tree = loader.parse(path, data)
        except SchemaError as e:
            errs.errors.append(e)
            continue
        if language.validate(errs, path, tree, data, cache):
            trees.append((path, tree))
    errs.raise_if_any()
    schema = model.build(errs, trees)
    errs.raise_if_any()
    checks.check(errs, schema)
    errs.raise_if_any()
    library.check(errs, schema, names, headers)
    errs.raise_if_any()
    return schema


def header_paths(patterns):
    return sorted({p for pat in patterns for p in glob.glob(pat)})


def readme_update(path, schema):
    """(new text, stale blocks) of the README; raise ErrorList on bad markers."""
    from roam_codegen import readme

    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as e:
        raise ErrorList([SchemaError(path, 0, f"cannot read: {e.strerror}")]) from None
    except UnicodeDecodeError:
        raise ErrorList([SchemaError(path, 0, "not UTF-8")]) from None
    new, stale, errors = readme.update(path, text, schema)
    if errors:
        raise ErrorList(errors)
    return new, stale


def run(args):
    cache = None if args.cache is None else os.path.abspath(args.cache)
    try:
        schema = load_schema(args.schema, header_paths(args.headers), cache)
        readme = readme_update(args.readme, schema) if args.readme else None
    except ErrorList as e:
        print(e, file=sys.stderr)
        return 1
    label = os.path.basename(os.path.normpath(args.schema))
    sources = [f"{label}/{os.path.basename(p)}" for p in schema.files]
    outputs = render.render(schema, sources, cache)

    if args.check:
        stale = render.differences(outputs, args.out)
        for rel in stale:
            print(f"{os.path.join(args.out, rel)}: differs from what {label}/ "
                  "generates (edited by hand, or not regenerated: run 'make regen')",
                  file=sys.stderr)
        for name, line in (readme[1] if readme else []):
            print(f"{args.readme}:{line}: generated block '{name}' differs from what "
                  "the generator gives (edited by hand, or not regenerated: run "
                  "'make regen')", file=sys.stderr)
        return 1 if stale or (readme and readme[1]) else 0
    files = {os.path.join(args.out, rel): text for rel, text in outputs.items()}
    if readme:
        files[args.readme] = readme[0]
    render.write_all(files)
    return 0


def internal_error(exc):
    """`file:line: internal error: ...` for an exception the generator did not
    expect, at the innermost line of its own code that was running."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if os.path.abspath(f.filename).startswith(CODEGEN + os.sep)]
    where = (ours or frames or [None])[-1]
    loc = "codegen/gen.py:0"
    if where is not None:
        loc = f"{os.path.relpath(where.filename, os.path.dirname(CODEGEN))}:{where.lineno}"
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    detail = f": {text}" if text else ""
    return (f"{loc}: internal error: {type(exc).__name__}{detail} "
            "(a fault of the generator, not of the schema; nothing was written)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--schema", default="schema", help="schema directory (default: schema)")
    ap.add_argument("--out", default="generated", help="output directory (default: generated)")
    ap.add_argument("--readme", help="a README whose generated blocks to keep up to date")
    ap.add_argument("--headers", action="extend", nargs="+", default=[], metavar="GLOB",
                    help="headers (or globs of them) of the hand-written library")
    ap.add_argument("--cache", metavar="DIR",
                    help="directory for compiled templates and checked-file digests")
    ap.add_argument("--check", action="store_true",
                    help="only compare the outputs with what the schema gives")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except Exception as exc:        # anything unforeseen: one line, never a traceback
        print(one_line(internal_error(exc)), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
