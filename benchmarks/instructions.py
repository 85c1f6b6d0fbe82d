"""Workload 2 (per-op overhead) counted in CPU instructions instead of seconds.

Timings on a shared machine swing by tens of percent; the number of instructions a run executes does not.
This runs the chain of 1,000 small ops (mul, add, tanh in turn, forward and backward) under valgrind's
callgrind for two numbers of chains and prints the difference per op, so start-up and imports cancel out:

    python benchmarks/instructions.py                       # chainrule, torch and the NumPy floor
    python benchmarks/instructions.py --frameworks chainrule

"numpy" is the floor: the same NumPy calls (forward and the backward formulas) written out by hand, with no
graph. Needs valgrind (Debian/Ubuntu: apt install valgrind). Takes about a minute per framework.
"""
import argparse
import os
import platform
import re
import shutil
import subprocess
import sys

CHAIN = 1000
FEW, MANY = 8, 38  # chains per run: the difference is (MANY - FEW) * CHAIN ops


def chains(framework, count):
    """Runs `count` chains, the way benchmarks/run.py times them."""
    import numpy as np

    data = np.random.default_rng(0).standard_normal(16)
    if framework == "numpy":
        for _ in range(count):
            h, saved = data, []
            for i in range(CHAIN):
                kind = i % 3
                h = h * 0.999 if kind == 0 else (h + 0.001 if kind == 1 else np.tanh(h))
                if kind == 2:
                    saved.append(h)
            g = np.ones(16)
            for i in reversed(range(CHAIN)):
                kind = i % 3
                g = g * 0.999 if kind == 0 else (g if kind == 1 else g * (1.0 - saved.pop() ** 2))
        return
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import op_chain

    step = op_chain(__import__(framework))
    for _ in range(count):
        step()


def instructions(framework, count):
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, os.path.abspath(__file__), "--inner", framework, str(count)]
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    found = re.search(r"Collected : ([\d,]+)", done.stderr)
    if done.returncode or not found:
        raise RuntimeError(f"valgrind failed for {framework}:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frameworks", nargs="*", default=["chainrule", "torch", "numpy"])
    parser.add_argument("--inner", nargs=2, metavar=("FRAMEWORK", "CHAINS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        chains(args.inner[0], int(args.inner[1]))
        return
    if shutil.which("valgrind") is None:
        sys.exit("instructions.py needs valgrind (apt install valgrind)")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print("| workload | framework | instructions per op |")
    print("|---|---|---|")
    for framework in args.frameworks:
        per_op = (instructions(framework, MANY) - instructions(framework, FEW)) / ((MANY - FEW) * CHAIN)
        label = "numpy (the same NumPy calls, no graph)" if framework == "numpy" else framework
        print(f"| 2. per-op overhead (fwd+bwd, (16,) float64) | {label} | {per_op:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
