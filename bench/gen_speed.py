#!/usr/bin/env python3
"""How fast the generator is, as ratios against what it cannot avoid.

    gen_speed.py RUNS

Runs, interleaved RUNS times each, in this one process's children:
  floor      python3 -c pass                      (interpreter start)
  reference  python3 -c 'import jinja2, yaml'     (the two libraries it needs)
  regen      the generator exactly as `make regen` runs it, on the unchanged
             schema (its caches warm, as after any earlier run)
  uncached   the same without --cache (as after an edit of every file: the
             structural check and the template compilation both run)
then the generator's test suite once. Prints wall-clock medians and minima,
CPU time, and the ratios to the reference; it asserts nothing."""

import os
import resource
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = sys.executable
ENV = dict(os.environ, PYTHONDONTWRITEBYTECODE="",
           PYTHONPYCACHEPREFIX=os.path.join(ROOT, "build", "pycache"))
GEN = [PY, "codegen/gen.py", "--schema", "schema", "--out", "generated",
       "--readme", "README.md", "--headers", "src/*.h", "src/cli/*.h"]
COMMANDS = {
    "floor": [PY, "-c", "pass"],
    "reference": [PY, "-c", "import jinja2, yaml"],
    "regen": GEN + ["--cache", os.path.join("build", "codegen-cache")],
    "uncached": GEN,
}


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
    for name in ("regen", "uncached"):      # fill the caches and the compiled modules
        run(COMMANDS[name], ENV)
    wall = {name: [] for name in COMMANDS}
    cpu = {name: [] for name in COMMANDS}
    for _ in range(runs):
        for name, cmd in COMMANDS.items():
            w, c = run(cmd, ENV if name in ("regen", "uncached") else None)
            wall[name].append(w * 1000)
            cpu[name].append(c * 1000)
    # The machine may be shared: CPU time is what one run costs whatever
    # else runs; the wall-clock minimum is the run least disturbed.
    print(f"{'':10s} {'wall median':>12s} {'wall min':>9s} {'CPU median':>11s}  (ms)")
    for name in COMMANDS:
        print(f"{name:10s} {statistics.median(wall[name]):12.1f} {min(wall[name]):9.1f} "
              f"{statistics.median(cpu[name]):11.1f}")
    for name in ("regen", "uncached"):
        print(f"{name} / reference: "
              f"{statistics.median(wall[name]) / statistics.median(wall['reference']):.2f}x "
              f"wall median, {min(wall[name]) / min(wall['reference']):.2f}x wall min, "
              f"{statistics.median(cpu[name]) / statistics.median(cpu['reference']):.2f}x "
              "CPU median")
    w, c = run([PY, "-m", "unittest", "discover", "-q", "-s", "codegen/tests", "-t", "codegen"],
               ENV)
    print(f"generator tests, one process: {w:.1f} s wall, {c:.1f} s CPU "
          "(compilers included)")


if __name__ == "__main__":
    main()
