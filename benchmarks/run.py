"""chainrule's speed and memory benchmarks: each workload for chainrule, hand-written NumPy and PyTorch,
in the same run, one after another, with the same thread count.

    python benchmarks/run.py                      # everything, prints a Markdown table, writes JSON
    python benchmarks/run.py --workloads mlp ops  # a subset
    python benchmarks/run.py --frameworks chainrule numpy --repeats 5

Times are the median and min of several repeats after a warm-up; "ratio" divides by the reference
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


def timed(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


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


def mlp_step_chainrule():
    import chainrule as cr
    import chainrule.nn.functional as F

    x, y, weights = mlp_data()
    layers = []
    for i in range(0, len(weights), 2):
        linear = cr.nn.Linear(weights[i].shape[1], weights[i].shape[0])
        linear.weight.data = cr.from_numpy(weights[i])
        linear.bias.data = cr.from_numpy(weights[i + 1])
        layers += [linear, cr.nn.ReLU()]
    model = cr.nn.Sequential(*layers[:-1])
    opt = cr.optim.SGD(model.parameters(), lr=0.01)
    xt, yt = cr.from_numpy(x), cr.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step


def mlp_step_torch():
    import torch

    x, y, weights = mlp_data()
    layers = []
    for i in range(0, len(weights), 2):
        linear = torch.nn.Linear(weights[i].shape[1], weights[i].shape[0])
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[i]))
            linear.bias.copy_(torch.from_numpy(weights[i + 1]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        return loss

    return step


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


def op_chain(lib):
    import numpy as np

    data = np.random.default_rng(0).standard_normal(16)

    def step():
        x = lib.tensor(data, requires_grad=True)
        h = x
        for i in range(CHAIN):
            kind = i % 3
            h = h * 0.999 if kind == 0 else (h + 0.001 if kind == 1 else lib.tanh(h))
        h.sum().backward()
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


# ---- workload 4: memory (one subprocess per framework) -----------------------------------------------
def memory_child(framework, steps):
    step = {"chainrule": mlp_step_chainrule, "torch": mlp_step_torch, "numpy": mlp_step_numpy}[framework]()
    readings = []
    for i in range(steps):
        step()
        if i + 1 in (100, steps):
            readings.append(_rss_mib())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mib": peak, "rss_after_100": readings[0], "rss_at_end": readings[-1]}))


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(framework, steps, threads):
    env = dict(os.environ, **{name: str(threads) for name in THREADS_ENV})
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", framework, "--steps", str(steps)],
        capture_output=True, text=True, env=env, check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---- running and reporting ---------------------------------------------------------------------------
def available(frameworks):
    found = []
    for name in frameworks:
        try:
            __import__({"chainrule": "chainrule", "numpy": "numpy", "torch": "torch"}[name])
            found.append(name)
        except ImportError:
            print(f"({name} is not installed: skipped)", file=sys.stderr)
    return found


def run(args):
    rows = []
    frameworks = available(args.frameworks)
    if "torch" in frameworks:
        import torch

        torch.set_num_threads(args.threads)

    def add(workload, framework, unit, median, best, note=""):
        rows.append(dict(workload=workload, framework=framework, unit=unit, median=median, min=best, note=note))

    if "mlp" in args.workloads:
        makers = {"numpy": mlp_step_numpy, "chainrule": mlp_step_chainrule, "torch": mlp_step_torch}
        for name in frameworks:
            add("1. MLP step 784-512-512-10, batch 128", name, "ms", *[t * 1e3 for t in timed(makers[name](), args.repeats * 4, 5)])
        add("1. MLP step 784-512-512-10, batch 128", "GEMMs only", "ms", *[t * 1e3 for t in timed(gemms_only(), args.repeats * 4, 5)])
    if "ops" in args.workloads:
        import chainrule as cr

        libs = {"chainrule": cr}
        if "torch" in frameworks:
            import torch

            libs["torch"] = torch
        for name, lib in libs.items():
            median, best = timed(op_chain(lib), args.repeats, 2)
            add("2. per-op overhead (fwd+bwd, (16,) float64)", name, "us/op", median / CHAIN * 1e6, best / CHAIN * 1e6)
    if "deep" in args.workloads:
        import chainrule as cr

        for length in (10_000, 100_000):
            backward_times = [deep_chain(cr, length)() for _ in range(3)]
            add(f"3. backward through a {length:,}-op chain", "chainrule", "s", statistics.median(backward_times), min(backward_times))
    if "memory" in args.workloads:
        for name in [f for f in frameworks if f in ("chainrule", "torch", "numpy")]:
            m = memory(name, args.steps, args.threads)
            growth = m["rss_at_end"] - m["rss_after_100"]
            add(f"4. memory over {args.steps} MLP steps", name, "MiB", m["peak_mib"], m["peak_mib"],
                f"peak RSS; growth after step 100: {growth:+.1f} MiB")
    if "seed2" in args.workloads and "chainrule" in frameworks:
        backprop, numerical, count = seed2_gradients()
        b_med, b_min = timed(backprop, args.repeats * 4, 2)
        n_med, n_min = timed(numerical, 1, 0)
        add("5. seed 2 net, full gradient", "chainrule backprop", "ms", b_med * 1e3, b_min * 1e3)
        add("5. seed 2 net, full gradient", "chainrule numerical", "ms", n_med * 1e3, n_min * 1e3,
            f"{2 * count:,} loss evaluations; {n_med / b_med:,.0f}x backprop")
    return rows


def table(rows):
    refs = {}  # the reference of each workload: hand-written NumPy, else PyTorch
    for r in rows:
        if r["framework"] == "numpy" or (r["framework"] == "torch" and r["workload"] not in refs):
            refs[r["workload"]] = r["median"]
    lines = ["| workload | framework | median | min | ratio | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        ref = refs.get(r["workload"])
        ratio = f"{r['median'] / ref:.2f}x" if ref and r["unit"] != "MiB" else ""
        lines.append(
            f"| {r['workload']} | {r['framework']} | {r['median']:.3f} {r['unit']} | {r['min']:.3f} {r['unit']} | {ratio} | {r['note']} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", nargs="*", default=["mlp", "ops", "deep", "memory", "seed2"],
                        help="any of: mlp ops deep memory seed2 (default: all)")
    parser.add_argument("--frameworks", nargs="*", default=["chainrule", "numpy", "torch"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--steps", type=int, default=1000, help="steps for the memory workload")
    parser.add_argument("--json", default="benchmarks/results.json")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    set_threads(args.threads)
    if args.memory_child:
        return memory_child(args.memory_child, args.steps)
    rows = run(args)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, threads={args.threads}")
    print(table(rows))
    with open(args.json, "w") as f:
        json.dump({"machine": platform.platform(), "threads": args.threads, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
