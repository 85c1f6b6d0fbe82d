"""Data-parallel scaling on this machine: one training step of an MLP and a CNN with the same global batch,
in 1 and 2 processes (DistributedDataParallel over MPI), and the allreduce time per step.

    python benchmarks/distributed.py            # starts itself under mpiexec -n 1 and -n 2, prints a table

Each process runs with one BLAS thread (2 processes on 2 cores). "allreduce" is the time a blocking Allreduce
of all the gradients (one flat buffer) takes; "in backward" is the time DDP spent in MPI calls during
backward() (launching, polling and waiting for the bucketed non-blocking allreduces)."""
import json
import os
import subprocess
import sys
import sysconfig
import time

GLOBAL_BATCH, STEPS, WARMUP = 256, 20, 3


def models(cr):
    nn = cr.nn
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                        nn.Linear(128, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
                        nn.Linear(64, 10))
    return {"mlp": (mlp, (1, 28, 28)), "cnn": (cnn, (1, 28, 28))}


def worker():
    import numpy as np
    from mpi4py import MPI

    import chainrule as cr
    import chainrule.distributed as dist
    dist.init_process_group("mpi")
    rank, size = dist.get_rank(), dist.get_world_size()
    results = {}
    for name, (net, shape) in models(cr).items():
        cr.manual_seed(0)
        model = cr.nn.parallel.DistributedDataParallel(net)
        opt = cr.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        batch = GLOBAL_BATCH // size
        rng = np.random.default_rng(rank)
        x = cr.tensor(rng.normal(size=(batch, *shape)).astype(np.float32))
        y = cr.tensor(rng.integers(0, 10, size=batch))
        times = []
        for step in range(WARMUP + STEPS):
            dist.barrier()
            tick = time.perf_counter()
            loss = cr.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            times.append(time.perf_counter() - tick)
            if step == WARMUP - 1:
                model.reducer.comm_seconds = 0.0
        flat = np.concatenate([p.grad.numpy().ravel() for p in net.parameters()])
        reduce_times = []
        for _ in range(STEPS):
            dist.barrier()
            tick = time.perf_counter()
            MPI.COMM_WORLD.Allreduce(MPI.IN_PLACE, flat, op=MPI.SUM)
            reduce_times.append(time.perf_counter() - tick)
        results[name] = dict(step=float(np.median(times[WARMUP:])), allreduce=float(np.median(reduce_times)),
                             in_backward=model.reducer.comm_seconds / STEPS, params=int(flat.size))
    if rank == 0:
        print(json.dumps(results))


def main():
    mpiexec = os.path.join(sysconfig.get_path("scripts"), "mpiexec")
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    runs = {}
    for n in (1, 2):
        out = subprocess.run([mpiexec, "-n", str(n), sys.executable, __file__, "--worker"], env=env,
                             capture_output=True, text=True, check=True).stdout
        runs[n] = json.loads(out.strip().splitlines()[-1])
    print(f"global batch {GLOBAL_BATCH}, float32, median of {STEPS} steps, 1 BLAS thread per process, "
          f"{os.cpu_count()} cores")
    print(f"{'model':6} {'params':>8} {'1 proc step':>12} {'2 procs step':>13} {'speedup':>8} "
          f"{'allreduce':>10} {'in backward':>12}")
    for name in runs[1]:
        one, two = runs[1][name], runs[2][name]
        print(f"{name:6} {one['params']:8d} {one['step'] * 1e3:10.1f}ms {two['step'] * 1e3:11.1f}ms "
              f"{one['step'] / two['step']:7.2f}x {two['allreduce'] * 1e3:8.2f}ms {two['in_backward'] * 1e3:10.2f}ms")


if __name__ == "__main__":
    worker() if "--worker" in sys.argv else main()
