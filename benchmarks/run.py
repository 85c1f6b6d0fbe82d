"""chainrule's speed and memory benchmarks: each workload for chainrule, hand-written NumPy and PyTorch,
in the same run, one after another, with the same thread count.

    python benchmarks/run.py                      # everything, prints a Markdown table, writes JSON
    python benchmarks/run.py --workloads mlp ops  # a subset
    python benchmarks/run.py --frameworks chainrule numpy --repeats 5

Times are the median and min of several repeats after a warm-up; the timed comparisons (mlp, ops,
conv) run in --rounds rounds with the frameworks taking turns. "ratio" divides by the reference
(hand-written NumPy where it exists, else PyTorch).
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

THREADS_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def set_threads(n):
    for name in THREADS_ENV:
        os.environ[name] = str(n)


def timed(fn, repeats, warmup=2, sync=lambda: None):
    """(median, min) seconds of fn(); sync() waits for the work a GPU has queued before the clock is read."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def take_turns(steps, repeats, warmup=2):
    """{name: [seconds of each run]}: the steps run in rounds, each taking its turn, so a slow spell of a
    shared machine falls on all of them alike."""
    for step in steps.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return times


# ---- workload 1: MLP training step --------------------------------------------------------------------
MLP_SIZES = (784, 512, 512, 10)
BATCH = 128


def mlp_data(seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, MLP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, MLP_SIZES[-1], BATCH)
    weights = []
    for fan_in, fan_out in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        bound = 1 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return x, y, weights


def mlp_step_numpy():
    import numpy as np

    x, y, params = mlp_data()
    rows = np.arange(BATCH)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        z1 = x @ w1.T + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2.T + b2
        a2 = np.maximum(z2, 0)
        z3 = a2 @ w3.T + b3
        shifted = z3 - z3.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = (np.log(total)[:, 0] - shifted[rows, y]).mean()
        d3 = exp / total
        d3[rows, y] -= 1
        d3 /= BATCH
        d2 = (d3 @ w3) * (z2 > 0)
        d1 = (d2 @ w2) * (z1 > 0)
        grads = (d1.T @ x, d1.sum(0), d2.T @ a1, d2.sum(0), d3.T @ a2, d3.sum(0))
        for p, g in zip(params, grads):
            p -= np.float32(0.01) * g
        return loss

    return step


def mlp_step(lib, device="cpu"):
    """The MLP's SGD step in chainrule or torch (`lib`, the module), on `device`: returns step() -> loss."""
    x, y, weights = mlp_data()
    layers = []
    for i in range(0, len(weights), 2):
        linear = lib.nn.Linear(weights[i].shape[1], weights[i].shape[0])
        with lib.no_grad():
            linear.weight.copy_(lib.from_numpy(weights[i]))
            linear.bias.copy_(lib.from_numpy(weights[i + 1]))
        layers += [linear, lib.nn.ReLU()]
    model = lib.nn.Sequential(*layers[:-1]).to(device)
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    xt, yt = lib.from_numpy(x).to(device), lib.from_numpy(y).to(device)

    def step():
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step


def mlp_step_chainrule():
    import chainrule

    return mlp_step(chainrule)


def mlp_step_torch():
    import torch

    return mlp_step(torch)


def gemms_only():
    """The six matrix products of one MLP step: the BLAS floor under every framework."""
    x, y, (w1, b1, w2, b2, w3, b3) = mlp_data()
    a1 = x @ w1.T
    a2 = a1 @ w2.T
    d3 = a2 @ w3.T

    def step():
        (x @ w1.T), (a1 @ w2.T), (a2 @ w3.T)
        d2 = d3 @ w3
        d1 = d2 @ w2
        return d3.T @ a2, d2.T @ a1, d1.T @ x

    return step


# ---- workload 2: per-op overhead ---------------------------------------------------------------------
CHAIN = 1000


def op_chain(lib, phases=None):
    """One chain, forward and backward. phases: a list that gets (forward seconds, backward seconds) per call."""
    import numpy as np

    data = np.random.default_rng(0).standard_normal(16)

    def step():
        start = time.perf_counter()
        x = lib.tensor(data, requires_grad=True)
        h = x
        for i in range(CHAIN):
            kind = i % 3
            h = h * 0.999 if kind == 0 else (h + 0.001 if kind == 1 else lib.tanh(h))
        middle = time.perf_counter()
        h.sum().backward()
        if phases is not None:
            phases.append((middle - start, time.perf_counter() - middle))
        return x.grad

    return step


# ---- workload 3: deep graph --------------------------------------------------------------------------
def deep_chain(lib, length):
    def step():
        x = lib.tensor([1.0], requires_grad=True)
        h = x
        for _ in range(length):
            h = h * 1.0
        start = time.perf_counter()
        h.sum().backward()
        return time.perf_counter() - start

    return step


# ---- workload 5: numerical vs backprop (seed 2) ------------------------------------------------------
def seed2_gradients():
    import numpy as np

    import chainrule as cr
    import chainrule.nn.functional as F

    cr.manual_seed(0)
    layers, width = [], 10
    for _ in range(5):
        layers += [cr.nn.Linear(width, 32), cr.nn.Sigmoid()]
        width = 32
    layers += [cr.nn.Linear(32, 2), cr.nn.Sigmoid()]
    model = cr.nn.Sequential(*layers).double()
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.standard_normal((64, 10)))
    y = cr.tensor(rng.standard_normal((64, 2)))
    params = list(model.parameters())

    def backprop():
        model.zero_grad()
        F.mse_loss(model(x), y).backward()

    def numerical():
        with cr.no_grad():
            for p in params:
                flat = p._data.reshape(-1)
                for k in range(flat.size):
                    keep = flat[k]
                    flat[k] = keep + 1e-6
                    plus = F.mse_loss(model(x), y).item()
                    flat[k] = keep - 1e-6
                    minus = F.mse_loss(model(x), y).item()
                    flat[k] = keep
                    _ = (plus - minus) / 2e-6

    count = sum(p.numel() for p in params)
    return backprop, numerical, count


# ---- workload 6: conv2d ---------------------------------------------------------------------------
def conv_step(framework):
    """conv2d forward + backward: a (64, 16, 28, 28) float32 batch, 32 3x3 filters, padding 1."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 16, 28, 28)).astype(np.float32)
    w = (rng.standard_normal((32, 16, 3, 3)) * 0.1).astype(np.float32)
    b = np.zeros(32, dtype=np.float32)
    lib = __import__(framework)
    functional = lib.nn.functional
    xt = lib.tensor(x, requires_grad=True)
    wt, bt = lib.tensor(w, requires_grad=True), lib.tensor(b, requires_grad=True)

    def step():
        xt.grad = wt.grad = bt.grad = None
        functional.conv2d(xt, wt, bt, padding=1).sum().backward()

    return step


# ---- workload 4: memory (one subprocess per framework) -----------------------------------------------
def memory_run(framework, steps, warmup):
    """RSS after 100 steps, after `warmup` steps and after `steps` more. A warm-up of 2,000 steps lets
    CPython's free lists fill up: they keep up to 2,000 freed tuples of each small size for reuse, and
    a step that frees more tuples of some size than it takes grows them (chainrule: about 0.3 MiB)."""
    step = {"chainrule": mlp_step_chainrule, "torch": mlp_step_torch, "numpy": mlp_step_numpy}[framework]()
    readings = {}
    for i in range(1, warmup + steps + 1):
        step()
        if i in (100, warmup, warmup + steps):
            readings[i] = _rss_mib()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mib": peak, "rss_after_100": readings[100], "rss_after_warmup": readings[warmup],
            "rss_at_end": readings[warmup + steps]}


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# ---- running and reporting ---------------------------------------------------------------------------
MLP = "1. MLP step 784-512-512-10, batch 128"
OPS = "2. per-op overhead (fwd+bwd, (16,) float64)"


def measure(workload, framework, args):
    """Runs inside a fresh process: one (workload, framework) pair -> a list of result rows."""
    if framework == "torch":
        import torch

        torch.set_num_threads(args.threads)
    if workload == "mlp":
        makers = {"numpy": mlp_step_numpy, "chainrule": mlp_step_chainrule, "torch": mlp_step_torch,
                  "GEMMs only": gemms_only}
        median, best = timed(makers[framework](), args.repeats * 4, 5)
        return [dict(workload=MLP, framework=framework, unit="ms", median=median * 1e3, min=best * 1e3)]
    if workload == "ops":
        lib, phases = __import__(framework), []
        median, best = timed(op_chain(lib, phases), args.repeats * 8, 5)  # a chain takes only milliseconds
        forward, backward = (min(p[k] for p in phases[5:]) / CHAIN * 1e6 for k in (0, 1))
        return [dict(workload=OPS, framework=framework, unit="us/op", median=median / CHAIN * 1e6, min=best / CHAIN * 1e6,
                     note=f"best forward {forward:.2f}, backward {backward:.2f} us/op")]
    if workload == "deep":
        import chainrule as cr

        rows = []
        for length in (10_000, 100_000):
            seconds = [deep_chain(cr, length)() for _ in range(3)]
            rows.append(dict(workload=f"3. backward through a {length:,}-op chain", framework=framework, unit="s",
                             median=statistics.median(seconds), min=min(seconds)))
        return rows
    if workload == "memory":
        m = memory_run(framework, args.steps, args.warmup_steps)
        end = args.warmup_steps + args.steps
        note = (f"peak RSS; RSS growth over steps {args.warmup_steps:,}-{end:,}: {m['rss_at_end'] - m['rss_after_warmup']:+.1f} MiB "
                f"(warm-up, steps 100-{args.warmup_steps:,}: {m['rss_after_warmup'] - m['rss_after_100']:+.1f} MiB)")
        return [dict(workload=f"4. memory over {args.steps:,} MLP steps after {args.warmup_steps:,}", framework=framework,
                     unit="MiB", median=m["peak_mib"], min=m["peak_mib"], note=note)]
    if workload == "seed2":
        backprop, numerical, count = seed2_gradients()
        b_med, b_min = timed(backprop, args.repeats * 4, 2)
        n_med, n_min = timed(numerical, 1, 0)
        return [dict(workload="5. seed 2 net, one full gradient", framework="chainrule backprop", unit="ms",
                     median=b_med * 1e3, min=b_min * 1e3),
                dict(workload="5. seed 2 net, one full gradient", framework="chainrule numerical", unit="ms",
                     median=n_med * 1e3, min=n_min * 1e3,
                     note=f"{2 * count:,} loss evaluations; {n_med / b_med:,.0f}x backprop")]
    if workload == "conv":
        median, best = timed(conv_step(framework), args.repeats * 2, 2)
        return [dict(workload="6. conv2d fwd+bwd (64,16,28,28), 32 3x3, pad 1", framework=framework, unit="ms",
                     median=median * 1e3, min=best * 1e3)]
    raise ValueError(f"unknown workload {workload!r}")


FRAMEWORKS = {  # which frameworks each workload has
    "mlp": ("chainrule", "numpy", "torch", "GEMMs only"),
    "ops": ("chainrule", "torch"),
    "deep": ("chainrule",),
    "memory": ("chainrule", "numpy", "torch"),
    "seed2": ("chainrule",),
    "conv": ("chainrule", "torch"),
}


INTERLEAVED = ("mlp", "ops", "conv")  # the timed comparisons: their frameworks take turns, round after round


def run(args):
    """Each (workload, framework) in its own process, one after another, with the same thread count.

    The timed comparisons run in --rounds rounds, the frameworks taking turns in each, so that a slow
    spell of a shared machine falls on all of them alike; a row gives the median of the rounds' medians
    and the min of their mins."""
    rows = []
    env = dict(os.environ, **{name: str(args.threads) for name in THREADS_ENV})
    for workload in args.workloads:
        rounds = args.rounds if workload in INTERLEAVED else 1
        results = {}
        for _ in range(rounds):
            for framework in FRAMEWORKS[workload]:
                if framework in ("chainrule", "numpy", "torch") and framework not in args.frameworks:
                    continue
                command = [sys.executable, __file__, "--child", workload, framework, "--repeats", str(args.repeats),
                           "--threads", str(args.threads), "--steps", str(args.steps),
                           "--warmup-steps", str(args.warmup_steps)]
                done = subprocess.run(command, capture_output=True, text=True, env=env)
                if done.returncode != 0:
                    print(f"({workload}/{framework} failed: {done.stderr.strip().splitlines()[-1:]})", file=sys.stderr)
                    continue
                results.setdefault(framework, []).append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"  done: {workload} / {framework}", file=sys.stderr)
        for runs in results.values():
            rows += runs[0] if len(runs) == 1 else [_combine(runs)]
    return rows


def _combine(runs):
    """One row from the one-row results of several rounds."""
    row = dict(runs[0][0])
    row["median"] = statistics.median(r[0]["median"] for r in runs)
    row["min"] = min(r[0]["min"] for r in runs)
    notes = [r[0].get("note") for r in runs if r[0].get("note")]
    row["note"] = f"{len(runs)} rounds" + (f"; {notes[-1]}" if notes else "")
    return row


def table(rows):
    refs = {}  # the reference of each workload: hand-written NumPy, else PyTorch
    for r in rows:
        if r["framework"] == "numpy" or (r["framework"] == "torch" and r["workload"] not in refs):
            refs[r["workload"]] = r["median"]
    lines = ["| workload | framework | median | min | ratio | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        ref = refs.get(r["workload"])
        ratio = f"{r['median'] / ref:.2f}x" if ref else ""
        lines.append(
            f"| {r['workload']} | {r['framework']} | {r['median']:.3f} {r['unit']} | {r['min']:.3f} {r['unit']} | {ratio} | {r.get('note', '')} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", nargs="*", default=["mlp", "ops", "deep", "memory", "seed2", "conv"],
                        help="any of: mlp ops deep memory seed2 conv (default: all)")
    parser.add_argument("--frameworks", nargs="*", default=["chainrule", "numpy", "torch"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the timed comparisons (mlp, ops, conv)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--steps", type=int, default=1000, help="steps for the memory workload, after its warm-up")
    parser.add_argument("--warmup-steps", type=int, default=2000, help="warm-up steps of the memory workload")
    parser.add_argument("--json", default="benchmarks/results.json")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    set_threads(args.threads)
    if args.child:
        print(json.dumps(measure(*args.child, args)))
        return
    rows = run(args)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, threads={args.threads}")
    print(table(rows))
    with open(args.json, "w") as f:
        json.dump({"machine": platform.platform(), "threads": args.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
