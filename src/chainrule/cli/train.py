"""`chainrule train`: train a classifier on real data (the bundled 8x8 digits by default) and report how it does.

--save PATH writes a checkpoint after every epoch (atomically: an interrupted run leaves the last one whole),
one safetensors file that `cr.load(PATH)` reads back as
    {'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'scheduler': scheduler.state_dict()
     (cosine schedule only), 'epoch': epochs done, 'rng': the global generator's state,
     'args': the training options and the data folder, 'history': [{'train_loss', 'test_loss', 'test_accuracy'} per epoch]}
Its tensors are named by path (chainrule.serialization): the weights are 'model/1.weight', 'model/1.bias', ...,
so `cr.load(PATH)['model']` is the plain state dict, and PyTorch gets it with safetensors.torch.load_file(PATH)
and the prefix 'model/' removed. --resume PATH continues such a run to --epochs, bit for bit as if it had
never stopped.

--viz DIR writes three pictures of the run into DIR (made if missing): graph.svg, the autograd graph of one
training step (cr.viz.graph, one box per layer); gradient_flow.png, every layer's gradient norm and
update/weight ratio at every step (cr.viz.GradientFlow, recorded after each optimizer step); loss.png, the
--plot figure.
"""
import argparse
import contextlib
import json
import math
import os
import sys
import time
import warnings

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.device import check as check_device

DATASETS = ("digits", "iris", "mnist", "fashion-mnist")
MODELS = ("mlp", "linear", "cnn")
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2}
EXTRA = "pip install 'chainrule[train]'"
# options that don't change the numbers; every other one is saved in a checkpoint and must match on --resume
NOT_CHECKPOINTED = ("data_dir", "plot", "viz", "save", "resume", "json", "no_progress", "threads", "device", "run")
CHECKPOINT_KEYS = ("model", "optimizer", "epoch", "rng", "args", "history")


class UsageError(Exception):
    """A problem with what the user asked for: reported as one line, exit status 2."""


def add_parser(commands):
    p = commands.add_parser(
        "train",
        help="train a classifier on real data and report test accuracy",
        description="Train a classifier with chainrule on real, offline data: a progress bar and a line per epoch "
                    "(train loss, test loss, test accuracy), the final metrics, optionally a loss plot and the weights.",
    )
    p.add_argument("--dataset", choices=DATASETS, default="digits",
                   help="digits: 8x8 handwritten digits (bundled with scikit-learn); iris; mnist, fashion-mnist: "
                        "the standard IDX files you already have, in --data-dir (default: digits)")
    p.add_argument("--data-dir", help="folder with the MNIST-format IDX files (default: ./data; mnist and "
                                       "fashion-mnist only)")
    p.add_argument("--model", choices=MODELS, default="mlp",
                   help="mlp: Linear-ReLU layers of --hidden widths; linear: softmax regression; cnn: two "
                        "conv-ReLU-max-pool blocks, then Linear-ReLU layers of --hidden widths (images only) "
                        "(default: mlp)")
    p.add_argument("--hidden", type=_width, nargs="*", default=[128, 64], metavar="N",
                   help="hidden widths, each >= 1 (default: 128 64; mlp and cnn only)")
    p.add_argument("--epochs", type=_positive, default=20, help="passes over the training set (default: 20)")
    p.add_argument("--batch-size", type=_positive, default=64, help="examples per step (default: 64)")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd", help="(default: sgd, with momentum 0.9)")
    p.add_argument("--lr", type=_learning_rate, help="learning rate, finite and > 0 (default: 0.1 for sgd, 1e-3 for adam)")
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                   help="learning-rate schedule over the epochs (default: cosine annealing to 0)")
    p.add_argument("--label-smoothing", type=_smoothing, default=0.1,
                   help="cross-entropy label smoothing, 0 <= S <= 1 (default: 0.1)")
    p.add_argument("--seed", type=_seed, default=0,
                   help="seed for init and shuffling, as torch.manual_seed takes it: an integer from -2**63 to "
                        "2**64 - 1 (default: 0)")
    p.add_argument("--plot", metavar="PNG", help="plot the loss curves and test accuracy per epoch to this image "
                   "(.png, .pdf, .svg, ...; matplotlib), checked before training starts")
    p.add_argument("--viz", metavar="DIR", help="write pictures of the run into this folder (made if missing; "
                   "matplotlib): graph.svg (the autograd graph of one training step), gradient_flow.png (each "
                   "layer's gradient norm and update size per step), loss.png (as --plot)")
    p.add_argument("--save", metavar="PATH",
                   help="save a checkpoint here after every epoch (a safetensors file: weights, optimizer state, "
                        "epoch, generator state, options); cr.load(PATH)['model'] is the model's state dict")
    p.add_argument("--resume", metavar="PATH",
                   help="continue the run saved in this checkpoint to --epochs (default: its own), with its "
                        "options (any you give must match); it keeps saving there unless --save says otherwise")
    p.add_argument("--json", action="store_true", help="print the final metrics as one JSON object on the last line")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--threads", type=_thread_count, metavar="N",
                   help="BLAS threads for the run, >= 1 (needs threadpoolctl; default: 1 when the largest weight "
                        f"matrix has under {SMALL_WEIGHTS} elements, where more threads only cost, else BLAS's own)")
    p.add_argument("--device", type=_device, default=cr.device("cpu"),
                   help="where to train: cpu (NumPy, the default), cuda (CuPy on the current GPU; pip install "
                        "'chainrule[cuda]'), array_api_strict (a CPU stand-in for testing); the model is moved there "
                        "and each batch with .to(device); checkpoints are written from the host and resume anywhere")
    p.add_argument("--distributed", action="store_true",
                   help="data-parallel training over the processes mpiexec starts (mpiexec -n N chainrule train "
                        "--distributed ...; pip install 'chainrule[mpi]'): each process trains on its shard of the "
                        "data with --batch-size examples per step (N x --batch-size per step in all), the gradients "
                        "are averaged; rank 0 alone prints, plots and saves; --resume needs the same N")
    p.set_defaults(run=run)
    defer_defaults(p)
    return p


def defer_defaults(parser):
    """Options a checkpoint fixes default to None, so --resume can tell the ones given from the ones left out;
    fill_options puts the real defaults back."""
    defaults = {dest: value for dest, value in vars(parser.parse_args([])).items() if dest not in NOT_CHECKPOINTED}
    parser.set_defaults(**dict.fromkeys(defaults), option_defaults=defaults)


def _positive(text):
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


_positive.__name__ = "positive int"

# Bad values of these options are refused while the options are parsed, before any data is loaded: one line,
# exit status 2, naming the option (argparse adds "argument --lr: ") and the values it takes.


def _number(text, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid {'int' if kind is int else 'float'} value: {text!r}") from None


def _device(text):
    try:
        return check_device(text)
    except (RuntimeError, TypeError) as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _learning_rate(text):
    value = _number(text, float)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text} is not a learning rate: it must be a finite number > 0")
    return value


def _at_least_one(what, rule):
    """An argparse type for a count that must be an integer >= 1."""
    def parse(text):
        value = _number(text, int)
        if value < 1:
            raise argparse.ArgumentTypeError(f"{text} is not a {what}: {rule} must be an integer >= 1")
        return value
    return parse


_width = _at_least_one("layer width", "each hidden width")
_thread_count = _at_least_one("thread count", "--threads")


def _smoothing(text):
    value = _number(text, float)
    if not 0 <= value <= 1:  # as torch.nn.CrossEntropyLoss; also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is out of range: label smoothing must be 0 <= S <= 1")
    return value


def _seed(text):
    value = _number(text, int)
    low, high = cr.random.SEED_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"{text} is out of range: the seed must be an integer from {low} to {high} "
                                         "(as torch.manual_seed takes it)")
    return value


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def warn_ignored(args, given):
    """Options given that the run doesn't use: one line each on stderr, and the run goes on."""
    if args.data_dir is not None and args.dataset in ("digits", "iris"):
        print(f"chainrule train: warning: --data-dir is ignored: --dataset {args.dataset} is not read from files "
              "(only mnist and fashion-mnist are)", file=sys.stderr)
    if "hidden" in given and args.model == "linear":
        print("chainrule train: warning: --hidden is ignored: --model linear has no hidden layers "
              "(mlp and cnn use them)", file=sys.stderr)


def describe(model, input_shape):
    """The layers actually built, e.g. 64-128-64-10 (an mlp) or 1x8x8-conv32-pool-conv64-pool-256-128-64-10 (the cnn):
    3x3 convolutions by their output channels, 2x2 max-pools, then the widths of the linear layers."""
    parts = ["x".join(map(str, input_shape))]
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            parts.append(f"conv{layer.out_channels}")
        elif isinstance(layer, nn.MaxPool2d):
            parts.append("pool")
        elif isinstance(layer, nn.Linear):
            if parts[-1] != str(layer.in_features):
                parts.append(str(layer.in_features))
            parts.append(str(layer.out_features))
    return "-".join(parts)


# ---- data and model ------------------------------------------------------------------------------------
def load_data(args):
    """(train set, test set, number of input features, number of classes)."""
    try:
        if args.dataset == "digits":  # the cnn takes the images as (N, 1, 8, 8), the others flat
            flat = args.model != "cnn"
            train_set, test_set = (cr.data.load_digits(split=s, flatten=flat) for s in ("train", "test"))
        elif args.dataset == "iris":
            if args.model == "cnn":
                raise UsageError("--model cnn needs images: --dataset digits, mnist or fashion-mnist, not iris")
            train_set, test_set = cr.data.load_iris(split="train"), cr.data.load_iris(split="test")
        else:
            kind = cr.data.MNIST if args.dataset == "mnist" else cr.data.FashionMNIST
            args.data_dir = os.path.abspath(args.data_dir if args.data_dir is not None else "data")  # checkpointed
            train_set, test_set = kind(args.data_dir, train=True), kind(args.data_dir, train=False)
            check_image_sizes(train_set, test_set)
    except ImportError as err:
        raise UsageError(f"{err} (the datasets come with {EXTRA})") from None
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(str(err).splitlines()[0]) from None
    classes = len(train_set.classes)
    train_set, test_set = standardized(train_set, test_set)
    return train_set, test_set, train_set[0][0].numel(), classes


def check_image_sizes(train_set, test_set):
    (height, width), (test_height, test_width) = train_set.data.shape[1:], test_set.data.shape[1:]
    if (height, width) != (test_height, test_width):
        raise UsageError(f"{test_set.images_file} holds {test_height}x{test_width} images but the training images in "
                         f"{train_set.images_file} are {height}x{width}: the train and test files must match")


def standardized(train_set, test_set):
    """Scale every input feature to zero mean and unit variance, with the training set's statistics."""
    x = train_set.tensors[0].numpy()
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-2  # + 1e-2: constant pixels (digits' borders) stay finite
    rescale = [cr.tensor((d.tensors[0].numpy() - mean) / std) for d in (train_set, test_set)]
    return tuple(cr.data.TensorDataset(x, d.tensors[1]) for x, d in zip(rescale, (train_set, test_set)))


def build_model(name, features, hidden, classes):
    if name == "cnn":
        return build_cnn(features, hidden, classes)
    layers, width = [nn.Flatten()], features
    for size in hidden if name == "mlp" else []:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def build_cnn(features, hidden, classes):
    """LeNet-style, for square one-channel images (N, 1, side, side), features = side * side:
    (3x3 conv - ReLU - 2x2 max-pool) twice, then Linear-ReLU layers of `hidden` widths."""
    side = round(features ** 0.5)
    layers = [nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten()]
    width = 64 * (side // 4) ** 2
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def make_optimizer(args, params):
    cls = getattr(cr.optim, OPTIMIZERS[args.optimizer])
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.optimizer]
    if args.optimizer == "sgd":
        return cls(params, lr=lr, momentum=0.9)
    return cls(params, lr=lr)


# ---- BLAS threads ----------------------------------------------------------------------------------------
# Below this many elements in the largest weight matrix one BLAS thread is fastest: measured on 2 cores
# (benchmarks/threads.py and a batch-64 matmul sweep), a 64x256 @ 256x256 product takes 2-4x longer with 2 threads
# than with 1 (idle or with the other core busy); at 512x512 two threads gain ~10% when idle and lose 2x when the
# other core is busy. So 1 thread up to and including 256x256 (and MNIST's 784x128), BLAS's default from 512x512.
SMALL_WEIGHTS = 512 * 512


def _threadpoolctl():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return threadpoolctl


def check_threads(args):
    """--threads needs threadpoolctl: refused, before any data is loaded, without it."""
    if args.threads is not None and _threadpoolctl() is None:
        raise UsageError(f"--threads needs threadpoolctl: {EXTRA} (or leave --threads out)")


def blas_threads(args, model):
    """The BLAS thread count for the run: --threads if given, else 1 for a model whose largest weight matrix has
    under SMALL_WEIGHTS elements, else None (BLAS's default)."""
    if args.threads is not None:
        return args.threads
    largest = max((p.numel() for p in model.parameters() if p.dim() >= 2), default=0)
    return 1 if largest < SMALL_WEIGHTS else None


def thread_limit(count):
    """A context manager limiting BLAS to `count` threads; does nothing for None or without threadpoolctl."""
    threadpoolctl = _threadpoolctl()
    if count is None or threadpoolctl is None:
        return contextlib.nullcontext()
    return threadpoolctl.threadpool_limits(count)


# ---- the loop --------------------------------------------------------------------------------------------
def progress(loader, epoch, epochs, enabled):
    if not enabled:
        return loader
    try:
        from tqdm import tqdm
    except ImportError:
        raise UsageError(f"progress bars need tqdm: {EXTRA} (or pass --no-progress)") from None
    return tqdm(loader, desc=f"epoch {epoch}/{epochs}", leave=False, unit="batch")


def train_epoch(model, batches, optimizer, label_smoothing=0.0, on_step=None, device="cpu"):
    """One pass over the batches; on_step() (if given) runs after each optimizer step. Returns the mean loss."""
    model.train()
    total, seen = 0.0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x), y, label_smoothing=label_smoothing)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if on_step is not None:
            on_step()
        total += loss.item() * len(y)
        seen += len(y)
    return total / seen


@cr.no_grad()
def evaluate(model, dataset, batch_size=1024, device="cpu"):
    """(mean cross-entropy, accuracy) over the dataset (plain cross-entropy, no label smoothing)."""
    model.eval()
    total, correct = 0.0, 0
    for x, y in cr.data.DataLoader(dataset, batch_size=batch_size):
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total += F.cross_entropy(logits, y, reduction="sum").item()
        correct += int((logits.argmax(dim=1) == y).sum().item())
    return total / len(dataset), correct / len(dataset)


def _matplotlib(option="--plot"):
    try:
        import matplotlib.figure
        import matplotlib.ticker
    except ImportError:
        raise UsageError(f"{option} needs matplotlib: {EXTRA}") from None
    return matplotlib


def check_plot(path):
    """Refuse a --plot that can't be written, before any training: matplotlib missing, a folder that doesn't exist
    or can't be written, a suffix matplotlib doesn't write."""
    matplotlib = _matplotlib()
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(set(FigureCanvasBase.get_supported_filetypes()) - {"pgf", "raw", "rgba"})  # pgf needs LaTeX
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    folder = os.path.dirname(os.path.abspath(path))
    if suffix not in formats:
        raise UsageError(f"--plot {path}: " + (f"matplotlib can't write .{suffix} files" if suffix else "no suffix")
                         + f" (use one of .{', .'.join(formats)}; e.g. loss.png)")
    if not os.path.isdir(folder):
        raise UsageError(f"--plot {path}: no folder {folder}")
    if os.path.isdir(path):
        raise UsageError(f"--plot {path}: is a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"--plot {path}: can't write in folder {folder}")
    return matplotlib


def loss_figure(history, title, label_smoothing=0.0):
    """The --plot figure, a matplotlib Figure (no pyplot): losses per epoch above, test accuracy below.
    history: the run's [{'train_loss', 'test_loss', 'test_accuracy'} per epoch]. The train loss is the mean over
    the epoch's batches of the loss trained on (with label smoothing); the test loss is plain cross-entropy."""
    matplotlib = _matplotlib()
    epochs = range(1, len(history) + 1)
    fig = matplotlib.figure.Figure(figsize=(6.4, 6), layout="constrained")
    loss_ax, accuracy_ax = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    train_label = (f"train loss (cross-entropy with label smoothing {label_smoothing:g})" if label_smoothing
                   else "train cross-entropy")
    loss_ax.plot(epochs, [h["train_loss"] for h in history], marker=".", label=train_label)
    loss_ax.plot(epochs, [h["test_loss"] for h in history], marker=".", label="test cross-entropy")
    loss_ax.set_ylabel("loss")
    loss_ax.legend()
    accuracy_ax.plot(epochs, [100 * h["test_accuracy"] for h in history], marker=".", color="C2",
                     label="test accuracy")
    accuracy_ax.set_ylabel("test accuracy (%)")
    accuracy_ax.set_xlabel("epoch")
    accuracy_ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    for ax in (loss_ax, accuracy_ax):
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return fig


def plot_losses(path, history, title, label_smoothing=0.0, option="--plot"):
    try:
        loss_figure(history, title, label_smoothing).savefig(path)
    except OSError as err:
        raise UsageError(f"{option} {path}: {err.strerror or err}") from None


# ---- --viz: pictures of the run ----------------------------------------------------------------------------
VIZ_FILES = ("graph.svg", "gradient_flow.png", "loss.png")


def check_picture_folder(folder, option):
    """Refuse a folder for pictures (--viz, viz's --out) that can't be written, before any computing
    (matplotlib missing, a file in the way, no permission); make it if missing."""
    _matplotlib(option)
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UsageError(f"{option} {folder}: is a file, not a folder")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise UsageError(f"{option} {folder}: {err.strerror or err}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {folder}: can't write in this folder")


def step_graph(model, train_set, args):
    """The picture of one training step's graph: the loss of the first batch (in order, no shuffling, so the
    run's random numbers are untouched), one box per layer (cr.viz.trace)."""
    x, y = next(iter(cr.data.DataLoader(train_set, batch_size=args.batch_size)))
    x, y = x.to(args.device), y.to(args.device)
    model.train()
    with cr.viz.trace(model) as tape:
        loss = F.cross_entropy(model(x), y, label_smoothing=args.label_smoothing)
    return cr.viz.graph(loss, tape, title=f"one training step: cross-entropy of a batch of {len(y)}")


def write_viz(folder, model, train_set, flow, history, title, args):
    paths = [os.path.join(folder, name) for name in VIZ_FILES]
    try:
        step_graph(model, train_set, args).save(paths[0])
        flow.plot(paths[1])
    except OSError as err:
        raise UsageError(f"--viz {folder}: {err.strerror or err}") from None
    plot_losses(paths[2], history, title, args.label_smoothing, option="--viz")
    return paths


# ---- checkpoints -----------------------------------------------------------------------------------------
def read_checkpoint(path):
    try:
        checkpoint = cr.load(path)
    except (OSError, ValueError) as err:
        raise UsageError(f"--resume: {str(err).splitlines()[0].removeprefix('load: ')}") from None
    missing = [key for key in CHECKPOINT_KEYS if not isinstance(checkpoint, dict) or key not in checkpoint]
    if missing:
        raise UsageError(f"--resume: {path} is not a checkpoint of chainrule train (it has no {', '.join(missing)}); "
                         "chainrule train --save writes them")
    epoch, history = checkpoint["epoch"], checkpoint["history"]
    if not (isinstance(epoch, int) and isinstance(history, list) and len(history) == epoch >= 1
            and isinstance(checkpoint["args"], dict)):
        raise UsageError(f"--resume: {path} is a damaged checkpoint (its epoch, history or args don't fit together)")
    return checkpoint


def fill_options(args, saved):
    """Options left out get their defaults, or the checkpoint's on --resume; ones given must match the checkpoint."""
    for dest, default in args.option_defaults.items():
        given = getattr(args, dest)
        if given is None:
            setattr(args, dest, saved.get(dest, default))
        elif dest in saved and given != saved[dest] and dest != "epochs":
            option = "--" + dest.replace("_", "-")
            raise UsageError(f"{option} {_shown(given)} differs from {_shown(saved[dest])} in {args.resume}: a resumed "
                             f"run keeps the options it was trained with (leave {option} out to use the checkpoint's)")
    if args.lr is None:
        args.lr = DEFAULT_LR[args.optimizer]


def _shown(value):
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def check_epochs(args, checkpoint):
    done, planned = checkpoint["epoch"], checkpoint["args"].get("epochs")
    if args.epochs < done:
        raise UsageError(f"--epochs {args.epochs}: {args.resume} already holds {plural(done, 'epoch')}")
    if args.schedule == "cosine" and args.epochs != planned:
        raise UsageError(f"--epochs {args.epochs} differs from {planned} in {args.resume}: the cosine schedule spans "
                         "all the epochs, so a resumed run keeps them (train with --schedule constant to extend runs)")


def restore(checkpoint, model, optimizer, scheduler, path):
    """Put the saved run back: weights, optimizer state, schedule and the generator that shuffles."""
    try:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(checkpoint["scheduler"])
        cr.random.default_generator.set_state(checkpoint["rng"])
    except (KeyError, TypeError, ValueError) as err:  # nn.StateDictError is a ValueError
        raise UsageError(f"--resume: {path} doesn't fit this run ({str(err).splitlines()[-1].strip()})") from None


def check_save_target(path):
    """--save may replace a checkpoint of chainrule train, never another file: refused before any training."""
    if os.path.isdir(path):
        raise UsageError(f"--save {path}: the path is a folder; give a file path")
    if not os.path.exists(path):
        return
    try:
        checkpoint = cr.load(path)
        ok = isinstance(checkpoint, dict) and all(key in checkpoint for key in CHECKPOINT_KEYS)
    except (OSError, ValueError):
        ok = False
    if not ok:
        raise UsageError(f"--save {path}: the file exists and is not a checkpoint of chainrule train; refusing to "
                         "overwrite it (choose another path, or move the file away)")


def data_dir(args):
    """The folder the data was read from (absolute), kept in the checkpoint so --resume needs no --data-dir."""
    return args.data_dir if args.dataset in ("mnist", "fashion-mnist") else None


def save_checkpoint(path, model, optimizer, scheduler, args, history):
    if isinstance(model, nn.parallel.DistributedDataParallel):  # --distributed: the same keys as a plain run
        model = model.module
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
    if scheduler is not None:
        checkpoint["scheduler"] = scheduler.state_dict()
    checkpoint.update(epoch=len(history), rng=cr.random.default_generator.get_state(),
                      args={**{dest: getattr(args, dest) for dest in args.option_defaults}, "data_dir": data_dir(args),
                            "world_size": getattr(args, "world_size", 1)},
                      history=history)
    try:
        cr.save(checkpoint, path)
    except OSError as err:
        raise UsageError(f"--save {path}: {err.strerror or err}") from None


# ---- --distributed: data-parallel training over MPI processes ---------------------------------------------
def launched_processes():
    """How many processes mpiexec started (MPICH's PMI_SIZE, Open MPI's OMPI_COMM_WORLD_SIZE); 1 without it."""
    for name in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE"):
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 1


def start_distributed(args, checkpoint):
    """Set args.rank and args.world_size; with --distributed, join the MPI processes first. Ranks other than 0
    print nothing on stdout (errors still go to stderr) and show no progress bars."""
    args.rank, args.world_size, args.stdout = 0, 1, None
    if not args.distributed and launched_processes() > 1:
        raise UsageError(f"started by mpiexec as {launched_processes()} processes, but without --distributed each "
                         "would train alone and write the same files: add --distributed")
    if args.distributed:
        if not cr.distributed.is_available():
            raise UsageError("--distributed needs mpi4py and an MPI library: pip install 'chainrule[mpi]'")
        if not cr.distributed.is_initialized():
            cr.distributed.init_process_group("mpi")
        args.rank, args.world_size = cr.distributed.get_rank(), cr.distributed.get_world_size()
        args.device = process_device(args.device, args.rank)
    saved = checkpoint["args"].get("world_size", 1) if checkpoint else args.world_size
    if saved != args.world_size:
        raise UsageError(f"--resume: {args.resume} was trained by {saved} process(es) and this run has "
                         f"{args.world_size}: resume it with the same number (mpiexec -n {saved} chainrule train "
                         f"--resume {args.resume})")
    if args.rank != 0:
        args.no_progress, args.stdout, sys.stdout = True, sys.stdout, open(os.devnull, "w")


def process_device(device, rank):
    """--distributed --device cuda on a machine with several GPUs: process `rank` takes GPU rank % count (one GPU
    per process: chainrule computes on the current one)."""
    if device.type != "cuda" or cr.cuda.device_count() < 2:
        return device
    cr.cuda.set_device(rank % cr.cuda.device_count())
    return cr.device("cuda", cr.cuda.current_device())


def stop_distributed(args):
    if getattr(args, "stdout", None) is not None:
        sys.stdout.close()
        sys.stdout, args.stdout = args.stdout, None
    if getattr(args, "distributed", False) and cr.distributed.is_initialized():
        cr.distributed.destroy_process_group()


def make_loader(train_set, args):
    """Shuffled batches; --distributed: this rank's shard (DistributedSampler, reshuffled each epoch from
    the seed and the epoch number, so every process and a resumed run draw the same order)."""
    if not args.distributed:
        return cr.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    sampler = cr.data.DistributedSampler(train_set, seed=args.seed % 2**63)
    return cr.data.DataLoader(train_set, batch_size=args.batch_size, sampler=sampler)


def data_parallel(model, args):
    """The model backward() averages the gradients of (DistributedDataParallel), or the model itself."""
    return nn.parallel.DistributedDataParallel(model) if args.distributed else model


def mean_over_processes(value, args):
    if not args.distributed:
        return value
    total = cr.tensor([value], dtype=cr.float64)
    cr.distributed.all_reduce(total, op=cr.distributed.ReduceOp.AVG)
    return total.item()


# ---- the run ---------------------------------------------------------------------------------------------
def fit(model, optimizer, scheduler, loader, test_set, args, history, flow=None):
    """Train from the epoch after the last one in history to args.epochs, saving a checkpoint after each;
    flow (a GradientFlow, --viz) records after every optimizer step."""
    recording = {} if flow is None else {"on_step": flow.step}
    for epoch in range(len(history) + 1, args.epochs + 1):
        tick = time.perf_counter()
        if args.distributed:
            loader.sampler.set_epoch(epoch)
        batches = progress(loader, epoch, args.epochs, not args.no_progress)
        train_loss = train_epoch(model, batches, optimizer, args.label_smoothing, device=args.device, **recording)
        train_loss = mean_over_processes(train_loss, args)
        if scheduler is not None:
            scheduler.step()
        test_loss, accuracy = evaluate(model, test_set, device=args.device)
        history.append(dict(train_loss=train_loss, test_loss=test_loss, test_accuracy=accuracy))
        if args.save and args.rank == 0:
            save_checkpoint(args.save, model, optimizer, scheduler, args, history)
        print(f"epoch {epoch:3d}/{args.epochs}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {accuracy:6.2%}  {time.perf_counter() - tick:5.2f}s", flush=True)


def train(args):
    check_threads(args)
    if args.plot:
        check_plot(args.plot)  # before any data is loaded or epoch run
    if args.viz:
        check_picture_folder(args.viz, "--viz")
    checkpoint = read_checkpoint(args.resume) if args.resume else None
    given = {dest for dest in args.option_defaults if getattr(args, dest) is not None}
    fill_options(args, checkpoint["args"] if checkpoint else {})
    if checkpoint:
        check_epochs(args, checkpoint)
        args.save = args.save or args.resume
    start_distributed(args, checkpoint)  # --distributed: join the MPI processes (world size 1 without)
    warn_ignored(args, given)
    if checkpoint and args.data_dir is None:  # an explicit --data-dir overrides the stored one (data that moved)
        args.data_dir = checkpoint["args"].get("data_dir")
    if args.save:
        check_save_target(args.save)
    cr.manual_seed(args.seed)  # a negative seed as torch.manual_seed takes it: its 64-bit two's complement
    train_set, test_set, features, classes = load_data(args)
    model = build_model(args.model, features, args.hidden, classes).to(args.device)  # built on the CPU, as a seed gives it
    optimizer = make_optimizer(args, model.parameters())
    scheduler = cr.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs) if args.schedule == "cosine" else None
    loader = make_loader(train_set, args)
    layers = describe(model, train_set[0][0].shape if args.model == "cnn" else [features])
    print(f"chainrule train: {args.dataset} ({len(train_set)} train, {len(test_set)} test), {args.model} {layers}, "
          f"{args.optimizer} lr={optimizer.param_groups[0]['lr']}, batch {args.batch_size}, seed {args.seed}")
    if args.distributed:
        print(f"distributed: {args.world_size} processes (MPI), batch {args.batch_size} each, "
              f"{args.world_size * args.batch_size} per step")
    history = []
    if checkpoint:
        restore(checkpoint, model, optimizer, scheduler, args.resume)
        history = list(checkpoint["history"])
        print(f"resumed from {args.resume} after epoch {len(history)}")
    started, resumed_at = time.perf_counter(), len(history)
    flow = cr.viz.GradientFlow(model) if args.viz else None
    try:
        with thread_limit(blas_threads(args, model)), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", cr.viz.GradientWarning)  # each layer warns once; shown as lines below
            fit(data_parallel(model, args), optimizer, scheduler, loader, test_set, args, history, flow)
    except KeyboardInterrupt:
        newest = args.save if args.save and len(history) > resumed_at else args.resume
        advice = f"; continue with: chainrule train --resume {newest}" if newest else ""
        print(f"chainrule train: interrupted after {len(history)} of "
              f"{plural(args.epochs, 'epoch')}{advice}", file=sys.stderr)
        return 130
    seconds = time.perf_counter() - started
    for warning in caught:
        print(f"chainrule train: warning: {warning.message}", file=sys.stderr)
    if args.plot and args.rank == 0:
        plot_losses(args.plot, history, f"{args.model} {layers} on {args.dataset}", args.label_smoothing)
        print(f"loss curves plotted to {args.plot}")
    if args.viz and args.rank == 0:
        write_viz(args.viz, model, train_set, flow, history, f"{args.model} {layers} on {args.dataset}", args)
        print(f"pictures of the run written to {args.viz}: {', '.join(VIZ_FILES)}")
    if args.save:
        print(f"checkpoint saved to {args.save} (weights, optimizer and progress after epoch {len(history)})")
    percent = round(100 * history[-1]["test_accuracy"], 2)
    final = dict(history[-1], test_accuracy_percent=percent, epochs=args.epochs, seconds=round(seconds, 3), dataset=args.dataset, model=args.model)
    print(f"final: test accuracy {final['test_accuracy']:.2%}, test loss {final['test_loss']:.4f} "
          f"after {plural(args.epochs, 'epoch')} in {seconds:.1f}s")
    if args.json:
        print(json.dumps(final))
    return 0


def run_reporting_usage_errors(command, function, args):
    """function(args), with a UsageError shown as `chainrule <command>: error: ...` on stderr and exit status 2."""
    try:
        return function(args)
    except UsageError as err:
        print(f"chainrule {command}: error: {err}", file=sys.stderr)
        return 2


def run(args):
    try:
        return run_reporting_usage_errors("train", train, args)
    finally:
        stop_distributed(args)
