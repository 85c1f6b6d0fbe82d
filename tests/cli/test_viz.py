"""`chainrule viz`, run as a user runs it (a subprocess): the printed per-layer gradient norms of seed 2's deep
sigmoid net and its ReLU twin equal norms computed by hand (chainrule's autograd, numpy norms of .grad, and
PyTorch for the sigmoid net), --out writes a PNG, bad options are one-line errors with exit status 2."""
import os
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402
from chainrule import nn  # noqa: E402
from chainrule.cli import main  # noqa: E402


def chainrule(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "chainrule", "viz", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


def printed_norms(stdout):
    """{'sigmoid': [...], 'relu': [...]} from the table's rows (layer, shape, sigmoid, relu)."""
    rows = [line.split() for line in stdout.splitlines() if line.split() and line.split()[0].isdigit()]
    assert [int(r[0]) for r in rows] == list(range(1, len(rows) + 1))
    return {"sigmoid": [float(r[2]) for r in rows], "relu": [float(r[3]) for r in rows]}, [r[1] for r in rows]


def by_hand(depth, width, init="seed2", seed=0):
    """The two nets built from seed2_network's Sequential, one backward of 1/2 MSE each, each Linear's
    ||(dW, db)|| from .grad; also the sigmoid net's weights, x and y for PyTorch."""
    model, x, y = cr.manual.seed2_network(hidden_depth=depth, width=width, seed=seed)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    if init == "kaiming":
        cr.manual_seed(seed)
        for m in linears:
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    weights = [(m.weight.detach().numpy().copy(), m.bias.detach().numpy().copy()) for m in linears]
    norms = {}
    for activation in ("sigmoid", "relu"):
        layers = []
        for i, (w, b) in enumerate(weights):
            linear = nn.Linear(w.shape[1], w.shape[0], dtype=cr.float64)
            with cr.no_grad():
                linear.weight.copy_(cr.tensor(w))
                linear.bias.copy_(cr.tensor(b))
            hidden = i < len(weights) - 1
            layers += [linear, nn.ReLU() if activation == "relu" and hidden else nn.Sigmoid()]
        net = nn.Sequential(*layers)
        (0.5 * F.mse_loss(net(x), y)).backward()
        norms[activation] = [np.linalg.norm(np.concatenate([m.weight.grad.numpy().ravel(), m.bias.grad.numpy()]))
                             for m in net if isinstance(m, nn.Linear)]
    return norms, weights, x.numpy(), y.numpy()


def torch_sigmoid_norms(weights, x, y):
    layers = []
    for w, b in weights:
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(w))
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.Sigmoid()]
    net = torch.nn.Sequential(*layers)
    (0.5 * torch.nn.functional.mse_loss(net(torch.from_numpy(x)), torch.from_numpy(y))).backward()
    return [torch.cat([m.weight.grad.flatten(), m.bias.grad]).norm().item() for m in net if isinstance(m, torch.nn.Linear)]


def test_default_run_prints_seed2s_depth_10_norms_side_by_side():
    result = chainrule()
    assert result.returncode == 0, result.stderr
    printed, shapes = printed_norms(result.stdout)
    assert shapes == ["10->32"] + ["32->32"] * 9 + ["32->2"]
    expected, weights, x, y = by_hand(10, 32)
    for name in ("sigmoid", "relu"):
        np.testing.assert_allclose(printed[name], expected[name], rtol=1e-4)
    np.testing.assert_allclose(expected["sigmoid"], torch_sigmoid_norms(weights, x, y), rtol=1e-10)
    assert printed["sigmoid"][0] < 1e-17 < 1e-1 < printed["sigmoid"][-1]  # the vanishing gradient
    assert "seed 2's net (10 inputs, 10 hidden layers of 32, 2 sigmoid outputs)" in result.stdout
    vanishing = [i + 1 for i, v in enumerate(expected["sigmoid"]) if v < 1e-7 or v < 1e-5 * max(expected["sigmoid"])]
    assert f"sigmoid layers 1-{vanishing[-1]}" in result.stdout and vanishing == list(range(1, vanishing[-1] + 1))


def test_kaiming_init_keeps_the_relu_nets_gradient_level_and_out_writes_a_png(tmp_path):
    out = tmp_path / "new-folder"
    result = chainrule("--depth", "4", "--width", "8", "--init", "kaiming", "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    printed, shapes = printed_norms(result.stdout)
    assert shapes == ["10->8", "8->8", "8->8", "8->8", "8->2"]
    expected, _, _, _ = by_hand(4, 8, init="kaiming", seed=3)
    for name in ("sigmoid", "relu"):
        np.testing.assert_allclose(printed[name], expected[name], rtol=1e-4)
    assert (out / "gradient_flow.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"plot written to {out / 'gradient_flow.png'}" in result.stdout


def test_the_figure_draws_each_activations_norms_per_layer():
    from chainrule.cli.viz import figure, measure

    norms, _ = measure(depth=3, width=4)
    fig = figure([("a", norms), ("b", norms)])
    assert len(fig.axes) == 2
    for ax in fig.axes:
        sigmoid, relu = ax.get_lines()
        assert list(sigmoid.get_xdata()) == [1, 2, 3, 4] and ax.get_yscale() == "log"
        assert list(sigmoid.get_ydata()) == norms["sigmoid"] and list(relu.get_ydata()) == norms["relu"]
    expected, _, _, _ = by_hand(3, 4)
    np.testing.assert_allclose(norms["relu"], expected["relu"], rtol=1e-12)


# option errors run in-process through the same main() as the command (the parser exits with status 2)
@pytest.mark.parametrize("args, fragment", [
    (["--depth", "0"], "argument --depth: 0 is not a depth: --depth must be an integer >= 1"),
    (["--width", "x"], "argument --width: invalid int value: 'x'"),
    (["--init", "xavier"], "argument --init: invalid choice: 'xavier'"),
    (["--seed", str(2**64)], "argument --seed: 18446744073709551616 is out of range"),
])
def test_bad_options_are_one_line_errors(args, fragment, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["viz", *args])
    out, err = capsys.readouterr()
    assert exit.value.code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule viz: error: ") and fragment in lines[0], err


def test_an_out_that_is_a_file_is_refused_before_computing(tmp_path, capsys):
    plots = tmp_path / "plots"
    plots.write_text("not a folder\n")
    assert main(["viz", "--out", str(plots)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"chainrule viz: error: --out {plots}: is a file, not a folder\n"
    assert plots.read_text() == "not a folder\n"


def test_help(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["viz", "--help"])
    assert exit.value.code == 0 and "usage: chainrule viz" in capsys.readouterr().out


def test_the_docs_pictures_draw_what_they_measure(tmp_path):
    from chainrule.cli.viz import delta_picture, measure, picture

    gradient_flow = picture(depth=3, width=4)
    for ax, init in zip(gradient_flow.figure.axes, ("seed2", "kaiming")):
        norms, _ = measure(3, 4, init)
        assert [list(line.get_ydata()) for line in ax.get_lines()] == [norms["sigmoid"], norms["relu"]]
    assert gradient_flow.save(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the delta rule's ||dW|| per layer over 3 steps, against the same training done here by hand
    model, x, y = cr.manual.seed2_network(hidden_depth=2)
    net = cr.manual.Network.from_sequential(model, loss="half_mse")
    expected = []
    for _ in range(3):
        net.train_step(x.numpy(), y.numpy(), lr=2.0)
        expected.append([np.linalg.norm(layer.dW) for layer in net.layers])
    (ax,) = delta_picture(depth=2, steps=3).figure.axes
    np.testing.assert_allclose(np.array([line.get_ydata() for line in ax.get_lines()]).T, expected, rtol=1e-12)


def test_out_without_matplotlib_is_refused_before_computing(tmp_path):
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "matplotlib.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    env = dict(os.environ, PYTHONWARNINGS="ignore",
               PYTHONPATH=os.pathsep.join(filter(None, [str(fake), os.environ.get("PYTHONPATH")])))
    result = subprocess.run([sys.executable, "-m", "chainrule", "viz", "--out", "plots"], capture_output=True,
                            text=True, cwd=tmp_path, env=env, timeout=600)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "chainrule viz: error: --out needs matplotlib: pip install 'chainrule[train]'\n"
    assert not (tmp_path / "plots").exists()
