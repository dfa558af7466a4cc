"""Shared helpers: a scratch copy of the tests' own fixture schema and of
what it generates, and running the generator on it in this process (its
`main`, with the arguments `make` gives it).

The fixture (fixtures/schema/*.yaml, a made-up "demo" segment) belongs to
these tests; they never read schema/, whose layout may change freely."""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CODEGEN = os.path.dirname(HERE)
ROOT = os.path.dirname(CODEGEN)
GEN = os.path.join(CODEGEN, "gen.py")
FIXTURE = os.path.join(HERE, "fixtures", "schema")
LAYOUT_FIXTURE = os.path.join(HERE, "fixtures", "layout")   # a layout section
LIB_HEADER = os.path.join(HERE, "fixtures", "lib", "demo_lib.h")
HEADER = os.path.join("generated", "roam_shm_layout.h")
DOC = os.path.join("generated", "docs", "roam_shm_layout.md")

if CODEGEN not in sys.path:
    sys.path.insert(0, CODEGEN)

import gen  # noqa: E402


def tree_bytes(top):
    """{path relative to top: bytes} of every file below top, hidden ones too."""
    out = {}
    for dirpath, _dirs, files in os.walk(top):
        for name in files:
            full = os.path.join(dirpath, name)
            with open(full, "rb") as f:
                out[os.path.relpath(full, top)] = f.read()
    return out


def line_of(text, *anchors):
    """1-based line of the last of `anchors`, each searched for after the
    previous one. Every anchor must be found."""
    pos = start = 0
    for a in anchors:
        pos = text.find(a, start)
        if pos < 0:
            raise AssertionError(f"anchor {a!r} not found after offset {start}")
        start = pos + len(a)
    return text.count("\n", 0, pos) + 1


class Result:
    def __init__(self, returncode, stdout, stderr, seconds):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.seconds = seconds


def run_main(argv, cwd):
    """gen.main(argv) run in `cwd`, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = gen.main(argv)
            except SystemExit as e:         # argparse
                code = e.code
    finally:
        seconds = time.perf_counter() - t0
        os.chdir(old)
    return Result(code, out.getvalue(), err.getvalue(), seconds)


_baselines = {}
_fixtures = {}


def fixture(folder=FIXTURE):
    """{file name: bytes} of a fixture schema (read once)."""
    if folder not in _fixtures:
        files = {}
        for name in sorted(os.listdir(folder)):
            with open(os.path.join(folder, name), "rb") as f:
                files[name] = f.read()
        _fixtures[folder] = files
    return _fixtures[folder]


def write_tree(top, files):
    """Write {relative path: bytes} below top."""
    for rel, data in files.items():
        full = os.path.join(top, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)


def baseline(folder=FIXTURE):
    """{relative path: bytes} of what an untouched fixture generates."""
    if folder not in _baselines:
        with tempfile.TemporaryDirectory(prefix="roam-codegen-base-") as tmp:
            write_tree(os.path.join(tmp, "schema"), fixture(folder))
            r = run_main(["--schema", "schema", "--out", "generated"], tmp)
            if r.returncode != 0:
                raise AssertionError("the fixture schema does not generate:\n" + r.stderr)
            _baselines[folder] = tree_bytes(os.path.join(tmp, "generated"))
    return _baselines[folder]


class Workspace:
    """A temporary directory holding a copy of a fixture schema as schema/
    and what it generates as generated/."""

    def __init__(self, folder=FIXTURE):
        self._tmp = tempfile.TemporaryDirectory(prefix="roam-codegen-test-")
        self.root = self._tmp.name
        write_tree(self.path("schema"), fixture(folder))
        write_tree(self.path("generated"), baseline(folder))

    def close(self):
        self._tmp.cleanup()

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def schema_file(self, name):
        return self.path("schema", name)

    def read(self, rel):
        with open(self.path(rel), encoding="utf-8", newline="") as f:
            return f.read()

    def write(self, rel, text):
        os.makedirs(os.path.dirname(self.path(rel)), exist_ok=True)
        with open(self.path(rel), "w", encoding="utf-8", newline="") as f:
            f.write(text)

    def schema_text(self, name):
        return self.read(os.path.join("schema", name))

    def add_schema(self, name, text):
        """Write a new schema file; returns its name."""
        self.write(os.path.join("schema", name), text)
        return name

    def edit(self, rel, old, new, after=None):
        """Replace the first `old` (after the anchor `after`, if given).
        `old` must occur there, so that a changed fixture fails loudly."""
        text = self.read(rel)
        start = 0
        if after is not None:
            start = text.find(after)
            if start < 0:
                raise AssertionError(f"{rel}: anchor {after!r} not found")
        i = text.find(old, start)
        if i < 0:
            raise AssertionError(f"{rel}: {old!r} not found"
                                 + (f" after {after!r}" if after else ""))
        self.write(rel, text[:i] + new + text[i + len(old):])

    def edit_schema(self, name, old, new, after=None):
        self.edit(os.path.join("schema", name), old, new, after)

    def schema_line(self, name, *anchors):
        return line_of(self.schema_text(name), *anchors)

    def generated(self):
        return tree_bytes(self.path("generated"))

    def run(self, *extra, headers=(LIB_HEADER,)):
        """The generator on this copy, in this process, paths relative to it."""
        argv = ["--schema", "schema", "--out", "generated"]
        for h in headers:
            argv += ["--headers", h]
        return run_main(argv + list(extra), self.root)

    def run_process(self, *extra):
        """The generator as its own process, the way make runs it."""
        t0 = time.perf_counter()
        r = subprocess.run(
            [sys.executable, GEN, "--schema", "schema", "--out", "generated", *extra],
            cwd=self.root, capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        return Result(r.returncode, r.stdout, r.stderr, time.perf_counter() - t0)


class GenTestCase(unittest.TestCase):
    maxDiff = None
    FOLDER = FIXTURE

    def setUp(self):
        self.ws = Workspace(self.FOLDER)
        self.addCleanup(self.ws.close)

    def run_gen(self, *extra, **kw):
        return self.ws.run(*extra, **kw)

    def assertRejected(self, file, line, *phrases, errors=1, within=1.0):
        """The generator exits 1 within `within` seconds, reports
        `schema/FILE:LINE: ` on a line that holds every phrase, prints
        `errors` error lines in all, and leaves every file of the output
        directory as it was."""
        before = self.ws.generated()
        r = self.run_gen()
        report = f"\n--- stdout:\n{r.stdout}--- stderr:\n{r.stderr}"
        self.assertEqual(r.returncode, 1, "generator did not reject the schema" + report)
        self.assertEqual(r.stdout, "", report)
        self.assertNotIn("Traceback", r.stderr, report)
        prefix = f"schema/{file}:{line}: "
        lines = r.stderr.splitlines()
        hits = [ln for ln in lines if ln.startswith(prefix)]
        self.assertTrue(hits, f"no error at {prefix!r}" + report)
        self.assertTrue(any(all(p in ln for p in phrases) for ln in hits),
                        f"no error at {prefix!r} mentions all of {phrases!r}" + report)
        if errors is not None:
            self.assertEqual(len(lines), errors, "unexpected number of errors" + report)
        self.assertEqual(self.ws.generated(), before,
                         "a rejected schema changed the output directory")
        self.assertLess(r.seconds, within, f"took {r.seconds:.2f} s" + report)
        return r.stderr
