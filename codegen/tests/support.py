"""Shared helpers: a scratch copy of schema/ and generated/, and running the
generator on it as a separate process, the way `make` runs it."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "codegen", "gen.py")
SCHEMA = os.path.join(ROOT, "schema")
GENERATED = os.path.join(ROOT, "generated")
HEADER = os.path.join("generated", "roam_shm_layout.h")
DOC = os.path.join("generated", "docs", "roam_shm_layout.md")


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


class Workspace:
    """A temporary directory holding copies of schema/ and generated/."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="roam-codegen-test-")
        self.root = self._tmp.name
        shutil.copytree(SCHEMA, self.path("schema"))
        shutil.copytree(GENERATED, self.path("generated"))

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
        `old` must occur there, so that a changed schema fails loudly."""
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

    def run(self, *extra):
        """Run the generator on this copy, with paths relative to it."""
        return subprocess.run(
            [sys.executable, GEN, "--schema", "schema", "--out", "generated", *extra],
            cwd=self.root, capture_output=True, text=True, timeout=60,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))


class GenTestCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.ws = Workspace()
        self.addCleanup(self.ws.close)

    def run_gen(self, *extra):
        return self.ws.run(*extra)

    def assertRejected(self, file, line, *phrases, errors=1):
        """The generator exits 1, reports `schema/FILE:LINE: ` on a line that
        holds every phrase, prints `errors` error lines in all, and leaves
        every file of the output directory as it was."""
        before = self.ws.generated()
        r = self.run_gen()
        report = f"\n--- stdout:\n{r.stdout}--- stderr:\n{r.stderr}"
        self.assertEqual(r.returncode, 1, "generator did not reject the schema" + report)
        self.assertEqual(r.stdout, "", report)
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
        return r.stderr
