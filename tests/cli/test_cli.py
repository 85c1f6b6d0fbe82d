"""The `chainrule` command, run the way a user runs it: as a subprocess."""
import gzip
import json
import os
import struct
import subprocess
import sys

import numpy as np
import pytest


def chainrule(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_help_on_every_subcommand():
    for args in ([], ["train"], ["demo"]):
        result = chainrule(*args, "--help")
        assert result.returncode == 0 and "usage: chainrule" in result.stdout


def test_demo_prints_the_seed_numbers_and_agrees_with_torch():
    result = chainrule("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # seed 0's printed weights, in the notebook's 4-decimal format
    assert "['1.0100', '-1.9900', '1.6700', '3.6700', '-2.4000', '1.6000']" in out
    assert "['1.4200', '0.6800', '2.0400', '-0.8400']" in out
    assert "['0.4200', '0.0400']" in out
    assert "3.297442541400256" in out  # seed 4
    assert "PyTorch" in out and "DISAGREE" not in out
    assert out.strip().endswith("every number agrees")


def test_train_json_metrics_on_last_line(tmp_path):
    plot, weights = tmp_path / "loss.png", tmp_path / "model.safetensors"
    result = chainrule("train", "--epochs", "3", "--json", "--no-progress", "--plot", str(plot), "--save", str(weights))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    metrics = json.loads(lines[-1])
    for key in ("test_accuracy", "test_loss", "train_loss", "epochs", "seconds"):
        assert key in metrics
    assert metrics["epochs"] == 3 and 0.8 < metrics["test_accuracy"] <= 1.0
    assert sum(line.startswith("epoch ") for line in lines) == 3
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import chainrule as cr

    state = cr.load(weights)
    assert state["model"]["1.weight"].shape == (128, 64) and state["epoch"] == 3


def test_train_default_reaches_97_percent_on_digits():
    result = chainrule("train", "--json", "--no-progress")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["epochs"] == 20 and metrics["test_accuracy"] >= 0.97


def test_train_shows_a_progress_bar():
    result = chainrule("train", "--dataset", "iris", "--epochs", "2")
    assert result.returncode == 0
    assert "epoch 1/2" in result.stderr  # tqdm writes its bar to stderr


def _write_idx(path, array):
    codes = {np.dtype(np.uint8): 0x08}
    header = struct.pack(">HBB", 0, codes[array.dtype], array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_train_on_mnist_format_files(tmp_path):
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 64), ("t10k", 32)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
        images[np.arange(n), labels * 2, :] = 255  # a learnable stripe per class
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    result = chainrule("train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--epochs", "5", "--json",
                       "--no-progress", "--batch-size", "16")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["test_accuracy"] > 0.5


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--dataset", "cifar"], "invalid choice"),
        (["--dataset", "mnist", "--data-dir", "/no/such/dir"], "could not find"),
        (["--epochs", "0"], "--epochs"),
        (["--lr", "fast"], "--lr"),
        (["--frobnicate"], "unrecognized"),
    ],
)
def test_train_errors_are_one_line_without_traceback(args, fragment):
    result = chainrule("train", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_train_cnn_on_mnist_format_files(tmp_path):
    rng = np.random.default_rng(1)
    for prefix, n in (("train", 48), ("t10k", 16)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
        images[np.arange(n), labels * 2, :] = 255
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    result = chainrule("train", "--model", "cnn", "--dataset", "mnist", "--data-dir", str(tmp_path), "--epochs", "2",
                       "--json", "--no-progress", "--batch-size", "16")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert metrics["model"] == "cnn" and metrics["epochs"] == 2
