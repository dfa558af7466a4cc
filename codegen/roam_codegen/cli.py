"""Generate the roam v7 C header and reference doc from schema/*.yaml.

    gen.py [--schema DIR] [--out DIR] [--readme FILE] [--headers GLOB...]
           [--cache DIR] [--baseline FILE] [--check | --compat | --compat-baseline]

--schema (default schema) holds the *.yaml files, --out (default generated)
receives the header and the doc.

Checks the whole schema first; on any error prints `file:line: message`
lines on stderr, writes nothing and exits 1. Otherwise writes the outputs
whose bytes change (and the generated blocks of --readme), nothing else.
With --check, renders in memory and exits 1 if a file in the output dir or
a block of the README differs from what the schema gives.

--headers names the hand-written library's headers: a schema whose
generated C names collide with a name they declare is rejected. --cache
keeps, by the digest of what they depend on, the compiled templates, the
checked tree of each file whose exact bytes passed before and the names the
headers declare, so that an unchanged schema regenerates fast.

The reference doc lists the differences from the ABI baseline (default
SCHEMA/abi-baseline.json). --compat prints each of them, `file:line: class:
reason`, and exits 1 if one is breaking. --compat-baseline records the schema
as the new baseline; it refuses (exit 1) when a change is breaking and the
format version (SEGMENT_VERSION and the magic's last byte) was not bumped."""

import glob
import os
import sys

from .cache import Cache, digest
from .errors import Collector, ErrorList, SchemaError, one_line

# The rest of the generator (PyYAML, Jinja2, the model, the checks) is
# imported by the functions that use it: a run whose inputs and outputs
# are all as a previous run left them needs none of it (see `_memo`).

CODEGEN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_schema(schema_dir, headers=(), cache=None):
    """Load and check every schema file; raise ErrorList.

    Each file is parsed and checked against the schema language first;
    the model is built only from files that pass, and the semantic checks
    (and the collision check against `headers`) run only on a whole,
    structurally valid schema."""
    from . import checks, library, model, names

    files = sorted(glob.glob(os.path.join(glob.escape(schema_dir), "*.yaml")))
    if not files:
        raise ErrorList([SchemaError(schema_dir, 0, "no *.yaml schema files here")])
    errs = Collector()
    trees = []
    for path in files:
        try:
            tree = _tree(errs, path, cache)
        except SchemaError as e:
            errs.errors.append(e)
            continue
        if tree is not None:
            trees.append((path, tree))
    errs.raise_if_any()
    schema = model.build(errs, trees)
    errs.raise_if_any()
    checks.check(errs, schema)
    errs.raise_if_any()
    library.check(errs, schema, names, headers, cache)
    errs.raise_if_any()
    return schema


def _tree(errs, path, cache):
    """The checked tree of one file, or None when it has structural faults
    (reported to errs). A file whose exact bytes passed before comes from
    the cache, neither parsed nor checked again."""
    from . import language, source

    data = source.read(path)
    key = digest(language.judges(), data) if cache else None
    tree = cache.get("trees", key) if cache else None
    if tree is not None:
        return tree
    from . import loader    # PyYAML: only for a file not seen before

    tree = loader.parse(path, data)
    if not language.validate(errs, path, tree):
        return None
    if cache:
        cache.put("trees", key, tree)
    return tree


def readme_update(path, schema, cache=None):
    """(new text, stale blocks) of the README; raise ErrorList on bad markers."""
    from . import readme

    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as e:
        raise ErrorList([SchemaError(path, 0, f"cannot read: {e.strerror}")]) from None
    except UnicodeDecodeError:
        raise ErrorList([SchemaError(path, 0, "not UTF-8")]) from None
    new, stale, errors = readme.update(path, text, schema, cache)
    if errors:
        raise ErrorList(errors)
    return new, stale


def header_paths(patterns):
    """The files the --headers globs name; each glob must name one."""
    paths, errors = set(), []
    for pat in patterns:
        found = glob.glob(pat)
        if not found:
            errors.append(SchemaError(pat, 0, "--headers: no such file"))
        paths.update(found)
    if errors:
        raise ErrorList(errors)
    return sorted(paths)


def run(args):
    cache = None if args.cache is None else Cache(os.path.abspath(args.cache))
    memo = _memo(args, cache)
    if memo is not None and memo.done():
        return 0
    from . import compat, render

    try:
        schema = load_schema(args.schema, header_paths(args.headers), cache)
        readme = readme_update(args.readme, schema, cache) if args.readme else None
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
        baseline = compat.load_baseline(baseline_path, baseline_label, cache)
    except compat.BaselineError as e:
        print(e, file=sys.stderr)
        return 1

    if args.compat:
        return _compat(baseline, current, baseline_label)
    if args.compat_baseline:
        return _record_baseline(baseline, current, baseline_path, baseline_label)

    changes = None if baseline is None else compat.changes(baseline, current)
    outputs = render.render(schema, sources, cache and os.path.join(cache.root, "templates"),
                            changes=changes, baseline=baseline_label,
                            baseline_version=baseline and baseline.segment_version)
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
        if stale or (readme and readme[1]):
            return 1
    files = {os.path.join(args.out, rel): text for rel, text in outputs.items()}
    if readme:
        files[args.readme] = readme[0]
    if not args.check:
        render.write_all(files)
    if memo is not None:
        memo.remember(files)
    return 0


def _compat(baseline, current, baseline_label):
    """Print every difference from the baseline; 1 if one is breaking."""
    from . import compat

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
    from . import compat, render

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
        render.write_all({path: text})
    version = current.get("constant.SEGMENT_VERSION.value")
    print(f"{baseline_label}: {'unchanged' if unchanged else 'recorded'}, "
          f"{len(current)} facts, SEGMENT_VERSION "
          f"{version.value if version else 'unknown'}", file=sys.stderr)
    return 0


# ---- A run that has nothing to do ----------------------------------------

# What the generator is made of, relative to codegen/: its output depends
# on these as on its inputs.
_OWN_FILES = ("*.py", "*.json", "*.txt", "roam_codegen/*.py", "templates/*")


class _Memo:
    """The outputs of an earlier successful run with the same inputs.

    A run is a function of the bytes it reads: the schema directory, the
    README, the library headers, the generator's own code, templates and
    data, and the Python and libraries that run it. When all of them are
    what an earlier run read, and every file it wrote still holds what it
    wrote, the outputs are known and on disk: there is nothing to parse,
    check, render or write (and with --check, nothing can differ)."""

    def __init__(self, cache, key):
        self.cache, self.key = cache, key

    def done(self):
        outputs = self._outputs()
        if not outputs:
            return False
        for path, want in outputs.items():
            try:
                with open(path, "rb") as f:
                    if digest(f.read()) != want:
                        return False
            except OSError:
                return False
        return True

    # The record: "digest NUL path NUL" for each output (no path holds a NUL),
    # read without importing pickle.

    def _outputs(self):
        data = self.cache.get_bytes("runs", self.key)
        parts = data.split(b"\0") if data else []
        if not parts or parts.pop() != b"" or len(parts) % 2:
            return None
        try:
            return {os.fsdecode(path): want.decode("ascii")
                    for want, path in zip(parts[::2], parts[1::2])}
        except UnicodeDecodeError:
            return None

    def remember(self, files):
        self.cache.put_bytes("runs", self.key, b"".join(
            digest(text.encode("utf-8")).encode("ascii") + b"\0" + os.fsencode(path) + b"\0"
            for path, text in files.items()))


def _memo(args, cache):
    """The memo of this run, or None when it cannot have one."""
    if cache is None or args.compat or args.compat_baseline:
        return None
    try:
        headers = header_paths(args.headers)
    except ErrorList:
        return None         # the run reports it
    parts = [repr((args.schema, args.out, args.readme, args.baseline, args.headers)).encode(),
             sys.version.encode()]
    import importlib.util
    for lib in ("jinja2", "markupsafe", "yaml", "jsonschema"):
        spec = importlib.util.find_spec(lib)
        origin = spec.origin if spec and spec.origin else ""
        stamp = os.stat(origin) if origin else None
        parts.append(f"{origin}:{stamp and stamp.st_size}:{stamp and stamp.st_mtime_ns}"
                     .encode())
    paths = sorted(p for p in glob.glob(os.path.join(glob.escape(args.schema), "*"))
                   if os.path.isfile(p))
    paths += [p for p in (args.baseline, args.readme) if p]
    paths += headers
    paths += sorted(p for pat in _OWN_FILES
                    for p in glob.glob(os.path.join(glob.escape(CODEGEN), pat)))
    for path in paths:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            data = None
        parts += [path.encode(), b"\0" if data is None else b"\1" + data]
    return _Memo(cache, digest(*parts))


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


USAGE = ("usage: gen.py [--schema DIR] [--out DIR] [--readme FILE] [--headers GLOB...] "
         "[--cache DIR] [--baseline FILE] [--check | --compat | --compat-baseline]")
_VALUED = {"--schema": "schema", "--out": "out", "--readme": "readme", "--cache": "cache",
           "--baseline": "baseline"}
_MODES = {"--check": "check", "--compat": "compat", "--compat-baseline": "compat_baseline"}


class Args:
    """The command line (argparse is not used: importing it costs more than
    a run of the generator on an unchanged schema)."""

    def __init__(self):
        self.schema, self.out, self.readme = "schema", "generated", None
        self.headers, self.cache, self.baseline = [], None, None
        self.check = self.compat = self.compat_baseline = False


def parse_args(argv):
    args, i = Args(), 0
    while i < len(argv):
        arg = argv[i]
        name, eq, value = arg.partition("=")
        i += 1
        if arg in ("-h", "--help"):
            print(__doc__)
            raise SystemExit(0)
        if arg in _MODES:
            if any(getattr(args, m) for m in _MODES.values()):
                _usage_error(f"{arg}: only one of {', '.join(_MODES)}")
            setattr(args, _MODES[arg], True)
        elif name == "--headers":
            values = [value] if eq else []
            while i < len(argv) and not argv[i].startswith("-"):
                values.append(argv[i])
                i += 1
            if not values:
                _usage_error("--headers needs at least one header or glob")
            args.headers += values
        elif name in _VALUED:
            if not eq:
                if i == len(argv):
                    _usage_error(f"{name} needs a value")
                value, i = argv[i], i + 1
            setattr(args, _VALUED[name], value)
        else:
            _usage_error(f"unknown argument '{arg}'")
    return args


def _usage_error(message):
    print(f"{USAGE}\ngen.py: error: {one_line(message)}", file=sys.stderr)
    raise SystemExit(2)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except Exception as exc:        # anything unforeseen: one line, never a traceback
        print(one_line(internal_error(exc)), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
