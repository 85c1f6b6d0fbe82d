"""`chainrule viz`: the vanishing gradient, measured. Seed 2's deep sigmoid net and the same net with ReLU
hidden layers (the same weights, the same sigmoid output), one backward pass each on seed 2's batch, and the
gradient norm of every layer side by side (cr.viz.GradientFlow). --out DIR also plots them."""
import os
import pathlib
import warnings

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

from ..viz.flow import GradientFlow
from .train import _at_least_one, _seed, check_picture_folder, run_reporting_usage_errors

INITS = {
    "seed2": "weights N(0, 0.01^2), zero biases (seed 2's)",
    "pytorch": "nn.Linear's default init (uniform, +-1/sqrt(fan_in))",
    "kaiming": "weights N(0, 2/fan_in) (Kaiming, for ReLU), zero biases",
}
ACTIVATIONS = ("sigmoid", "relu")


def add_parser(commands):
    p = commands.add_parser(
        "viz",
        help="measure the vanishing gradient: per-layer gradient norms of a deep sigmoid net and its ReLU twin",
        description="Seed 2's deep sigmoid network beside the same network with ReLU hidden layers: one backward "
                    "pass each, and every layer's gradient norm side by side. --out DIR also plots them.",
    )
    p.add_argument("--depth", type=_depth, default=10, metavar="N", help="hidden layers, >= 1 (default: 10)")
    p.add_argument("--width", type=_width, default=32, metavar="N", help="units per hidden layer, >= 1 (default: 32)")
    p.add_argument("--init", choices=sorted(INITS), default="seed2",
                   help="seed2: weights N(0, 0.01^2) as seed 2; pytorch: nn.Linear's default; kaiming: "
                        "N(0, 2/fan_in), ReLU's (default: seed2)")
    p.add_argument("--seed", type=_seed, default=0, help="seed for the weights and the batch (default: 0)")
    p.add_argument("--out", metavar="DIR", help="write the plot gradient_flow.png into this folder (made if missing; "
                   "matplotlib)")
    p.set_defaults(run=run)
    return p


_depth = _at_least_one("depth", "--depth")
_width = _at_least_one("width", "--width")


# ---- the two nets ----------------------------------------------------------------------------------------
def build(depth=10, width=32, init="seed2", seed=0):
    """({'sigmoid': model, 'relu': model}, x, y): seed 2's net with `depth` hidden layers and the same net with
    ReLU in place of each hidden Sigmoid (the output keeps its sigmoid); the two share their initial weights."""
    sigmoid, x, y = cr.manual.seed2_network(hidden_depth=depth, width=width, seed=seed)
    if init != "seed2":
        cr.manual_seed(seed)
        for layer in sigmoid:
            if isinstance(layer, nn.Linear):
                reinit(layer, init)
    last = len(sigmoid) - 1
    relu = nn.Sequential(*[nn.ReLU() if isinstance(m, nn.Sigmoid) and i != last else copy_linear(m)
                           for i, m in enumerate(sigmoid)])
    return {"sigmoid": sigmoid, "relu": relu}, x, y


def reinit(layer, init):
    if init == "pytorch":
        layer.reset_parameters()
    else:
        nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        nn.init.zeros_(layer.bias)


def copy_linear(module):
    if not isinstance(module, nn.Linear):
        return module
    twin = nn.Linear(module.in_features, module.out_features, dtype=module.weight.dtype)
    twin.load_state_dict(module.state_dict())
    return twin


def gradient_norms(model, x, y):
    """One backward pass of seed 2's loss, 1/2 MSE: the GradientFlow record ({layer: Norms}) and the layers it
    flags as vanishing."""
    flow = GradientFlow(model)
    (0.5 * F.mse_loss(model(x), y)).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the table shows them
        record = flow.step()
    return record, [event.layer for event in flow.events if event.kind == "vanishing"]


def measure(depth=10, width=32, init="seed2", seed=0):
    """{'sigmoid': [per-layer gradient norm, input side first], 'relu': [...]} and the flagged layers
    {'sigmoid': [layer numbers from 1], 'relu': [...]}."""
    models, x, y = build(depth, width, init, seed)
    norms, flagged = {}, {}
    for name, model in models.items():
        record, vanishing = gradient_norms(model, x, y)
        layers = list(record)
        norms[name] = [record[layer].grad for layer in layers]
        flagged[name] = [layers.index(layer) + 1 for layer in vanishing]
    return norms, flagged


# ---- printing and plotting -------------------------------------------------------------------------------
def table(norms, flagged, sizes):
    lines = [f"{'layer':>5}  {'shape':>7}  " + "  ".join(f"{name:>10}" for name in ACTIVATIONS)]
    for i, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
        lines.append(f"{i + 1:>5}  {f'{fan_in}->{fan_out}':>7}  "
                     + "  ".join(f"{norms[name][i]:>10.4e}" for name in ACTIVATIONS))
    lines.append("first / last layer:  " + ", ".join(f"{name} {norms[name][0] / norms[name][-1]:.2e}"
                                                      for name in ACTIVATIONS))
    lines.append("vanishing by GradientFlow's rule (norm < 1e-7, or < 1e-5 x the largest layer's): "
                 + ", ".join(f"{name} {_layers(flagged[name])}" for name in ACTIVATIONS))
    return "\n".join(lines)


def _layers(numbers):
    if not numbers:
        return "none"
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1:
        return f"layers {numbers[0]}-{numbers[-1]}"
    return ("layer " if len(numbers) == 1 else "layers ") + ", ".join(map(str, numbers))


def figure(panels):
    """A matplotlib Figure: per panel (title, norms as measure() gives them), the gradient norm of each layer
    (log scale), one line per activation."""
    import matplotlib.figure
    import matplotlib.ticker

    fig = matplotlib.figure.Figure(figsize=(5.2 * len(panels), 4), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, norms) in zip(axes, panels):
        for name in ACTIVATIONS:
            ax.plot(range(1, len(norms[name]) + 1), norms[name], marker="o", label=f"{name} hidden layers")
        ax.set_yscale("log")
        ax.set_xlabel("layer (1 = nearest the input)")
        ax.set_ylabel("gradient norm ||dL/dW, dL/db||")
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_title(title, fontsize="medium")
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


class Picture:
    """A Figure with docs/make_pictures.py's interface: .save(path) writes it and returns the path."""

    def __init__(self, figure):
        self.figure = figure

    def save(self, path):
        self.figure.savefig(path, dpi=80)
        return pathlib.Path(path)


def picture(depth=10, width=32):
    """docs/images/gradient_flow.png: the per-layer norms with seed 2's init and with Kaiming's, side by side."""
    titles = {"seed2": "seed 2's init: weights N(0, 0.01^2)", "kaiming": "Kaiming init: weights N(0, 2/fan_in)"}
    fig = figure([(title, measure(depth, width, init)[0]) for init, title in titles.items()])
    fig.suptitle(f"gradient norm per layer, depth-{depth} net, sigmoid vs ReLU hidden layers (chainrule viz)")
    return Picture(fig)


def delta_picture(depth=5, steps=300, lr=2.0):
    """docs/images/delta_table.png: seed 2's net trained by the delta rule (cr.manual.Network, SGD): each
    layer's ||dW|| at every step (cr.manual.LayerTable). Training does not lift the first layers' gradients."""
    model, x, y = cr.manual.seed2_network(hidden_depth=depth)
    net = cr.manual.Network.from_sequential(model, loss="half_mse")
    table = cr.manual.LayerTable(net, quantities=("dW",))
    for _ in range(steps):
        net.train_step(x.numpy(), y.numpy(), lr=lr)
        table.record()
    fig = table.plot("dW", "norm")
    fig.suptitle(f"seed 2's net ({depth} sigmoid hidden layers) trained by the delta rule, SGD lr {lr:g}")
    return Picture(fig)


def viz(args):
    if args.out:
        check_picture_folder(args.out, "--out")  # before any computing
    sizes = [10] + [args.width] * args.depth + [2]
    norms, flagged = measure(args.depth, args.width, args.init, args.seed)
    print(f"chainrule viz: seed 2's net (10 inputs, {args.depth} hidden layers of {args.width}, 2 sigmoid outputs), "
          f"{INITS[args.init]}, seed {args.seed}; loss 1/2 MSE on a batch of 4")
    print("gradient norm per layer, ||dL/dW, dL/db|| (weight and bias together), hidden layers sigmoid or relu:")
    print(table(norms, flagged, sizes))
    if args.out:
        path = os.path.join(args.out, "gradient_flow.png")
        title = f"depth {args.depth}, width {args.width}, init {args.init}"
        figure([(title, norms)]).savefig(path)
        print(f"plot written to {path}")
    return 0


def run(args):
    return run_reporting_usage_errors("viz", viz, args)
