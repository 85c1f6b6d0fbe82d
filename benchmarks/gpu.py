"""The MLP training step and the conv workload on a GPU: chainrule on CuPy beside PyTorch-CUDA, in one run.

    python benchmarks/gpu.py                          # chainrule on 'cuda' (CuPy), torch on 'cuda'
    python benchmarks/gpu.py --device array_api_strict  # a dry run without a GPU (torch on the CPU)

The workloads are benchmarks/run.py's (an MLP 784-512-512-10 SGD step on a batch of 128, and conv2d forward
and backward on a (64, 16, 28, 28) batch), built from the same float32 data in both frameworks. Each step
ends with the device synchronised (CuPy's and torch's), so the times are the GPU's work, not its queueing.
Before timing, the first step's loss of both frameworks is compared, so a table is never printed for
computations that differ. Goal (issue 16): chainrule within 2x of PyTorch-CUDA.
"""
import argparse
import sys

from run import mlp_step, timed  # benchmarks/run.py (this folder is on the path of a script run from it)


def synchronizer(framework, device):
    """A function that waits until the device has finished the work queued so far."""
    if framework == "torch" and device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    if framework == "chainrule" and device.startswith("cuda"):
        import chainrule

        return chainrule.cuda.synchronize
    return lambda: None


def conv_step(lib, device):
    """conv2d forward and backward, as run.py's, on `device`; returns step() -> the summed output."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 16, 28, 28)).astype(np.float32)
    w = (rng.standard_normal((32, 16, 3, 3)) * 0.1).astype(np.float32)
    xt = lib.tensor(x).to(device).requires_grad_()
    wt = lib.tensor(w).to(device).requires_grad_()
    bt = lib.zeros(32).to(device).requires_grad_()

    def step():
        xt.grad = wt.grad = bt.grad = None
        out = lib.nn.functional.conv2d(xt, wt, bt, padding=1).sum()
        out.backward()
        return out

    return step


WORKLOADS = {"mlp": mlp_step, "conv": conv_step}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="chainrule's device (default cuda: CuPy)")
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()

    import chainrule as cr
    import torch

    torch_device = "cuda" if torch.cuda.is_available() else "cpu"
    if args.device.startswith("cuda") and not cr.cuda.is_available():
        sys.exit("benchmarks/gpu.py: chainrule sees no CUDA device (CuPy missing or no GPU); "
                 "use --device array_api_strict for a dry run")
    print(f"chainrule on {args.device}, torch {torch.__version__} on {torch_device}"
          + (f" ({torch.cuda.get_device_name()})" if torch_device == "cuda" else ""))
    print("| workload | chainrule ms (median / min) | torch ms (median / min) | ratio (median) |")
    print("|---|---|---|---|")
    for name, make in WORKLOADS.items():
        ours, theirs = make(cr, args.device), make(torch, torch_device)
        first_ours, first_theirs = float(ours().item()), float(theirs().item())
        if abs(first_ours - first_theirs) > 1e-3 * max(1.0, abs(first_theirs)):
            sys.exit(f"{name}: the first step differs (chainrule {first_ours}, torch {first_theirs}): no timing")
        ours_median, ours_min = timed(ours, args.repeats, warmup=3, sync=synchronizer("chainrule", args.device))
        theirs_median, theirs_min = timed(theirs, args.repeats, warmup=3, sync=synchronizer("torch", torch_device))
        print(f"| {name} | {ours_median * 1e3:.2f} / {ours_min * 1e3:.2f} | {theirs_median * 1e3:.2f} / "
              f"{theirs_min * 1e3:.2f} | {ours_median / theirs_median:.2f}x |")


if __name__ == "__main__":
    main()
