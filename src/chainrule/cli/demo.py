"""`chainrule demo`: each seed notebook's worked example, computed by chainrule — by autograd and, where the
notebook does it by hand, by the delta rule or numerical differences — with PyTorch's numbers beside them when
torch is installed. Exits 1 if any two disagree."""
import math

import numpy as np

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import manual, nn


def add_parser(commands):
    p = commands.add_parser(
        "demo",
        help="run the five seed notebooks' worked examples and check them against PyTorch",
        description="Run each seed notebook's worked example with chainrule, print its numbers (and PyTorch's, "
                    "when torch is installed) and exit non-zero on any disagreement.",
    )
    p.add_argument("--no-torch", action="store_true", help="don't compare with PyTorch even if it is installed")
    p.set_defaults(run=run)
    return p


class Checks:
    """Prints each comparison and remembers the ones that failed."""

    def __init__(self):
        self.failures = []

    def agree(self, label, ours, theirs, rtol=1e-9, atol=0.0):
        ours, theirs = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
        ok = ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=rtol, atol=atol)
        worst = float(np.max(np.abs(ours - theirs))) if ours.shape == theirs.shape and ours.size else math.nan
        print(f"    {label}: {'agree' if ok else 'DISAGREE'} (largest difference {worst:.2e})")
        if not ok:
            self.failures.append(label)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# ---- seed 0: one SGD step of a small net, by hand and by autograd --------------------------------------
SEED0 = (
    ("example 1, sigma(x) = x", [[[1, -2], [2, 4], [-3, 1]], [[1, 2, -3], [2, -1, 3]]], [[1, 2, 3], [2, 1]], False),
    ("example 2, sigma(x) = x**2", [[[1, -2], [1, 1]], [[1, -1], [2, -1]]], [[0, 0], [0, 0]], True),
)


class Square(nn.Module):
    """Seed 0's custom activation, sigma(x) = x**2, as any user would write it."""

    def forward(self, x):
        return x**2


def seed0_autograd(lib, weights, biases, square):
    """One SGD step (lr 0.01, MSE) with lib's nn and optim; returns the updated weights and biases."""
    layers = []
    for w, b in zip(weights, biases):
        linear = lib.nn.Linear(len(w[0]), len(w)).double()
        with lib.no_grad():
            linear.weight.copy_(lib.tensor(w, dtype=lib.float64))
            linear.bias.copy_(lib.tensor(b, dtype=lib.float64))
        layers += [linear, _square_module(lib)()] if square else [linear]
    model = lib.nn.Sequential(*layers)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01)
    loss = lib.nn.MSELoss()(model(lib.tensor([1.0, 1.0], dtype=lib.float64)), lib.tensor([2.0, 3.0], dtype=lib.float64))
    loss.backward()
    optimizer.step()
    linears = [m for m in model if isinstance(m, lib.nn.Linear)]
    return [m.weight.detach().numpy().ravel() for m in linears] + [m.bias.detach().numpy() for m in linears]


def _square_module(lib):
    if lib is cr:
        return Square

    class TorchSquare(lib.nn.Module):
        def forward(self, x):
            return x**2

    return TorchSquare


def seed0(checks, torch):
    print("seed 0: one SGD step (lr 0.01, MSE) on x = [1, 1], t = [2, 3]; the notebook prints these weights")
    for title, weights, biases, square in SEED0:
        net = manual.Network(weights, biases, activation="square" if square else "identity", loss="mse")
        net.train_step([1, 1], [2, 3], lr=0.01)
        print(f"  {title} - delta rule (cr.manual):")
        for row in manual.format_weights(net):
            print(f"    {row}")
        by_hand = [layer.W.ravel() for layer in net.layers] + [layer.b for layer in net.layers]
        by_autograd = seed0_autograd(cr, weights, biases, square)
        checks.agree("delta rule vs chainrule autograd", np.concatenate(by_hand), np.concatenate(by_autograd), 1e-12, 1e-12)
        if torch is not None:
            theirs = seed0_autograd(torch, weights, biases, square)
            checks.agree("chainrule vs PyTorch", np.concatenate(by_autograd), np.concatenate(theirs), 1e-12, 1e-12)


# ---- seed 1: Linear(4, 3) + softmax cross-entropy on six 2x2 images, from the fused gradient p - y --------
def seed1_train(lib, images, onehot, w0, steps=100, lr=1e-4):
    """The notebook's loop: W -= lr * dL/dW with L the summed cross-entropy. Returns the mean losses and W."""
    x = lib.tensor(images.reshape(6, 4), dtype=lib.float64)
    y = lib.tensor(onehot, dtype=lib.float64)
    w = lib.tensor(w0, dtype=lib.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = lib.nn.functional.cross_entropy(x @ w.T, y, reduction="sum")
        loss.backward()
        with lib.no_grad():
            w -= lr * w.grad
        w.grad = None
        losses.append(loss.item() / 6)
    return np.array(losses), w.detach().numpy()


def seed1(checks, torch):
    print("seed 1: Linear(4, 3) + softmax + cross-entropy on the six 2x2 cat/dog/ship images (lr 1e-4, 100 steps)")
    data = cr.data.seed_images()
    images, labels = data.tensors[0].numpy().astype(np.float64), data.tensors[1].numpy()
    onehot = np.eye(3)[labels]
    w0 = np.random.default_rng(0).random((3, 4))  # the notebook's np.random.rand(3, 4), seeded
    x = cr.tensor(images.reshape(6, 4))
    w = cr.tensor(w0, requires_grad=True)
    F.cross_entropy(x @ w.T, cr.tensor(onehot), reduction="sum").backward()
    p = cr.softmax(x @ cr.tensor(w0).T, dim=1).numpy()
    checks.agree("autograd dL/dW vs the fused gradient (p - y)^T x", w.grad.numpy(), (p - onehot).T @ images.reshape(6, 4))
    losses, w_final = seed1_train(cr, images, onehot, w0)
    for step in (1, 2, 5, 10, 20, 50, 100):
        print(f"    iteration {step:3d}: loss {losses[step - 1]:.6f}")
    predicted = (images.reshape(6, 4) @ w_final.T).argmax(axis=1)
    names = [data.classes[i] for i in predicted]
    print(f"    predictions after training: {names}")
    checks.agree("the six images are learned (predicted == labels)", predicted, labels, 0, 0)
    if torch is not None:
        torch_losses, _ = seed1_train(torch, images, onehot, w0)
        checks.agree("chainrule vs PyTorch, loss at every iteration", losses, torch_losses, 1e-9)


# ---- seed 2: numerical vs backprop gradients of a deep sigmoid net -------------------------------------
def seed2(checks, torch):
    print("seed 2: the deep sigmoid net (10 inputs, 5 hidden layers of 32, 2 outputs), 1/2-mean MSE")
    model, x, y = manual.seed2_network(hidden_depth=5)
    table = manual.compare(model, x, y, loss="half_mse", eps=1e-4)  # the notebook's epsilon
    print("\n".join("    " + line for line in str(table).splitlines()))
    rows = table.rows
    worst = max(max(r.numerical_vs_delta_abs, r.numerical_vs_autodiff_abs) for r in rows)
    checks.agree("numerical vs backprop (largest absolute difference below 1e-9)", worst, 0.0, 0, 1e-9)
    checks.agree("delta rule vs autograd", max(r.delta_vs_autodiff_rel for r in rows), 0.0, 0, 1e-12)
    optimizer = cr.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(100):
        optimizer.zero_grad()
        loss = 0.5 * F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"    training 100 steps (SGD, lr 0.01): loss {losses[0]:.6f} -> {losses[-1]:.6f}")
    checks.agree("training reduces the loss", float(losses[-1] < losses[0]), 1.0, 0, 0)


# ---- seed 3: a saturated softmax, gradients of about 1e-19 ---------------------------------------------
SEED3 = dict(x=[4.0, 1.0], label=[0.0, 1.0], w0=[[1.0, -2.0], [2.0, 5.0]], w1=[[3.0, -3.0], [-1.0, 1.0]])


def seed3_autograd(lib, fused=True):
    """W_0 and W_1's gradients in float32. fused: cross_entropy on the logits; else the notebook's
    softmax, then -sum(label * log(s)) (what PyTorch differentiates exactly there)."""
    x = lib.tensor(SEED3["x"])
    w0 = lib.tensor(SEED3["w0"], requires_grad=True)
    w1 = lib.tensor(SEED3["w1"], requires_grad=True)
    logits = w1 @ lib.relu(w0 @ x)  # [-33, 11]
    label = lib.tensor(SEED3["label"])
    if fused:
        loss = lib.nn.functional.cross_entropy(logits.unsqueeze(0), label.unsqueeze(0))
    else:
        numerator = lib.exp(logits - logits.max())
        loss = -(label * lib.log(numerator / numerator.sum())).sum()
    loss.backward()
    return w0.grad.numpy(), w1.grad.numpy()


def _one_line(array):
    return " ".join(np.array2string(array, precision=4, separator=", ").split())


def seed3(checks, torch):
    print("seed 3: ReLU net with logits [-33, 11]: softmax saturates, the gradients are about 1e-19 (float32)")
    net = manual.Network([SEED3["w0"], SEED3["w1"]], None, activation="relu", output_activation="identity",
                         loss="cross_entropy")
    net.forward(np.array(SEED3["x"], dtype=np.float32))
    net.backward(np.array(SEED3["label"], dtype=np.float32))
    ours = seed3_autograd(cr)
    for name, by_hand, auto in (("W_0", net.layers[0].dW, ours[0]), ("W_1", net.layers[1].dW, ours[1])):
        print(f"    {name}.grad by hand:  {_one_line(by_hand)}")
        print(f"    {name}.grad autograd: {_one_line(auto)}")
        checks.agree(f"{name}: delta rule vs autograd", by_hand, auto, 1e-6)
    print("    (the notebook prints half of these: its loss takes a mean over a stray axis of length 2)")
    if torch is not None:
        theirs = seed3_autograd(torch, fused=False)  # torch's fused kernel rounds p - 1 = -e^-44 to 0
        checks.agree("chainrule vs PyTorch, W_0 and W_1", np.concatenate([g.ravel() for g in ours]),
                     np.concatenate([g.ravel() for g in theirs]), 1e-6)


# ---- seed 4: Square -> Exp -> Square, three ways -------------------------------------------------------
def seed4(checks, torch):
    print("seed 4: y = (exp(x^2))^2, dy/dx at x = 0.5 (the notebook prints 3.297442541400256)")
    x = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
    (cr.exp(x**2) ** 2).backward()
    (numerical,) = cr.autograd.numerical_grad(lambda t: cr.exp(t**2) ** 2, [x], eps=1e-4)
    a = 0.5**2
    b = math.exp(a)
    by_hand = 2 * 0.5 * (math.exp(a) * (2 * b * 1.0))  # Square'(x) * Exp'(a) * Square'(b) * dy
    print(f"    numerical (eps 1e-4): {float(numerical):.16f}")
    print(f"    by hand (chain rule): {by_hand!r}")
    print(f"    autograd:             {x.grad.item()!r}")
    checks.agree("autograd vs the chain rule by hand", x.grad.item(), by_hand, 1e-15)
    checks.agree("numerical vs autograd (central differences err by O(eps^2))", float(numerical), x.grad.item(), 1e-7)
    if torch is not None:
        t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
        (torch.exp(t**2) ** 2).backward()
        print(f"    PyTorch:              {t.grad.item()!r}")
        checks.agree("chainrule vs PyTorch", x.grad.item(), t.grad.item(), 1e-15)


def run(args):
    torch = None if args.no_torch else _torch()
    if torch is None:
        print("(PyTorch is not installed: showing chainrule's numbers only)")
    checks = Checks()
    for section in (seed0, seed1, seed2, seed3, seed4):
        section(checks, torch)
        print()
    if checks.failures:
        print(f"{len(checks.failures)} disagreement(s): {', '.join(checks.failures)}")
        return 1
    print("every number agrees")
    return 0
