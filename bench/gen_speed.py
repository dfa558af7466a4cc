#!/usr/bin/env python3
"""How fast the generator is, as ratios against what it cannot avoid.

    gen_speed.py RUNS

Runs, interleaved RUNS times each, as this process's children:
  floor      python3 -c pass                      (interpreter start)
  reference  python3 -c 'import jinja2, yaml'     (the two libraries it needs)
  regen      `make -s regen` on the unchanged tree: the generator finds that
             every input and output is as its previous run left them
  full       the generator as make runs it, on the unchanged schema, with
             that record of its previous run removed (as after an edit of the
             README or a library header): it parses nothing new (the checked
             trees and compiled templates are kept by digest) but checks,
             renders and compares everything
  edited     the same on a copy of schema/ whose one file changes before each
             run (that file is parsed, PyYAML imported, and its structure
             checked)
  make-edit  `make -s regen` in a copy of the tree whose one schema file
             changes before each run: the workflow's step, make included
  uncached   the same without --cache (as after `make clean`: every file is
             parsed and checked, and the templates are compiled)
then, when valgrind is installed, the reference, regen, full, edited and
make-edit once each
under callgrind (instruction counts: the figure that does not move with the
load of the machine), and the generator's test suite once. Prints wall-clock
medians and minima, CPU time, and the ratios to the reference; it asserts
nothing."""

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="",
           PYTHONPYCACHEPREFIX=os.path.join(ROOT, "build", "pycache"))
CACHE_DIR = os.path.join(ROOT, "build", "codegen-cache")
ARGS = ["--readme", "README.md", "--headers", "include/*.h", "src/*.h", "src/cli/*.h"]
GEN = [PY, "codegen/gen.py", "--schema", "schema", "--out", "generated"] + ARGS
CACHE = ["--cache", CACHE_DIR]
EDITED = tempfile.mkdtemp(prefix="roam-gen-speed-")
TREE = os.path.join(EDITED, "tree")
COMMANDS = {
    "floor": [PY, "-c", "pass"],
    "reference": [PY, "-c", "import jinja2, yaml"],
    "regen": ["make", "-s", "--no-print-directory", "regen"],
    "full": GEN + CACHE,
    "edited": [PY, "codegen/gen.py", "--schema", os.path.join(EDITED, "schema"),
               "--out", os.path.join(EDITED, "out")] + ARGS + CACHE,
    "uncached": GEN,
    "make-edit": ["make", "-s", "--no-print-directory", "-C", TREE, "regen"],
}
OURS = ("regen", "full", "edited", "uncached", "make-edit")


def prepare(name, n):
    """What each run needs first."""
    if name == "full":          # forget the previous run (nothing else)
        shutil.rmtree(os.path.join(CACHE_DIR, "runs"), ignore_errors=True)
    elif name in ("edited", "make-edit"):   # a comment no earlier run has seen
        schema = os.path.join(EDITED if name == "edited" else TREE, "schema")
        first = sorted(os.listdir(schema))[0]
        with open(os.path.join(schema, first), "a") as f:
            f.write(f"# edit {n} {time.time_ns()}\n")


def instructions(cmd, env):
    """Instructions one run of cmd executes (its children included), as
    callgrind counts them."""
    r = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                        "--callgrind-out-file=/dev/null", *cmd],
                       cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return sum(int(ln.rsplit(":", 1)[1]) for ln in r.stderr.splitlines()
               if "Collected :" in ln)


def _cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, env=None):
    """(wall seconds, CPU seconds) of one run of cmd."""
    c, t = _cpu(), time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - t, _cpu() - c


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    shutil.copytree(os.path.join(ROOT, "schema"), os.path.join(EDITED, "schema"))
    shutil.copytree(ROOT, TREE, ignore=shutil.ignore_patterns(".git", "build"))
    try:
        measure(runs)
    finally:
        shutil.rmtree(EDITED)


def measure(runs):
    for name in OURS:       # fill the caches and the compiled modules
        run(COMMANDS[name], ENV)
    wall = {name: [] for name in COMMANDS}
    cpu = {name: [] for name in COMMANDS}
    for i in range(runs):
        for name, cmd in COMMANDS.items():
            prepare(name, i)
            w, c = run(cmd, ENV if name in OURS else None)
            wall[name].append(w * 1000)
            cpu[name].append(c * 1000)
    run(COMMANDS["regen"], ENV)     # leave the record of a run behind
    # The machine may be shared: CPU time is what one run costs whatever
    # else runs; the wall-clock minimum is the run least disturbed.
    print(f"{'':10s} {'wall median':>12s} {'wall min':>9s} {'CPU median':>11s}  (ms)")
    for name in COMMANDS:
        print(f"{name:10s} {statistics.median(wall[name]):12.1f} {min(wall[name]):9.1f} "
              f"{statistics.median(cpu[name]):11.1f}")
    for name in OURS:
        print(f"{name} / reference: "
              f"{statistics.median(wall[name]) / statistics.median(wall['reference']):.2f}x "
              f"wall median, {min(wall[name]) / min(wall['reference']):.2f}x wall min, "
              f"{statistics.median(cpu[name]) / statistics.median(cpu['reference']):.2f}x "
              "CPU median")
    if shutil.which("valgrind"):
        ref = instructions(COMMANDS["reference"], None)
        counts = {}
        for name in ("regen", "full", "edited", "make-edit"):
            prepare(name, runs)
            counts[name] = instructions(COMMANDS[name], ENV)
        run(COMMANDS["regen"], ENV)
        print(f"instructions (callgrind): reference {ref / 1e6:.1f} M; "
              + "; ".join(f"{n} {c / 1e6:.1f} M = {c / ref:.2f}x" for n, c in counts.items()))
    w, c = run([PY, "-m", "unittest", "discover", "-q", "-s", "codegen/tests", "-t", "codegen"],
               ENV)
    print(f"generator tests, one process: {w:.1f} s wall, {c:.1f} s CPU "
          "(compilers included)")


if __name__ == "__main__":
    main()
