#!/usr/bin/env python3
"""Generate the roam v7 C header and reference doc from schema/*.yaml.

    gen.py [--schema DIR] [--out DIR] [--baseline FILE]
           [--check | --compat | --compat-baseline]

Checks the whole schema first; on any error prints `file:line: message`
lines on stderr, writes nothing and exits 1. With --check, renders in memory
and exits 1 if a file in the output dir differs from what the schema gives.

The reference doc lists the differences from the ABI baseline (default
SCHEMA/abi-baseline.json). --compat prints each of them, `file:line: class:
reason`, and exits 1 if one is breaking. --compat-baseline records the schema
as the new baseline; it refuses (exit 1) when a change is breaking and the
format version (SEGMENT_VERSION and the magic's last byte) was not bumped."""

import argparse
import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from roam_codegen import checks, compat, loader, model, render  # noqa: E402
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
    ap.add_argument("--baseline", help="ABI baseline (default: SCHEMA/"
                    f"{compat.BASELINE_NAME})")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="only compare the output directory with what the schema gives")
    mode.add_argument("--compat", action="store_true",
                      help="print every difference from the ABI baseline; exit 1 on a "
                      "breaking one")
    mode.add_argument("--compat-baseline", action="store_true",
                      help="record the schema as the ABI baseline (breaking changes "
                      "need a format version bump)")
    args = ap.parse_args(argv)

    try:
        schema = load_schema(args.schema)
    except ErrorList as e:
        print(e, file=sys.stderr)
        return 1
    label = os.path.basename(os.path.normpath(args.schema))
    sources = [f"{label}/{os.path.basename(p)}" for p in schema.files]
    baseline_path = args.baseline or os.path.join(args.schema, compat.BASELINE_NAME)
    baseline_label = (f"{label}/{compat.BASELINE_NAME}" if args.baseline is None
                      else args.baseline)
    current = compat.facts(schema, label)
    try:
        baseline = compat.load_baseline(baseline_path, baseline_label)
    except compat.BaselineError as e:
        print(e, file=sys.stderr)
        return 1

    if args.compat:
        return _compat(baseline, current, baseline_label)
    if args.compat_baseline:
        return _record_baseline(baseline, current, baseline_path, baseline_label)

    changes = None if baseline is None else compat.diff(baseline.facts, current)
    outputs = render.render(schema, sources, changes=changes,
                            baseline=baseline_label,
                            baseline_version=baseline and baseline.segment_version)
    if args.check:
        stale = render.differences(outputs, args.out)
        for rel in stale:
            print(f"{os.path.join(args.out, rel)}: differs from what {label}/ "
                  "generates (edited by hand, or not regenerated: run 'make regen')",
                  file=sys.stderr)
        return 1 if stale else 0
    render.write_all(outputs, args.out)
    return 0


def _compat(baseline, current, baseline_label):
    """Print every difference from the baseline; 1 if one is breaking."""
    if baseline is None:
        print(f"{baseline_label}: no ABI baseline to compare with; record one "
              "with 'make compat-baseline'", file=sys.stderr)
        return 1
    diffs = compat.diff(baseline.facts, current)
    for d in diffs:
        print(d)
    breaking = sum(d.breaking for d in diffs)
    counts = (f"{len(diffs)} difference(s): {breaking} breaking, "
              f"{len(diffs) - breaking} compatible" if diffs else "no difference")
    print(f"{counts} from {baseline_label} (SEGMENT_VERSION "
          f"{baseline.segment_version})", file=sys.stderr)
    if not breaking:
        return 0
    problem = compat.version_problem(baseline.facts, current)
    if problem is None:
        print("the format version was bumped: record the new ABI with "
              "'make compat-baseline'", file=sys.stderr)
    else:
        print(f"breaking changes need a new format version ({problem}): undo them, "
              "or bump SEGMENT_VERSION and the magic's last byte to the same new "
              "version and run 'make compat-baseline'", file=sys.stderr)
    return 1


def _record_baseline(baseline, current, path, baseline_label):
    """Write the schema's facts as the baseline, unless that would bless a
    breaking change without a consistent format version bump."""
    if baseline is not None:
        breaking = [d for d in compat.diff(baseline.facts, current) if d.breaking]
        problem = breaking and compat.version_problem(baseline.facts, current)
        if problem:
            for d in breaking:
                print(d, file=sys.stderr)
            print(f"{baseline_label}: not rewritten: {len(breaking)} breaking "
                  f"change(s) and {problem}; bump SEGMENT_VERSION and the magic's "
                  "last byte to the same new version first", file=sys.stderr)
            return 1
    text = compat.baseline_text(current)
    try:
        with open(path, encoding="utf-8", newline="") as f:
            unchanged = f.read() == text
    except OSError:
        unchanged = False
    if not unchanged:
        render.write_all({os.path.basename(path): text}, os.path.dirname(path) or ".")
    version = current.get("constant.SEGMENT_VERSION.value")
    print(f"{baseline_label}: {'unchanged' if unchanged else 'recorded'}, "
          f"{len(current)} facts, SEGMENT_VERSION "
          f"{version.value if version else 'unknown'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
