"""cr.manual_seed makes init, dropout, shuffling and training reproducible bit for bit; other seeds differ.

And the generator's state is part of a checkpoint: saved with cr.save mid-training and restored, the run
goes on exactly as if it had never stopped, dropout masks and shuffling included.
"""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn

LAYERS = {"Linear": lambda: nn.Linear(20, 30)}
if hasattr(nn, "Conv2d"):  # the convolution layers may not be in this build yet
    LAYERS["Conv2d"] = lambda: nn.Conv2d(3, 8, 3)


def bits(arrays):
    """The exact bytes, dtypes and shapes of a list of tensors/arrays (bit-for-bit comparison, -0.0 and NaN too)."""
    arrays = [np.asarray(a.numpy() if isinstance(a, cr.Tensor) else a) for a in arrays]
    return [(a.dtype.str, a.shape, a.tobytes()) for a in arrays]


def twice_and_other_seed(make):
    """make() under seeds 7, 7 and 8."""
    results = []
    for seed in (7, 7, 8):
        cr.manual_seed(seed)
        results.append(bits(make()))
    return results


def assert_reproducible(make):
    first, again, other = twice_and_other_seed(make)
    assert first == again
    assert first != other


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_init(layer):
    assert_reproducible(lambda: list(LAYERS[layer]().state_dict().values()))


def test_dropout_masks():
    x = cr.ones(40, 50)
    assert_reproducible(lambda: [F.dropout(x, 0.3), nn.Dropout(0.5)(x), F.dropout(x.double(), 0.1)])


def test_dataloader_shuffling_over_several_epochs():
    data = cr.data.TensorDataset(cr.arange(100))
    loader = cr.data.DataLoader(data, batch_size=16, shuffle=True)
    assert_reproducible(lambda: [batch for _ in range(3) for (batch,) in loader])


def test_randn_rand_randint_randperm():
    assert_reproducible(lambda: [cr.randn(5, 3), cr.rand(4), cr.randint(0, 100, (6,)), cr.randperm(20)])


# ---- training ------------------------------------------------------------------------------------------
_data = np.random.default_rng(0)
DATA = cr.data.TensorDataset(cr.tensor(_data.standard_normal((96, 12)), dtype=cr.float32),
                             cr.tensor(_data.integers(0, 3, 96)))


def new_run():
    """(model, optimizer, shuffling loader) of a small MLP with dropout; init, masks and order use the generator."""
    model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    optimizer = cr.optim.Adam(model.parameters(), lr=0.01)
    return model, optimizer, cr.data.DataLoader(DATA, batch_size=16, shuffle=True)


def train_epoch(model, optimizer, loader):
    model.train()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def trained(epochs=3):
    model, optimizer, loader = new_run()
    for _ in range(epochs):
        train_epoch(model, optimizer, loader)
    return list(model.state_dict().values())


def test_training_with_dropout_and_shuffling():
    assert_reproducible(trained)


def test_generator_state_round_trips_through_save(tmp_path):
    cr.manual_seed(3)
    cr.randn(10)  # a state part-way through, with a cached half of a uint64 too
    cr.random.default_generator.rng.random(dtype=np.float32)
    cr.save({"rng": cr.random.default_generator.get_state()}, tmp_path / "rng.safetensors")
    expected = bits([cr.randn(8), cr.rand(3, dtype=cr.float32), cr.randperm(9)])
    cr.manual_seed(99)
    cr.random.default_generator.set_state(cr.load(tmp_path / "rng.safetensors")["rng"])
    assert bits([cr.randn(8), cr.rand(3, dtype=cr.float32), cr.randperm(9)]) == expected


def test_training_resumed_from_a_checkpoint_matches_an_uninterrupted_run(tmp_path):
    cr.manual_seed(5)
    uninterrupted = trained(epochs=4)

    cr.manual_seed(5)
    model, optimizer, loader = new_run()
    for _ in range(2):
        train_epoch(model, optimizer, loader)
    path = tmp_path / "checkpoint.safetensors"
    cr.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "rng": cr.random.default_generator.get_state()}, path)
    train_epoch(model, optimizer, loader)  # the work an interruption loses

    cr.manual_seed(1234)  # a new process: other weights, other generator state
    model, optimizer, loader = new_run()
    checkpoint = cr.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    cr.random.default_generator.set_state(checkpoint["rng"])
    for _ in range(2):
        train_epoch(model, optimizer, loader)
    assert bits(model.state_dict().values()) == bits(uninterrupted)
