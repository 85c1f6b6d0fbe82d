"""One training step of examples/char_gpt.py's GPT (zero_grad, forward, backward, AdamW step) in chainrule and
in PyTorch: the same model code (char_gpt.define_model, given either library), the same sizes, the same batch,
the same threads.

    python benchmarks/gpt_step.py [--threads 1] [--repeats 7] [char_gpt options, e.g. --n-layer 4 --n-embd 128]

Rows: each library with the attention written out (q @ k^T, masked_fill, softmax, @ v), with
F.scaled_dot_product_attention (--flash), and with the exact GELU (erf) instead of GPT-2's tanh form.
float32, the example's default sizes unless told otherwise. Prints a Markdown table of the median and min
over --repeats steps after 2 warm-up steps, the rows taking turns round by round.
"""
import argparse
import importlib
import os
import platform
import statistics
import sys

from run import set_threads, take_turns  # benchmarks/run.py (this folder is on the path of a script run from it)

EXAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples")
VARIANTS = {"": [], ", F.scaled_dot_product_attention": ["--flash"], ", exact GELU (erf)": ["--gelu", "none"]}


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    return p.parse_known_args(argv)


def make_step(char_gpt, lib, gpt_argv, vocab_size, batch):
    """A function doing one training step of the example's model in `lib`, always on the same batch."""
    args = char_gpt.parse(gpt_argv)
    lib.manual_seed(0)
    model = char_gpt.build(args, lib, vocab_size)
    optimizer = model.configure_optimizers(args.weight_decay, args.lr, (0.9, 0.99))
    x, y = lib.from_numpy(batch[0]), lib.from_numpy(batch[1])

    def step():
        optimizer.zero_grad(set_to_none=True)
        _, loss = model(x, y)
        loss.backward()
        optimizer.step()

    return step


def main(argv=None):
    bench, gpt_argv = parse(argv)
    set_threads(bench.threads)  # before NumPy and torch load
    import numpy as np
    import torch

    import chainrule

    torch.set_num_threads(bench.threads)
    sys.path.insert(0, EXAMPLES)
    char_gpt = importlib.import_module("char_gpt")
    args = char_gpt.parse(gpt_argv)
    data = char_gpt.CharData(char_gpt.load_text())
    x, y = char_gpt.get_batch(data.train, args.block_size, args.batch_size, np.random.default_rng(0), chainrule)
    batch = (x.numpy(), y.numpy())
    steps = {f"{lib.__name__}{label}": make_step(char_gpt, lib, gpt_argv + extra, data.vocab_size, batch)
             for label, extra in VARIANTS.items() for lib in (chainrule, torch)}
    times = take_turns(steps, bench.repeats)
    print(f"char_gpt training step: n_layer {args.n_layer}, n_head {args.n_head}, n_embd {args.n_embd}, "
          f"block_size {args.block_size}, batch {args.batch_size}, vocabulary {data.vocab_size}, float32, "
          f"{bench.threads} thread(s), {platform.processor() or platform.machine()}, median of {bench.repeats}\n")
    print("| library | median ms | min ms | / PyTorch |")
    print("|---|---:|---:|---:|")
    for label in VARIANTS:
        reference = statistics.median(times[f"torch{label}"])
        for lib in ("chainrule", "torch"):
            ts = times[f"{lib}{label}"]
            median = statistics.median(ts)
            print(f"| {lib}{label} | {median * 1e3:.1f} | {min(ts) * 1e3:.1f} | {median / reference:.2f}x |")


if __name__ == "__main__":
    main()
