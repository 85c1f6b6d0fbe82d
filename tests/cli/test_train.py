"""`chainrule train`, run the way a user runs it (a subprocess): metrics, plots, datasets, models, one-line
errors. With --save/--resume a resumed run ends bit for bit where an uninterrupted one does; bad checkpoints
and options that differ are one-line errors with exit status 2 (those refusals come before any data is
loaded, so they run in-process through the same main())."""
import gzip
import json
import os
import pickle
import re
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import chainrule as cr
from chainrule.cli import main


def chainrule(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


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
        (["--device", "tpu"], "--device: device 'tpu'"),
    ],
)
def test_train_errors_are_one_line_without_traceback(args, fragment):
    result = chainrule("train", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]
    assert "Traceback" not in result.stderr


def test_train_on_another_device_gives_the_cpu_run_and_its_checkpoint_resumes_on_the_cpu(tmp_path):
    """--device array_api_strict (the CPU stand-in for CuPy): the model and each batch are moved there; the
    numbers are the CPU run's (the same seed builds the same model), and the checkpoint resumes on the CPU."""
    common = ("train", "--model", "cnn", "--json", "--no-progress", "--schedule", "constant")
    cpu = chainrule(*common, "--epochs", "3")
    there = chainrule(*common, "--epochs", "2", "--device", "array_api_strict", "--save", str(tmp_path / "run.ck"))
    resumed = chainrule(*common, "--epochs", "3", "--resume", str(tmp_path / "run.ck"))
    for result in (cpu, there, resumed):
        assert result.returncode == 0, result.stderr
    metrics = [json.loads(r.stdout.strip().splitlines()[-1]) for r in (cpu, there, resumed)]
    losses = [re.findall(r"train loss \S+  test loss \S+  test accuracy +\S+", r.stdout) for r in (cpu, there, resumed)]
    assert losses[1] == losses[0][:2] and losses[2] == losses[0][2:]  # epochs 1-2 there, epoch 3 back on the CPU
    assert abs(metrics[2]["test_loss"] - metrics[0]["test_loss"]) < 1e-4
    assert metrics[2]["test_accuracy"] == metrics[0]["test_accuracy"]


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


@pytest.mark.parametrize("side", [8, 28])
def test_train_command_cnn_takes_one_channel_images(side):
    from chainrule.cli.train import build_model

    model = build_model("cnn", side * side, [16], 10)
    assert model(cr.randn(2, 1, side, side)).shape == (2, 10)


# ---- --save and --resume ----------------------------------------------------------------------------
SMALL = ("--hidden", "16", "--no-progress")  # seconds, not minutes: a 64-16-10 MLP on the 8x8 digits

# runs `chainrule train ARGS` with a Ctrl-C a few steps into epoch 3 (the checkpoint then holds epoch 2)
INTERRUPTED_IN_EPOCH_3 = """
import sys
import chainrule.cli.train as train
from chainrule.cli import main

real_train_epoch, calls = train.train_epoch, []

def stop_after(batches, steps):
    for step, batch in enumerate(batches):
        if step == steps:
            raise KeyboardInterrupt
        yield batch

def train_epoch(model, batches, optimizer, label_smoothing, **options):
    calls.append(1)
    if len(calls) == 3:
        batches = stop_after(batches, 5)
    return real_train_epoch(model, batches, optimizer, label_smoothing, **options)

train.train_epoch = train_epoch
sys.exit(main(sys.argv[1:]))
"""


def run(*args, script=None, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    command = ["-c", script, "train"] if script else ["-m", "chainrule", "train"]
    return subprocess.run([sys.executable, *command, *map(str, args)], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=600)


def train(*args, script=None):
    result = run(*args, script=script)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def assert_same_checkpoint(path_a, path_b):
    """Every tensor (weights, optimizer state) bit for bit; the same epoch, generator, schedule, options, history."""
    arrays_a, arrays_b = safetensors.numpy.load_file(str(path_a)), safetensors.numpy.load_file(str(path_b))
    assert sorted(arrays_a) == sorted(arrays_b)
    for name in arrays_a:
        a, b = arrays_a[name], arrays_b[name]
        assert a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes(), name
    a, b = cr.load(path_a), cr.load(path_b)
    for part in a:
        if part not in ("model", "optimizer"):
            assert a[part] == b[part], part
    assert a["optimizer"]["param_groups"] == b["optimizer"]["param_groups"]
    for name, weights in a["model"].items():
        assert np.array_equal(weights.numpy(), b["model"][name].numpy())


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Two uninterrupted 4-epoch runs, saved: cosine schedule with SGD, and constant schedule with Adam."""
    folder = tmp_path_factory.mktemp("uninterrupted")
    cosine, constant = folder / "cosine.safetensors", folder / "constant.safetensors"
    train(*SMALL, "--epochs", 4, "--save", cosine)
    train(*SMALL, "--epochs", 4, "--schedule", "constant", "--optimizer", "adam", "--save", constant)
    return {"cosine": cosine, "constant": constant}


def test_the_checkpoint_holds_weights_optimizer_and_progress(uninterrupted):
    checkpoint = cr.load(uninterrupted["cosine"])
    assert list(checkpoint) == ["model", "optimizer", "scheduler", "epoch", "rng", "args", "history"]
    assert checkpoint["epoch"] == 4 and len(checkpoint["history"]) == 4
    assert checkpoint["model"]["1.weight"].shape == (16, 64) and checkpoint["model"]["3.weight"].shape == (10, 16)
    assert checkpoint["args"]["hidden"] == [16] and checkpoint["args"]["lr"] == 0.1
    assert checkpoint["rng"]["bit_generator"] == "PCG64"
    assert checkpoint["optimizer"]["state"][0]["momentum_buffer"].shape == (16, 64)
    assert checkpoint["scheduler"]["last_epoch"] == 4
    assert "scheduler" not in cr.load(uninterrupted["constant"])


def test_pytorch_reads_the_weights(uninterrupted):
    tensors = safetensors.torch.load_file(str(uninterrupted["cosine"]))
    weights = {name.removeprefix("model/"): t for name, t in tensors.items() if name.startswith("model/")}
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10))
    model.load_state_dict(weights)  # strict: exactly the model's keys and shapes
    for name, t in cr.load(uninterrupted["cosine"])["model"].items():
        np.testing.assert_array_equal(weights[name].numpy(), t.numpy())


def test_two_epochs_then_resume_to_four_equals_four_epochs(uninterrupted, tmp_path):
    path = tmp_path / "two.safetensors"
    train(*SMALL, "--epochs", 2, "--schedule", "constant", "--optimizer", "adam", "--save", path)
    assert cr.load(path)["epoch"] == 2
    result = train("--resume", path, "--epochs", 4, "--no-progress", "--json")  # the other options: the checkpoint's
    epoch_lines = [line for line in result.stdout.splitlines() if line.startswith("epoch ")]
    assert "resumed from" in result.stdout and len(epoch_lines) == 2
    assert_same_checkpoint(path, uninterrupted["constant"])


def test_an_interrupted_run_resumes_exactly(uninterrupted, tmp_path):
    path = tmp_path / "interrupted.safetensors"
    result = run(*SMALL, "--epochs", 4, "--save", path, script=INTERRUPTED_IN_EPOCH_3)
    assert result.returncode == 130, result.stderr
    assert f"continue with: chainrule train --resume {path}" in result.stderr
    assert cr.load(path)["epoch"] == 2  # the checkpoint of the last whole epoch, intact
    train("--resume", path, "--no-progress")  # to its own 4 epochs, saving back into path
    assert_same_checkpoint(path, uninterrupted["cosine"])


def test_resume_to_where_the_checkpoint_is_trains_nothing(uninterrupted, tmp_path):
    before = uninterrupted["cosine"].read_bytes()
    result = train("--resume", uninterrupted["cosine"], "--no-progress", "--save", tmp_path / "copy.safetensors")
    assert not any(line.startswith("epoch ") for line in result.stdout.splitlines())
    assert uninterrupted["cosine"].read_bytes() == before


def corrupted(path):
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    return bytes(data)


BAD_FILES = {
    "missing": (None, "No such file"),
    "not safetensors": (lambda good: b"hello, not a checkpoint", "not a valid safetensors file"),
    "truncated": (lambda good: good.read_bytes()[:-100], "not a valid safetensors file"),
    "corrupted": (corrupted, "checksum"),
    "a pickle": (lambda good: pickle.dumps({"model": 1}), "never unpickles"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_checkpoint_files_are_refused(uninterrupted, tmp_path, capsys, kind):
    make, message = BAD_FILES[kind]
    path = tmp_path / "bad.safetensors"
    if make is not None:
        path.write_bytes(make(uninterrupted["cosine"]))
    assert_refused(capsys, ["--resume", path], message)


def test_a_file_that_is_no_training_checkpoint_is_refused(tmp_path, capsys):
    path = tmp_path / "weights.safetensors"
    cr.save({"1.weight": cr.zeros(16, 64)}, path)
    assert_refused(capsys, ["--resume", path], "not a checkpoint of chainrule train")


@pytest.mark.parametrize("options, message", [
    (["--optimizer", "adam"], "--optimizer adam differs from sgd"),
    (["--hidden", "32"], "--hidden 32 differs from 16"),
    (["--lr", "0.05"], "--lr 0.05 differs from 0.1"),
    (["--batch-size", "32"], "--batch-size 32 differs from 64"),
    (["--seed", "1"], "--seed 1 differs from 0"),
    (["--epochs", "6"], "cosine schedule"),  # the schedule spans the run's epochs
    (["--epochs", "3"], "already holds 4 epochs"),
])
def test_options_that_differ_from_the_checkpoint_are_refused(uninterrupted, capsys, options, message):
    before = uninterrupted["cosine"].read_bytes()
    assert_refused(capsys, ["--resume", uninterrupted["cosine"], *options], message)
    assert uninterrupted["cosine"].read_bytes() == before


def test_options_that_match_the_checkpoint_are_fine(uninterrupted, tmp_path):
    path = tmp_path / "resumed.safetensors"
    train("--resume", uninterrupted["constant"], "--save", path, "--optimizer", "adam", "--hidden", "16",
          "--lr", "0.001", "--epochs", 5, "--no-progress")  # a constant schedule may run longer
    assert cr.load(path)["epoch"] == 5 and cr.load(path)["args"]["epochs"] == 5


def assert_refused(capsys, args, message):
    status = main(["train", *map(str, args)])
    out, err = capsys.readouterr()
    assert status == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule train: error:"), err
    assert message.lower() in lines[0].lower(), lines[0]


# ---- what `chainrule train` refuses, ignores and says ----------------------------------------------------
@pytest.mark.parametrize("args, option, allowed", [
    (["--lr", "-0.1"], "--lr", "finite number > 0"),  # sgd, the default optimizer
    (["--optimizer", "adam", "--lr", "-1"], "--lr", "finite number > 0"),
    (["--lr", "0"], "--lr", "finite number > 0"),
    (["--lr", "nan"], "--lr", "finite number > 0"),
    (["--lr", "inf"], "--lr", "finite number > 0"),
    (["--hidden", "0"], "--hidden", "integer >= 1"),
    (["--hidden", "128", "0"], "--hidden", "integer >= 1"),
    (["--hidden", "-4"], "--hidden", "integer >= 1"),
    (["--label-smoothing", "1.5"], "--label-smoothing", "0 <= S <= 1"),
    (["--label-smoothing", "-0.1"], "--label-smoothing", "0 <= S <= 1"),
    (["--label-smoothing", "nan"], "--label-smoothing", "0 <= S <= 1"),
    (["--seed", str(-2 ** 63 - 1)], "--seed", f"from {-2 ** 63} to {2 ** 64 - 1}"),
    (["--seed", str(2 ** 64)], "--seed", f"from {-2 ** 63} to {2 ** 64 - 1}"),
])
def test_train_refuses_out_of_range_options_before_any_work(args, option, allowed):
    result = chainrule("train", "--epochs", "1", "--no-progress", *args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule train: error: argument " + option), result.stderr
    assert allowed in lines[0] and "Traceback" not in result.stderr
    assert result.stdout == ""  # no header, no epochs: nothing was loaded or trained


@pytest.mark.parametrize("seed", ["-1", str(-2 ** 63), str(2 ** 64 - 1)])
def test_train_takes_the_seeds_torch_manual_seed_takes(seed):
    torch.manual_seed(int(seed))  # torch takes them too
    result = chainrule("train", "--epochs", "1", "--no-progress", "--hidden", "16", "--seed", seed)
    assert result.returncode == 0, result.stderr
    assert f"seed {seed}" in result.stdout.splitlines()[0]


def test_a_negative_seed_is_its_64_bit_twos_complement_as_in_torch():
    torch.manual_seed(-1)
    assert torch.initial_seed() == 2 ** 64 - 1
    runs = [chainrule("train", "--epochs", "1", "--no-progress", "--hidden", "16", "--json", "--seed", seed)
            for seed in ("-1", str(2 ** 64 - 1))]
    losses = [json.loads(r.stdout.strip().splitlines()[-1])["train_loss"] for r in runs]
    assert losses[0] == losses[1]


@pytest.mark.parametrize("args, option, reason", [
    (["--dataset", "digits", "--data-dir", "somewhere"], "--data-dir", "--dataset digits is not read from files"),
    (["--dataset", "iris", "--data-dir", "somewhere"], "--data-dir", "--dataset iris is not read from files"),
    (["--model", "linear", "--hidden", "32"], "--hidden", "--model linear has no hidden layers"),
])
def test_train_warns_about_options_that_do_not_apply_and_goes_on(args, option, reason):
    result = chainrule("train", "--epochs", "1", "--no-progress", *args)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"chainrule train: warning: {option} is ignored: "), result.stderr
    assert reason in lines[0]
    assert "final: test accuracy" in result.stdout


def test_train_without_inapplicable_options_warns_about_nothing():
    result = chainrule("train", "--epochs", "1", "--no-progress", "--hidden", "16")
    assert result.returncode == 0 and result.stderr == "", result.stderr


@pytest.mark.parametrize("epochs, phrase", [("1", "after 1 epoch in "), ("2", "after 2 epochs in ")])
def test_train_final_line_says_epoch_or_epochs(epochs, phrase):
    result = chainrule("train", "--epochs", epochs, "--no-progress", "--hidden", "16")
    assert result.returncode == 0, result.stderr
    final = result.stdout.strip().splitlines()[-1]
    assert final.startswith("final: test accuracy ") and phrase in final, final


def test_train_json_gives_accuracy_as_fraction_and_percent():
    result = chainrule("train", "--epochs", "1", "--no-progress", "--hidden", "16", "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert 0 < metrics["test_accuracy"] <= 1
    assert metrics["test_accuracy_percent"] == round(100 * metrics["test_accuracy"], 2)
    assert f"test accuracy {metrics['test_accuracy_percent']:.2f}%" in result.stdout


def test_train_header_describes_the_cnn_it_builds():
    result = chainrule("train", "--model", "cnn", "--epochs", "1", "--no-progress", "--hidden", "16")
    assert result.returncode == 0, result.stderr
    header = result.stdout.splitlines()[0]
    # (3x3 conv 32 - ReLU - 2x2 max-pool), (3x3 conv 64 - ReLU - 2x2 max-pool), 64 * 2 * 2 = 256 features, 16, 10
    assert "cnn 1x8x8-conv32-pool-conv64-pool-256-16-10," in header, header


def test_train_header_describes_the_mlp_and_linear_models():
    mlp = chainrule("train", "--epochs", "1", "--no-progress", "--hidden", "16", "8")
    linear = chainrule("train", "--epochs", "1", "--no-progress", "--model", "linear")
    assert "mlp 64-16-8-10," in mlp.stdout.splitlines()[0]
    assert "linear 64-10," in linear.stdout.splitlines()[0]


# ---- --plot ------------------------------------------------------------------------------------------
def test_train_plot_draws_losses_and_accuracy_per_epoch(tmp_path, monkeypatch, capsys):
    import chainrule.cli.train as train

    built, train_loss_figure = [], train.loss_figure

    def spy(history, title, label_smoothing=0.0):  # the Figure the command saves, and the history it drew
        built.append((list(history), train_loss_figure(history, title, label_smoothing)))
        return built[-1][1]

    monkeypatch.setattr(train, "loss_figure", spy)
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--epochs", "2", "--no-progress", "--json", "--plot", "out.png"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert (tmp_path / "out.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "loss curves plotted to out.png" in out
    final = json.loads(out[-1])
    (history, fig), = built
    assert len(history) == 2 and history[-1]["test_loss"] == final["test_loss"]

    # the same history and options again, through the public function: the same figure
    fig = train_loss_figure(history, "mlp 64-128-64-10 on digits", 0.1)
    assert fig.get_suptitle() == built[0][1].get_suptitle() == "mlp 64-128-64-10 on digits"
    loss_ax, accuracy_ax = fig.axes
    assert loss_ax.get_ylabel() == "loss" and accuracy_ax.get_xlabel() == "epoch"
    legend = [text.get_text() for text in loss_ax.get_legend().get_texts()]
    assert legend == ["train loss (cross-entropy with label smoothing 0.1)", "test cross-entropy"]
    train_line, test_line = loss_ax.get_lines()
    assert list(train_line.get_xdata()) == [1, 2]
    assert list(train_line.get_ydata()) == [h["train_loss"] for h in history]
    assert list(test_line.get_ydata()) == [h["test_loss"] for h in history]
    assert accuracy_ax.get_ylabel() == "test accuracy (%)"
    (accuracy_line,) = accuracy_ax.get_lines()
    assert list(accuracy_line.get_ydata()) == pytest.approx([100 * h["test_accuracy"] for h in history])
    assert accuracy_line.get_ydata()[-1] == pytest.approx(final["test_accuracy_percent"], abs=0.005)
    ticks = accuracy_ax.get_xticks()
    assert {1, 2} <= set(ticks) and all(t == int(t) for t in ticks)  # whole epochs only
    assert loss_ax.get_shared_x_axes().joined(loss_ax, accuracy_ax)


def test_train_plot_without_label_smoothing_says_cross_entropy_for_both():
    from chainrule.cli.train import loss_figure

    history = [dict(train_loss=1.0, test_loss=0.9, test_accuracy=0.5), dict(train_loss=0.5, test_loss=0.6,
                                                                            test_accuracy=0.8)]
    fig = loss_figure(history, "linear 64-10 on digits", 0.0)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["train cross-entropy",
                                                                             "test cross-entropy"]


@pytest.mark.parametrize("plot, fragment", [
    ("no-such-folder/out.png", "no folder"),
    ("out.txt", "matplotlib can't write .txt files"),
    ("out", "no suffix"),
])
def test_a_bad_plot_path_is_refused_before_training(tmp_path, plot, fragment):
    result = chainrule("train", "--epochs", "50", "--no-progress", "--json", "--plot", plot, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith(f"chainrule train: error: --plot {plot}: ") and fragment in result.stderr
    assert result.stdout == ""  # nothing loaded, no epoch run
    assert list(tmp_path.iterdir()) == []


def test_a_plot_in_a_folder_that_cannot_be_written_is_refused_before_training(tmp_path, monkeypatch, capsys):
    """The folder's write permission is asked of the OS; tests may run as root, who may write anywhere, so the
    OS's answer for this one folder is made "no"."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if os.path.abspath(p) == str(folder) else real_access(p, mode))
    code = main(["train", "--epochs", "50", "--no-progress", "--plot", str(folder / "out.png")])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip().startswith("chainrule train: error: --plot") and "can't write" in err and "Traceback" not in err
    assert list(folder.iterdir()) == []


def test_plot_without_matplotlib_is_refused_before_training(tmp_path):
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "matplotlib.py").write_text("raise ImportError(\"No module named 'matplotlib'\")\n")
    env = dict(os.environ, PYTHONWARNINGS="ignore",
               PYTHONPATH=os.pathsep.join(filter(None, [str(fake), os.environ.get("PYTHONPATH")])))

    def run(*args):
        return subprocess.run([sys.executable, "-m", "chainrule", "train", "--no-progress", *args],
                              capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600)

    result = run("--epochs", "50", "--json", "--plot", "out.png")
    assert result.returncode == 2 and result.stdout == ""  # before the data is loaded, no epoch run
    assert result.stderr.strip() == "chainrule train: error: --plot needs matplotlib: pip install 'chainrule[train]'"
    assert run("--epochs", "1").returncode == 0  # without --plot, matplotlib isn't needed


# ---- the files around a run --------------------------------------------------------------------------------
# `chainrule train` and the files around a run, run the way a user runs it (a subprocess): --resume of an MNIST
# run needs nothing but the checkpoint (it keeps the data folder), --save never overwrites a file that is not a
# checkpoint, and IDX files with bad labels or train and test images of different sizes are refused when read.
# Each refusal is one line on stderr, exit status 2, and leaves the files on disk as they were.
# runs `chainrule train ARGS` with a Ctrl-C two steps into epoch 3 (the tiny data has few steps an epoch)
STOPPED_IN_EPOCH_3 = INTERRUPTED_IN_EPOCH_3.replace("stop_after(batches, 5)", "stop_after(batches, 2)")
assert STOPPED_IN_EPOCH_3 != INTERRUPTED_IN_EPOCH_3

TINY = ("--hidden", "8", "--no-progress", "--batch-size", "8")


def write_idx(path, array):
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def mnist_files(folder, train_side=12, test_side=12, bad_label=None):
    """Tiny MNIST-format files (32 train, 16 test images); bad_label puts that label into the training labels."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n, side in (("train", 32, train_side), ("t10k", 16, test_side)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        if bad_label is not None and prefix == "train":
            labels[5] = bad_label
        write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", (rng.random((n, side, side)) * 255).astype(np.uint8))
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return folder


def snapshot(folder):
    """Every file under folder (hidden ones too) with its bytes."""
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_refused_run(result, *fragments):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule train: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert result.stdout == ""  # no header, no epochs: nothing was trained


# ---- item: --resume needs nothing but the checkpoint ------------------------------------------------------
def test_an_interrupted_mnist_run_resumes_with_nothing_but_resume(tmp_path):
    data = mnist_files(tmp_path / "data")
    checkpoint, copy = tmp_path / "run.safetensors", tmp_path / "copy.safetensors"
    result = run("--dataset", "mnist", "--data-dir", data, "--epochs", 4, "--save", checkpoint, *TINY,
                 script=STOPPED_IN_EPOCH_3)
    assert result.returncode == 130, result.stderr
    assert f"continue with: chainrule train --resume {checkpoint}" in result.stderr
    assert cr.load(checkpoint)["epoch"] == 2 and cr.load(checkpoint)["args"]["data_dir"] == str(data)
    shutil.copyfile(checkpoint, copy)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("--resume", checkpoint, cwd=elsewhere)  # another folder, no --data-dir
    assert result.returncode == 0, result.stderr
    assert "resumed from" in result.stdout and cr.load(checkpoint)["epoch"] == 4
    assert list(elsewhere.iterdir()) == []


def test_a_given_data_dir_overrides_the_checkpoints_for_data_that_moved(tmp_path):
    data = mnist_files(tmp_path / "data")
    checkpoint = tmp_path / "run.safetensors"
    result = run("--dataset", "mnist", "--data-dir", data, "--epochs", 2, "--schedule", "constant",
                 "--save", checkpoint, *TINY)
    assert result.returncode == 0, result.stderr
    moved = tmp_path / "moved"
    data.rename(moved)
    before = checkpoint.read_bytes()
    result = run("--resume", checkpoint, "--epochs", 3, "--no-progress")
    assert_refused_run(result, "could not find", str(data))
    assert checkpoint.read_bytes() == before
    result = run("--resume", checkpoint, "--epochs", 3, "--no-progress", "--data-dir", moved)
    assert result.returncode == 0, result.stderr
    saved = cr.load(checkpoint)
    assert saved["epoch"] == 3 and saved["args"]["data_dir"] == str(moved)


def test_a_relative_data_dir_is_stored_as_an_absolute_path(tmp_path):
    mnist_files(tmp_path / "data")
    result = run("--dataset", "mnist", "--epochs", 1, "--save", "run.safetensors", *TINY, cwd=tmp_path)  # ./data
    assert result.returncode == 0, result.stderr
    assert cr.load(tmp_path / "run.safetensors")["args"]["data_dir"] == str(tmp_path / "data")


# ---- item: --save never overwrites a file that is not a checkpoint ------------------------------------------
def test_save_refuses_to_overwrite_a_file_that_is_not_a_checkpoint(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    before = snapshot(tmp_path)
    result = run("--epochs", 1, "--save", notes, *TINY)
    assert_refused_run(result, f"--save {notes}", "not a checkpoint of chainrule train", "refusing to overwrite")
    assert snapshot(tmp_path) == before  # the notes intact, no temporary left


def test_save_refuses_a_safetensors_file_that_is_not_a_training_checkpoint(tmp_path):
    weights = tmp_path / "weights.safetensors"
    cr.save({"1.weight": cr.zeros(8, 64)}, weights)
    before = snapshot(tmp_path)
    assert_refused_run(run("--epochs", 1, "--save", weights, *TINY), "not a checkpoint of chainrule train")
    assert snapshot(tmp_path) == before


def test_save_may_overwrite_a_checkpoint_of_chainrule_train(tmp_path):
    checkpoint = tmp_path / "run.safetensors"
    for epochs in (1, 2):
        result = run("--epochs", epochs, "--save", checkpoint, *TINY)
        assert result.returncode == 0, result.stderr
    assert cr.load(checkpoint)["epoch"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.safetensors"]


# ---- item: IDX files checked when read --------------------------------------------------------------------
def test_labels_outside_0_to_9_are_refused_when_the_data_is_read(tmp_path):
    data = mnist_files(tmp_path / "data", bad_label=10)
    before = snapshot(tmp_path)
    result = run("--dataset", "mnist", "--data-dir", data, "--epochs", 1, "--save", tmp_path / "run.safetensors",
                 *TINY)
    assert_refused_run(result, str(data / "train-labels-idx1-ubyte.gz"), "labels outside 0-9", "10 at index 5")
    assert snapshot(tmp_path) == before  # no checkpoint written, the data untouched


def test_train_and_test_images_of_different_sizes_are_refused_when_read(tmp_path):
    data = mnist_files(tmp_path / "data", train_side=12, test_side=16)
    before = snapshot(tmp_path)
    result = run("--dataset", "fashion-mnist", "--data-dir", data, "--epochs", 1, "--model", "cnn",
                 "--save", tmp_path / "run.safetensors", *TINY)
    assert_refused_run(result, str(data / "t10k-images-idx3-ubyte.gz"), "16x16", "12x12",
                   str(data / "train-images-idx3-ubyte.gz"))
    assert snapshot(tmp_path) == before


# ---- --threads: BLAS threads for the run (issue: small matrices lose to extra threads on a shared machine) ----
@pytest.mark.parametrize("value, fragment", [("0", "0 is not a thread count"), ("-1", "-1 is not a thread count"),
                                             ("x", "invalid int value: 'x'")])
def test_a_bad_thread_count_is_a_one_line_error(value, fragment):
    result = chainrule("train", "--threads", value, "--no-progress")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--threads" in result.stderr and fragment in result.stderr
    assert result.stdout == ""


def test_train_with_one_thread_trains():
    result = chainrule("train", "--threads", "1", "--epochs", "2", "--json", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["epochs"] == 2


import chainrule.cli.train as train_command  # (`train` is a test above)


def _blas_threads_per_epoch(monkeypatch, argv):
    """Run main(argv) in-process; the BLAS thread counts threadpoolctl sees during each epoch."""
    import threadpoolctl  # in the dev extra: the tests always have it

    seen, real = [], train_command.train_epoch

    def recording(*args, **kwargs):
        seen.append([pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"])
        return real(*args, **kwargs)

    monkeypatch.setattr(train_command, "train_epoch", recording)
    assert main(argv) == 0
    return seen


def test_the_default_mlp_trains_with_one_blas_thread(monkeypatch, capsys):
    seen = _blas_threads_per_epoch(monkeypatch, ["train", "--epochs", "2", "--no-progress"])
    assert len(seen) == 2 and all(counts and set(counts) == {1} for counts in seen)


def test_a_large_model_keeps_blas_default_threads(monkeypatch, capsys):
    import threadpoolctl

    seen = _blas_threads_per_epoch(monkeypatch, ["train", "--epochs", "1", "--hidden", "512", "512",
                                                 "--no-progress"])
    # read after the run: loading the data may bring in another BLAS (scipy's), which the run saw too
    default = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    assert seen == [default]


def test_threads_without_threadpoolctl(monkeypatch, capsys):
    monkeypatch.setattr(train_command, "_threadpoolctl", lambda: None)  # as when `import threadpoolctl` fails
    assert main(["train", "--threads", "1", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--threads needs threadpoolctl" in err
    assert main(["train", "--epochs", "1", "--no-progress"]) == 0  # the automatic choice just does nothing


# ---- --viz DIR: the step's graph, the gradient flow and the loss curves ---------------------------------------
def test_viz_writes_the_graph_the_gradient_flow_and_the_loss_curves(tmp_path):
    import xml.etree.ElementTree as ET

    folder = tmp_path / "pictures"  # made by the run
    result = run("--epochs", 1, *TINY, "--viz", folder)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["gradient_flow.png", "graph.svg", "loss.png"]
    svg = ET.parse(folder / "graph.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    titles = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}title")]
    assert any("Linear" in t for t in titles) and any("CrossEntropy" in t for t in titles)
    for name in ("gradient_flow.png", "loss.png"):
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"pictures of the run written to {folder}: graph.svg, gradient_flow.png, loss.png" in result.stdout


def test_viz_records_every_step_and_changes_nothing(monkeypatch, capsys, tmp_path):
    """The recorder --viz attaches sees each optimizer step (one history entry per batch, its last weight norms
    the trained model's), and the run ends with the same weights and metrics as one without --viz."""
    recorders, real = [], cr.viz.GradientFlow

    def keep(model):
        recorders.append((real(model), model))
        return recorders[-1][0]

    monkeypatch.setattr(cr.viz, "GradientFlow", keep)
    small = ["train", "--epochs", "2", "--hidden", "8", "--batch-size", "500", "--no-progress", "--json"]
    assert main(small + ["--save", str(tmp_path / "a.safetensors"), "--viz", str(tmp_path)]) == 0
    with_viz = json.loads(capsys.readouterr().out.splitlines()[-1])
    ((flow, model),) = recorders
    assert len(flow.history) == 2 * 3  # 1438 training digits in batches of 500
    for layer, norms in flow.history[-1].items():
        params = [p.detach().numpy() for p in getattr(model, layer).parameters()]
        assert norms.weight == pytest.approx(np.sqrt(sum(np.sum(p.astype(np.float64) ** 2) for p in params)), rel=1e-12)
    assert main(small + ["--save", str(tmp_path / "b.safetensors")]) == 0
    without = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert len(recorders) == 1 and without["test_loss"] == with_viz["test_loss"]
    a, b = cr.load(tmp_path / "a.safetensors")["model"], cr.load(tmp_path / "b.safetensors")["model"]
    assert all(np.array_equal(a[k].numpy(), b[k].numpy()) for k in b)


def test_a_viz_folder_that_is_a_file_is_refused_before_training(tmp_path, capsys):
    target = tmp_path / "pictures"
    target.write_text("mine\n")
    assert main(["train", "--epochs", "1", "--no-progress", "--viz", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"chainrule train: error: --viz {target}: is a file, not a folder\n"
    assert target.read_text() == "mine\n"


# ---- --distributed: data-parallel training under mpiexec -----------------------------------------------------
from tests.mpi_testing import run_mpi  # noqa: E402


def mpi_train(processes, cwd, *args):
    options = ["--no-progress", "--hidden", "16", "--schedule", "constant", "--batch-size", "128"]
    return run_mpi(processes, ["-m", "chainrule", "train", *options, *args], cwd=cwd)


@pytest.fixture(scope="module")
def distributed_runs(tmp_path_factory):
    """Two processes: 2 epochs straight, and 1 epoch resumed to 2 (the resume takes --distributed from the
    checkpoint)."""
    folder = tmp_path_factory.mktemp("distributed")
    whole = mpi_train(2, folder, "--distributed", "--epochs", "2", "--save", "whole.safetensors")
    mpi_train(2, folder, "--distributed", "--epochs", "1", "--save", "part.safetensors")
    resumed = mpi_train(2, folder, "--epochs", "2", "--resume", "part.safetensors")
    return folder, whole, resumed


def test_distributed_rank_0_alone_prints_and_saves(distributed_runs):
    folder, whole, _resumed = distributed_runs
    lines = whole.stdout.splitlines()
    assert sum(line.startswith("epoch ") for line in lines) == 2
    assert sum(line.startswith("chainrule train:") for line in lines) == 1
    assert sum(line.startswith("checkpoint saved") for line in lines) == 1
    assert "distributed: 2 processes (MPI), batch 128 each, 256 per step" in lines
    checkpoint = cr.load(folder / "whole.safetensors")
    assert checkpoint["args"]["world_size"] == 2 and checkpoint["args"]["distributed"] is True
    assert list(checkpoint["model"]) == ["1.weight", "1.bias", "3.weight", "3.bias"]  # a plain run's keys
    assert checkpoint["history"][-1]["test_accuracy"] > 0.5


def test_distributed_resume_ends_where_the_straight_run_does(distributed_runs):
    folder, _whole, resumed = distributed_runs
    assert "resumed from part.safetensors after epoch 1" in resumed.stdout
    whole, part = cr.load(folder / "whole.safetensors"), cr.load(folder / "part.safetensors")
    assert part["epoch"] == whole["epoch"] == 2
    for key, value in whole["model"].items():
        np.testing.assert_array_equal(part["model"][key].numpy(), value.numpy(), err_msg=key)


def test_distributed_resume_needs_the_same_number_of_processes(distributed_runs, capsys):
    folder = distributed_runs[0]
    code = main(["train", "--resume", str(folder / "whole.safetensors"), "--epochs", "3", "--no-progress"])
    assert code == 2
    assert "was trained by 2 process(es) and this run has 1" in capsys.readouterr().err
    assert not cr.distributed.is_initialized()


def test_mpiexec_without_distributed_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("PMI_SIZE", "2")
    assert main(["train", "--epochs", "1", "--no-progress"]) == 2
    assert "without --distributed" in capsys.readouterr().err


def test_distributed_processes_take_a_gpu_each(monkeypatch):
    """On a machine with several GPUs (CuPy's runtime faked here), process r of --distributed takes GPU r % count."""
    from chainrule.cli.train import process_device

    chosen = []
    monkeypatch.setattr(cr.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(cr.cuda, "set_device", chosen.append)
    monkeypatch.setattr(cr.cuda, "current_device", lambda: chosen[-1])
    assert [process_device(cr.device("cuda", 0), rank) for rank in range(3)] == [cr.device("cuda", i) for i in (0, 1, 0)]
    assert process_device(cr.device("cpu"), 1) == cr.device("cpu") and len(chosen) == 3
    monkeypatch.setattr(cr.cuda, "device_count", lambda: 1)
    assert process_device(cr.device("cuda", 0), 1) == cr.device("cuda", 0)  # one GPU: every process shares it
