"""The seed notebooks redone in examples/: each script runs and prints the notebook's numbers."""
import functools
import os
import re
import subprocess
import sys

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


@functools.lru_cache(maxsize=None)
def run_example(name):
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_seed0_prints_the_notebooks_updated_weights_both_ways():
    out = run_example("seed0_sgd_step.py")
    notebook = [  # printed by the seed 0 notebook (NumPy and PyTorch alike)
        "['1.0100', '-1.9900', '1.6700', '3.6700', '-2.4000', '1.6000']",
        "['1.0000', '0.9600', '-3.1300', '2.0000', '-0.4400', '3.0700']",
        "['1.0100', '1.6700', '3.6000']",
        "['1.8700', '1.0700']",
        "'-3.0000', '-0.8400', '-0.8400']",  # the first entry prints as -0.0000 or 0.0000
        "['1.4200', '0.6800', '2.0400', '-0.8400']",
        "['-1.0000', '-1.8400']",
        "['0.4200', '0.0400']",
    ]
    for line in notebook:
        assert out.count(line) == 2, line  # delta rule and autograd


def test_seed1_fused_gradient_and_learned_images():
    out = run_example("seed1_softmax_classifier.py")
    assert "equals (p - y)^T x: True" in out
    predictions = re.search(r"predictions: (.*)", out).group(1)
    labels = re.search(r"labels: +(.*)", out).group(1)
    assert predictions == labels
    losses = [float(v) for v in re.findall(r"loss: ([0-9.e-]+)", out)]
    assert losses[-1] < 1e-2 < losses[0]


def test_seed2_three_ways_agree_and_training_reduces_loss():
    out = run_example("seed2_numerical_vs_backprop.py")
    rows = [line.split() for line in out.splitlines() if re.match(r"\d+\.(weight|bias)", line)]
    assert len(rows) == 12
    for row in rows:
        numerical_vs_delta_abs, delta_vs_autodiff_rel = float(row[2]), float(row[7])
        assert numerical_vs_delta_abs < 1e-9 and delta_vs_autodiff_rel < 1e-12
    losses = [float(v) for v in re.findall(r"Test loss ([0-9.e-]+)", out)]
    assert losses[-1] < losses[0]


def test_seed3_tiny_gradients_are_twice_the_notebooks_halved_ones():
    out = run_example("seed3_saturated_softmax.py")
    assert "agree: True" in out
    # the notebook printed W_1.grad [[7.7811e-20, 5.0577e-19], ...] and W_0.grad [[6.2249e-19, 1.5562e-19], ...]
    # after a mean over a stray axis of length 2: the right numbers are twice those
    for value in ("1.5562e-19", "1.0115e-18", "1.2450e-18", "3.1125e-19"):
        assert value in out


@pytest.mark.parametrize("value", ["numerical: 3.2974426293330694", "by hand:   3.297442541400256",
                                   "autograd:  3.297442541400256", "2.38476639e+04", "7.87919630e+08"])
def test_seed4_prints_the_notebooks_numbers(value):
    assert value in run_example("seed4_autodiff.py")


def test_cnn_mnist_example_trains_on_idx_files(tmp_path):
    import gzip
    import struct

    import numpy as np

    rng = np.random.default_rng(0)
    for prefix, n in (("train", 128), ("t10k", 64)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 30).astype(np.uint8)
        images[np.arange(n), 2 + 2 * labels, 3:25] = 255  # one learnable stroke per class
        for name, array in (("images-idx3", images), ("labels-idx1", labels)):
            header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
            with gzip.open(tmp_path / f"{prefix}-{name}-ubyte.gz", "wb") as f:
                f.write(header + array.tobytes())
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, "cnn_mnist.py"), str(tmp_path), "--epochs", "4",
                             "--batch-size", "16"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    accuracies = [float(v) for v in re.findall(r"test accuracy ([0-9.]+)%", result.stdout)]
    assert len(accuracies) == 4 and accuracies[-1] > 50


def test_digits_written_as_idx_train_the_mnist_example(tmp_path):
    import numpy as np

    import chainrule as cr

    subprocess.run([sys.executable, os.path.join(EXAMPLES, "digits_to_idx.py"), str(tmp_path)], check=True,
                   capture_output=True, timeout=120)
    train, test = cr.data.MNIST(tmp_path, train=True), cr.data.MNIST(tmp_path, train=False)
    digits_train = cr.data.load_digits(split="train", flatten=False)
    assert (len(train), len(test)) == (len(digits_train), len(cr.data.load_digits(split="test")))
    np.testing.assert_array_equal(train.tensors[1].numpy(), digits_train.tensors[1].numpy())
    # the 28x28 image, shrunk back by averaging 3x3 blocks of its 24x24 middle, is close to the 8x8 digit
    images = train.tensors[0].numpy()[:, 0, 2:26, 2:26].reshape(-1, 8, 3, 8, 3).mean(axis=(2, 4))
    original = digits_train.tensors[0].numpy()[:, 0]
    assert np.abs(images - original).mean() < 0.1 and np.corrcoef(images.ravel(), original.ravel())[0, 1] > 0.97
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, "cnn_mnist.py"), str(tmp_path), "--epochs", "3"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert float(re.findall(r"test accuracy ([0-9.]+)%", result.stdout)[-1]) > 80
