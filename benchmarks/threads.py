"""BLAS threads for small matrices: the default `chainrule train` run (the 8x8 digits, MLP 64-128-64-10,
20 epochs) with 1 and with 2 BLAS threads (--threads), on an idle machine and while a busy-loop process keeps
one core busy, as happens on a shared machine. Runs in-process through chainrule.cli.main (--no-progress
--json) and reports the training seconds (`seconds` in the JSON line), median and min of --repeats runs,
as a Markdown table.

    python benchmarks/threads.py [--repeats 3]

Small matrix products gain nothing from a second thread, and a thread that must wait for a busy core
stalls every product: that is why `chainrule train` uses 1 thread for small models unless told otherwise.
"""
import argparse
import contextlib
import io
import json
import os
import platform
import statistics
import subprocess
import sys

from chainrule.cli import main

BUSY_LOOP = "while True: pass"


def train_seconds(threads):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["train", "--no-progress", "--json", "--threads", str(threads)])
    if status != 0:
        raise SystemExit(f"chainrule train --threads {threads} exited with {status}")
    return json.loads(out.getvalue().strip().splitlines()[-1])["seconds"]


@contextlib.contextmanager
def busy_core(enabled):
    """A subprocess spinning on one core for the duration (nothing when not enabled)."""
    if not enabled:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def main_(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per cell (default: 3)")
    args = parser.parse_args(argv)
    train_seconds(1)  # warm-up: imports, the dataset's first load
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"default `chainrule train` (digits, mlp 64-128-64-10, 20 epochs), training seconds")
    print("| machine | 1 thread: median | min | 2 threads: median | min | 2 threads / 1 |")
    print("|---|---|---|---|---|---|")
    for label, busy in (("idle", False), ("one core busy", True)):
        with busy_core(busy):
            times = {t: [] for t in (1, 2)}
            for _ in range(args.repeats):  # alternate, so a slow spell falls on both
                for t in (1, 2):
                    times[t].append(train_seconds(t))
        one, two = statistics.median(times[1]), statistics.median(times[2])
        print(f"| {label} | {one:.2f} s | {min(times[1]):.2f} s | {two:.2f} s | {min(times[2]):.2f} s | "
              f"{two / one:.1f}x |", flush=True)


if __name__ == "__main__":
    main_()
