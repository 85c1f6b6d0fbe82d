"""One LSTM training step (forward, backward, SGD step) in chainrule and in PyTorch, same threads, same sizes.

    python benchmarks/lstm_step.py [--batch 32] [--seq 64] [--size 256] [--threads 1] [--repeats 7]

Rows: chainrule's nn.LSTM (input gates for the whole sequence in one matmul, then one fused op per step);
the same LSTM composed from chainrule's generic ops (linear, sigmoid, tanh, slicing per step: what nn.LSTM
would cost without ops/rnn.py); PyTorch's nn.LSTM. float32, 1 layer, loss = mse to a fixed target.
Prints a Markdown table of the median and min over --repeats steps (after 2 warm-up steps), the frameworks
taking turns round by round.
"""
import argparse
import platform
import statistics

from run import set_threads, take_turns  # benchmarks/run.py (this folder is on the path of a script run from it)


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--size", type=int, default=256, help="input_size = hidden_size")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    return p.parse_args(argv)


def chainrule_step(args, composed=False):
    import numpy as np

    import chainrule as cr

    cr.manual_seed(0)
    lstm = cr.nn.LSTM(args.size, args.size)
    optimizer = cr.optim.SGD(lstm.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.normal(size=(args.seq, args.batch, args.size)).astype(np.float32))
    target = cr.tensor(rng.normal(size=(args.seq, args.batch, args.size)).astype(np.float32))
    forward = (lambda: composed_lstm(cr, lstm, x)) if composed else (lambda: lstm(x)[0])

    def step():
        optimizer.zero_grad()
        loss = cr.nn.functional.mse_loss(forward(), target)
        loss.backward()
        optimizer.step()

    return step


def composed_lstm(cr, lstm, x):
    """The LSTM written with generic ops only: per step a linear, four gate slices, sigmoid/tanh, mul, add."""
    hidden = lstm.hidden_size
    h = c = cr.zeros(x.shape[1], hidden)
    outputs = []
    for t in range(x.shape[0]):
        gates = cr.nn.functional.linear(x[t], lstm.weight_ih_l0, lstm.bias_ih_l0) + cr.nn.functional.linear(
            h, lstm.weight_hh_l0, lstm.bias_hh_l0)
        i, f = gates[:, :hidden].sigmoid(), gates[:, hidden:2 * hidden].sigmoid()
        g, o = gates[:, 2 * hidden:3 * hidden].tanh(), gates[:, 3 * hidden:].sigmoid()
        c = f * c + i * g
        h = o * c.tanh()
        outputs.append(h)
    return cr.stack(outputs)


def torch_step(args):
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(args.size, args.size)
    optimizer = torch.optim.SGD(lstm.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(args.seq, args.batch, args.size)).astype(np.float32))
    target = torch.tensor(rng.normal(size=(args.seq, args.batch, args.size)).astype(np.float32))

    def step():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(lstm(x)[0], target)
        loss.backward()
        optimizer.step()

    return step


def main(argv=None):
    args = parse(argv)
    set_threads(args.threads)  # before NumPy and torch load
    steps = {
        "chainrule nn.LSTM (fused steps)": chainrule_step(args),
        "chainrule, composed generic ops": chainrule_step(args, composed=True),
        "PyTorch nn.LSTM": torch_step(args),
    }
    times = take_turns(steps, args.repeats)
    reference = statistics.median(times["PyTorch nn.LSTM"])
    print(f"LSTM training step: batch {args.batch}, seq {args.seq}, input = hidden = {args.size}, 1 layer, "
          f"float32, {args.threads} thread(s), {platform.processor() or platform.machine()}, "
          f"median of {args.repeats}\n")
    print("| implementation | median ms | min ms | / PyTorch |")
    print("|---|---:|---:|---:|")
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"| {name} | {median * 1e3:.1f} | {min(ts) * 1e3:.1f} | {median / reference:.2f}x |")


if __name__ == "__main__":
    main()
