"""`chainrule train`: train a classifier on real data (the bundled 8x8 digits by default) and report how it does."""
import json
import sys
import time

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

DATASETS = ("digits", "iris", "mnist", "fashion-mnist")
MODELS = ("mlp", "linear")
OPTIMIZERS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
DEFAULT_LR = {"sgd": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-3, "adagrad": 1e-2}
EXTRA = "pip install 'chainrule[train]'"


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
    p.add_argument("--data-dir", default="data", help="folder with the MNIST-format IDX files (default: ./data)")
    p.add_argument("--model", choices=MODELS, default="mlp",
                   help="mlp: Linear-ReLU layers of --hidden widths; linear: softmax regression (default: mlp)")
    p.add_argument("--hidden", type=int, nargs="*", default=[128, 64], metavar="N", help="hidden widths (default: 128 64)")
    p.add_argument("--epochs", type=_positive, default=20, help="passes over the training set (default: 20)")
    p.add_argument("--batch-size", type=_positive, default=64, help="examples per step (default: 64)")
    p.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default="sgd", help="(default: sgd, with momentum 0.9)")
    p.add_argument("--lr", type=float, help="learning rate (default: 0.1 for sgd, 1e-3 for adam)")
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                   help="learning-rate schedule over the epochs (default: cosine annealing to 0)")
    p.add_argument("--label-smoothing", type=float, default=0.1, help="cross-entropy label smoothing (default: 0.1)")
    p.add_argument("--seed", type=int, default=0, help="seed for init and shuffling (default: 0)")
    p.add_argument("--plot", metavar="PNG", help="plot the train and test loss curves to this PNG (matplotlib)")
    p.add_argument("--save", metavar="PATH", help="save the trained weights here (a safetensors file)")
    p.add_argument("--json", action="store_true", help="print the final metrics as one JSON object on the last line")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(run=run)
    return p


def _positive(text):
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


_positive.__name__ = "positive int"


# ---- data and model ------------------------------------------------------------------------------------
def load_data(args):
    """(train set, test set, number of input features, number of classes)."""
    try:
        if args.dataset == "digits":
            train_set, test_set = cr.data.load_digits(split="train"), cr.data.load_digits(split="test")
        elif args.dataset == "iris":
            train_set, test_set = cr.data.load_iris(split="train"), cr.data.load_iris(split="test")
        else:
            kind = cr.data.MNIST if args.dataset == "mnist" else cr.data.FashionMNIST
            train_set, test_set = kind(args.data_dir, train=True), kind(args.data_dir, train=False)
    except ImportError as err:
        raise UsageError(f"{err} (the datasets come with {EXTRA})") from None
    except (FileNotFoundError, ValueError) as err:
        raise UsageError(str(err).splitlines()[0]) from None
    classes = len(train_set.classes)
    train_set, test_set = standardized(train_set, test_set)
    return train_set, test_set, train_set[0][0].numel(), classes


def standardized(train_set, test_set):
    """Scale every input feature to zero mean and unit variance, with the training set's statistics."""
    x = train_set.tensors[0].numpy()
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-2  # + 1e-2: constant pixels (digits' borders) stay finite
    rescale = [cr.tensor((d.tensors[0].numpy() - mean) / std) for d in (train_set, test_set)]
    return tuple(cr.data.TensorDataset(x, d.tensors[1]) for x, d in zip(rescale, (train_set, test_set)))


def build_model(name, features, hidden, classes):
    layers, width = [nn.Flatten()], features
    for size in hidden if name == "mlp" else []:
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


# ---- the loop --------------------------------------------------------------------------------------------
def progress(loader, epoch, epochs, enabled):
    if not enabled:
        return loader
    try:
        from tqdm import tqdm
    except ImportError:
        raise UsageError(f"progress bars need tqdm: {EXTRA} (or pass --no-progress)") from None
    return tqdm(loader, desc=f"epoch {epoch}/{epochs}", leave=False, unit="batch")


def train_epoch(model, batches, optimizer, label_smoothing=0.0):
    model.train()
    total, seen = 0.0, 0
    for x, y in batches:
        loss = F.cross_entropy(model(x), y, label_smoothing=label_smoothing)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        seen += len(y)
    return total / seen


@cr.no_grad()
def evaluate(model, dataset, batch_size=1024):
    """(mean cross-entropy, accuracy) over the dataset (plain cross-entropy, no label smoothing)."""
    model.eval()
    total, correct = 0.0, 0
    for x, y in cr.data.DataLoader(dataset, batch_size=batch_size):
        logits = model(x)
        total += F.cross_entropy(logits, y, reduction="sum").item()
        correct += int((logits.argmax(dim=1) == y).sum().item())
    return total / len(dataset), correct / len(dataset)


def plot_losses(path, history):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UsageError(f"--plot needs matplotlib: {EXTRA}") from None
    epochs = range(1, len(history) + 1)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(epochs, [h["train_loss"] for h in history], label="train loss")
    ax.plot(epochs, [h["test_loss"] for h in history], label="test loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def train(args):
    cr.manual_seed(args.seed)
    train_set, test_set, features, classes = load_data(args)
    model = build_model(args.model, features, args.hidden, classes)
    optimizer = make_optimizer(args, model.parameters())
    scheduler = cr.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.epochs) if args.schedule == "cosine" else None
    loader = cr.data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    widths = "-".join(map(str, [features] + (args.hidden if args.model == "mlp" else []) + [classes]))
    print(f"chainrule train: {args.dataset} ({len(train_set)} train, {len(test_set)} test), {args.model} {widths}, "
          f"{args.optimizer} lr={optimizer.param_groups[0]['lr']}, batch {args.batch_size}, seed {args.seed}")
    started, history = time.perf_counter(), []
    for epoch in range(1, args.epochs + 1):
        tick = time.perf_counter()
        batches = progress(loader, epoch, args.epochs, not args.no_progress)
        train_loss = train_epoch(model, batches, optimizer, args.label_smoothing)
        if scheduler is not None:
            scheduler.step()
        test_loss, accuracy = evaluate(model, test_set)
        history.append(dict(train_loss=train_loss, test_loss=test_loss, test_accuracy=accuracy))
        print(f"epoch {epoch:3d}/{args.epochs}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {accuracy:6.2%}  {time.perf_counter() - tick:5.2f}s", flush=True)
    seconds = time.perf_counter() - started
    if args.plot:
        plot_losses(args.plot, history)
        print(f"loss curves plotted to {args.plot}")
    if args.save:
        cr.save(model.state_dict(), args.save)
        print(f"weights saved to {args.save}")
    final = dict(history[-1], epochs=args.epochs, seconds=round(seconds, 3), dataset=args.dataset, model=args.model)
    print(f"final: test accuracy {final['test_accuracy']:.2%}, test loss {final['test_loss']:.4f} "
          f"after {args.epochs} epochs in {seconds:.1f}s")
    if args.json:
        print(json.dumps(final))
    return 0


def run(args):
    try:
        return train(args)
    except UsageError as err:
        print(f"chainrule train: error: {err}", file=sys.stderr)
        return 2
