#!/usr/bin/env python3
"""How fast the generator is, as ratios against what it cannot avoid.

    gen_speed.py RUNS

Runs, interleaved RUNS times each, in this one process's children:
  floor      python3 -c pass                      (interpreter start)
  reference  python3 -c 'import jinja2, yaml'     (the two libraries it needs)
  regen      `make -s regen` on the unchanged schema (its caches warm, as
             after any earlier run)
  edited     the same on a copy of schema/ whose one file changes before each
             run (that file's structural check runs: jsonschema is imported)
  uncached   the same without --cache (as after `make clean`: every check
             and the template compilation run)
then, when valgrind is installed, the reference and the generator as make
regen runs it once each under callgrind (instruction counts: the figure
that does not move with the load of the machine), and the generator's test
suite once. Prints wall-clock
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
GEN = [PY, "codegen/gen.py", "--schema", "schema", "--out", "generated",
       "--readme", "README.md", "--headers", "src/*.h", "src/cli/*.h"]
CACHE = ["--cache", os.path.join(ROOT, "build", "codegen-cache")]
EDITED = tempfile.mkdtemp(prefix="roam-gen-speed-")
COMMANDS = {
    "floor": [PY, "-c", "pass"],
    "reference": [PY, "-c", "import jinja2, yaml"],
    "regen": ["make", "-s", "--no-print-directory", "regen"],
    "edited": [PY, "codegen/gen.py", "--schema", os.path.join(EDITED, "schema"),
               "--out", os.path.join(EDITED, "out"), "--readme", "README.md",
               "--headers", "src/*.h", "src/cli/*.h"] + CACHE,
    "uncached": GEN,
}
OURS = ("regen", "edited", "uncached")


def instructions(cmd, env):
    """Instructions one run of cmd executes, as callgrind counts them."""
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        *cmd], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    line = next(ln for ln in r.stderr.splitlines() if "Collected :" in ln)
    return int(line.rsplit(":", 1)[1])


def edit(n):
    """Change one file of the copied schema (a comment: same output) into
    bytes no earlier run has seen."""
    first = sorted(os.listdir(os.path.join(EDITED, "schema")))[0]
    with open(os.path.join(EDITED, "schema", first), "a") as f:
        f.write(f"# edit {n} {time.time_ns()}\n")


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
        edit(i)
        for name, cmd in COMMANDS.items():
            w, c = run(cmd, ENV if name in OURS else None)
            wall[name].append(w * 1000)
            cpu[name].append(c * 1000)
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
        ours = instructions(GEN + CACHE, ENV)
        print(f"instructions (callgrind): reference {ref / 1e6:.1f} M, generator as make "
              f"regen runs it {ours / 1e6:.1f} M: {ours / ref:.2f}x")
    w, c = run([PY, "-m", "unittest", "discover", "-q", "-s", "codegen/tests", "-t", "codegen"],
               ENV)
    print(f"generator tests, one process: {w:.1f} s wall, {c:.1f} s CPU "
          "(compilers included)")


if __name__ == "__main__":
    main()
