"""examples/char_gpt.py and examples/char_rnn.py (lm and names) run at tiny sizes and learn; the GPT, written
once against PyTorch's API, gives PyTorch's logits, loss, gradients and samples when run by either library."""
import importlib.util
import math
import os

import numpy as np
import pytest
import torch

import chainrule as cr

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
TINY_GPT = ["--n-layer", "1", "--n-head", "2", "--n-embd", "16", "--block-size", "16", "--batch-size", "8",
            "--eval-iters", "2", "--sample-chars", "20"]


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


char_gpt, char_rnn = load("char_gpt"), load("char_rnn")
VOCAB = len(set(char_gpt.load_text()))


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_char_gpt_loss_starts_near_uniform_and_falls(tmp_path, lib):
    out = tmp_path / "run"
    curve = char_gpt.main(TINY_GPT + ["--steps", "30", "--eval-interval", "15", "--lr", "1e-2", "--warmup-iters", "5",
                                      "--lib", lib, "--out", str(out)])
    losses = np.array([row[1:3] for row in curve])  # train, val at steps 0, 15, 30
    assert [row[0] for row in curve] == [0, 15, 30]
    assert np.all(np.abs(losses[0] - math.log(VOCAB)) < 0.3)  # small initial weights: nearly uniform guesses
    assert np.all(losses[-1] < losses[0] - 0.5)
    lines = (out / "loss.csv").read_text().splitlines()
    assert lines[0] == "step,train_loss,val_loss,seconds" and len(lines) == 4
    assert len((out / "samples.txt").read_text(encoding="utf-8")) == 21  # the prompt "\n" and 20 characters


def test_char_gpt_on_another_device_trains_as_on_the_cpu(capsys):
    """--device array_api_strict (chainrule's CPU stand-in for a GPU): the same seed gives the same losses and
    the same sample as the CPU run, the model, batches, positions and sampling all living on that device."""
    argv = TINY_GPT + ["--steps", "6", "--eval-interval", "3", "--eval-iters", "2"]
    runs = []
    for device in ("cpu", "array_api_strict"):
        curve = char_gpt.main(argv + ["--device", device])
        sample = capsys.readouterr().out.split("---\n", 1)[1]
        runs.append(([row[1:3] for row in curve], sample))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-6)
    assert runs[1][1] == runs[0][1]


def same_gpt_in_both(argv):
    """The example's GPT in chainrule and in torch, float64, eval mode, torch's weights copied into chainrule's."""
    args = char_gpt.parse(TINY_GPT + argv)
    torch.manual_seed(0)
    theirs = char_gpt.build(args, torch, VOCAB).double().eval()
    with torch.no_grad():  # LayerNorm starts at 1 and 0: move it away, so that the test sees its gain and bias
        for name, p in theirs.named_parameters():
            if "ln" in name:
                p.add_(0.1 * torch.randn_like(p))
    ours = char_gpt.build(args, cr, VOCAB).double().eval()
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("argv", [[], ["--flash"], ["--gelu", "none", "--no-bias"]])
def test_char_gpt_same_logits_loss_and_gradients_as_torch(argv):
    ours, theirs = same_gpt_in_both(argv)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    text = char_gpt.CharData(char_gpt.load_text()).val
    x, y = (t.numpy() for t in char_gpt.get_batch(text, 16, 4, np.random.default_rng(0), cr))
    logits, loss = ours(cr.from_numpy(x), cr.from_numpy(y))
    expected_logits, expected_loss = theirs(torch.from_numpy(x), torch.from_numpy(y))
    np.testing.assert_allclose(logits.detach().numpy(), expected_logits.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(loss.item(), expected_loss.item(), rtol=1e-12)
    loss.backward()
    expected_loss.backward()
    theirs_grads = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():  # weight tying: one gradient, the sum of both uses
        np.testing.assert_allclose(p.grad.numpy(), theirs_grads[name].grad.numpy(), rtol=1e-8, atol=1e-12,
                                   err_msg=name)


def test_char_gpt_greedy_generation_matches_torch():
    ours, theirs = same_gpt_in_both([])
    prompt = [[5, 6, 7]]
    # top_k=1 leaves one token to sample: generation is deterministic; 20 > block_size crops the context
    ids = ours.generate(cr.tensor(prompt), 20, top_k=1)
    expected = theirs.generate(torch.tensor(prompt), 20, top_k=1)
    assert ids.tolist() == expected.tolist()


def test_char_gpt_sampling_keeps_the_top_k_only():
    ours, _ = same_gpt_in_both([])
    cr.manual_seed(0)
    logits, _ = ours(cr.tensor([[1, 2, 3]]))
    allowed = set(np.argsort(logits[0, -1].detach().numpy())[-3:])
    for _ in range(5):
        assert ours.generate(cr.tensor([[1, 2, 3]]), 1, temperature=2.0, top_k=3)[0, -1].item() in allowed


def test_char_rnn_lm_learns_and_samples(tmp_path):
    out = tmp_path / "lm"
    curve = char_rnn.main(["lm", "--embed-size", "8", "--hidden-size", "32", "--seq-len", "16", "--batch-size", "8",
                           "--steps", "30", "--eval-interval", "15", "--eval-windows", "2", "--lr", "1e-2",
                           "--sample-chars", "20", "--out", str(out)])
    losses = np.array([row[1:3] for row in curve])
    assert np.all(np.abs(losses[0] - math.log(VOCAB)) < 0.3)
    assert np.all(losses[-1] < losses[0] - 0.5)
    assert len((out / "loss.csv").read_text().splitlines()) == 4
    assert len((out / "samples.txt").read_text(encoding="utf-8")) == 21


def test_char_rnn_detached_state_cuts_the_graph():
    x = cr.zeros(2, 3, requires_grad=True)
    state = char_rnn.detach((x * 2, x * 3))
    assert all(s.grad_fn is None and not s.requires_grad for s in state)
    np.testing.assert_array_equal(state[1].numpy(), np.zeros((2, 3)))


@pytest.mark.parametrize("model", ["rnn", "scratch"])
def test_char_rnn_names_learns_and_reports_every_language(model, capsys):
    names = char_rnn.load_names()
    losses, matrix = char_rnn.main(["names", "--model", model, "--epochs", "2", "--hidden-size", "32",
                                    "--predict", "Rossi"])
    assert losses[1] < losses[0] < math.log(len(names))
    train, test = char_rnn.split_names(names, 0.15, np.random.default_rng(0))
    assert matrix.sum() == len(test) and len(train) + len(test) == sum(map(len, names.values()))
    accuracy = np.trace(matrix) / matrix.sum()
    assert accuracy > 2 / len(names)  # well above chance after two epochs
    printed = capsys.readouterr().out
    assert all(language in printed for language in names) and "Rossi -> " in printed


def test_names_padding_and_the_scratch_rnn_agree_with_torch():
    """ScratchRNN on a padded batch = torch's RNN run on each name alone (same weights, float64)."""
    chain = char_rnn.ScratchRNN(char_rnn.N_LETTERS, 8, 3).double()
    rnn = torch.nn.RNN(char_rnn.N_LETTERS, 8).double()
    h2o = torch.nn.Linear(8, 3).double()
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(chain.i2h.weight.detach().numpy()))
        rnn.bias_ih_l0.copy_(torch.from_numpy(chain.i2h.bias.detach().numpy()))
        rnn.weight_hh_l0.copy_(torch.from_numpy(chain.h2h.weight.detach().numpy()))
        rnn.bias_hh_l0.copy_(torch.from_numpy(chain.h2h.bias.detach().numpy()))
        h2o.weight.copy_(torch.from_numpy(chain.h2o.weight.detach().numpy()))
        h2o.bias.copy_(torch.from_numpy(chain.h2o.bias.detach().numpy()))
    names = ["Ng", "O'Neill", "Li-Smith"]
    letters, lengths = char_rnn.names_to_tensor(names)
    ours = chain(letters.double(), lengths).detach().numpy()
    for b, name in enumerate(names):
        onehot = torch.zeros(len(name), 1, char_rnn.N_LETTERS, dtype=torch.float64)
        onehot[torch.arange(len(name)), 0, [char_rnn.ALL_LETTERS.index(c) for c in name]] = 1
        _, hidden = rnn(onehot)
        expected = torch.log_softmax(h2o(hidden[0]), dim=1)[0].detach().numpy()
        np.testing.assert_allclose(ours[b], expected, rtol=1e-12, atol=1e-12)


def test_surnames_are_small_ascii_and_each_in_one_language():
    names = char_rnn.load_names()
    assert 10 <= len(names) <= 18
    seen = {}
    for language, listed in names.items():
        assert len(listed) >= 40 and len(set(listed)) == len(listed)
        assert all(set(n) <= set(char_rnn.ALL_LETTERS) for n in listed)
        for n in listed:
            assert seen.setdefault(n, language) == language, n
    folder = char_rnn.SURNAMES
    assert sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)) < 200_000
