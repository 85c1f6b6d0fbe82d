"""Dropout, Dropout1d, Dropout2d: reproducible with manual_seed; channel dropout zeroes whole channels,
scales the rest by 1 / (1 - p), is the identity in eval mode, and takes the inputs (and warns) as torch 2.13."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F


def test_dropout_is_reproducible_with_manual_seed():
    layer = nn.Dropout(0.5)
    x = cr.ones(10, 10)
    cr.manual_seed(42)
    first = layer(x).numpy().copy()
    cr.manual_seed(42)
    second = layer(x).numpy()
    third = layer(x).numpy()
    assert (first == second).all()
    assert not (second == third).all()


def channel_values(y, channel_dims):
    """Each channel's values as rows: (channels, elements per channel)."""
    return y.reshape(int(np.prod(y.shape[:channel_dims])), -1)


@pytest.mark.parametrize("fn,shape,channel_dims", [
    (F.dropout1d, (40, 50, 6), 2), (F.dropout1d, (400, 6), 1), (F.dropout2d, (40, 50, 2, 3), 2),
])
@pytest.mark.parametrize("p", [0.2, 0.7])
def test_channel_dropout_statistics(fn, shape, channel_dims, p):
    cr.manual_seed(0)
    x = cr.tensor(np.random.default_rng(0).uniform(1, 2, size=shape))
    y = fn(x, p).numpy()
    rows, inputs = channel_values(y, channel_dims), channel_values(x.numpy(), channel_dims)
    dropped = (rows == 0).all(axis=1)
    assert ((rows == 0).any(axis=1) == dropped).all()  # a channel is zeroed entirely or not at all
    assert abs(dropped.mean() - p) < 4 * np.sqrt(p * (1 - p) / len(rows))  # within 4 standard errors
    np.testing.assert_allclose(rows[~dropped], inputs[~dropped] / (1 - p), rtol=1e-15)


def test_channel_dropout_gradient_is_the_mask_and_keeps_float32():
    cr.manual_seed(3)
    x = cr.randn(8, 5, 4, 3, requires_grad=True)
    y = nn.Dropout2d(0.4)(x)
    y.sum().backward()
    kept = (y.detach().numpy() != 0).any(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(kept / 0.6, x.shape), rtol=1e-6)
    assert y.dtype == cr.float32 and x.grad.dtype == cr.float32


@pytest.mark.parametrize("ours,theirs", [(nn.Dropout1d, tnn.Dropout1d), (nn.Dropout2d, tnn.Dropout2d)])
def test_channel_dropout_modules_eval_repr_and_p(ours, theirs):
    layer = ours(0.3)
    assert repr(layer) == repr(theirs(0.3)) and repr(ours(inplace=True)) == repr(theirs(inplace=True))
    layer.eval()
    x = cr.randn(2, 3, 4, 5) if ours is nn.Dropout2d else cr.randn(2, 3, 4)
    assert layer(x) is x
    for p in [-0.1, 1.5]:
        with pytest.raises(ValueError, match="between 0 and 1"):
            ours(p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            (F.dropout1d if ours is nn.Dropout1d else F.dropout2d)(x, p)
    assert (ours(1.0)(x).numpy() == 0).all()


def test_dropout1d_accepts_2d_and_3d_inputs_only():
    for shape in [(3, 4), (2, 3, 4)]:
        assert F.dropout1d(cr.ones(*shape)).shape == TF.dropout1d(torch.ones(*shape)).shape
    for shape in [(4,), (2, 3, 4, 5)]:
        with pytest.raises(RuntimeError, match="Expected 2D or 3D input"):
            TF.dropout1d(torch.ones(*shape))
        with pytest.raises(ValueError, match="Expected 2D or 3D input"):
            F.dropout1d(cr.ones(*shape))


def warnings_of(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fn(*args, **kwargs)
            error = None
        except (RuntimeError, ValueError) as e:
            error = type(e)
    return [str(w.message) for w in caught], error


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 4), (2, 3, 4, 5), (2, 3, 4, 5, 6)])
@pytest.mark.parametrize("training", [True, False])
def test_dropout2d_warnings_and_errors_match_torch(shape, training):
    ours, our_error = warnings_of(F.dropout2d, cr.ones(*shape), training=training)
    theirs, their_error = warnings_of(TF.dropout2d, torch.ones(*shape), training=training)
    assert ours == theirs
    assert (our_error is None) == (their_error is None)  # only a 1-D input in training fails


def test_dropout2d_on_3d_input_drops_length_channels():
    cr.manual_seed(5)
    with pytest.warns(UserWarning, match="3D input to dropout2d"):
        y = nn.Dropout2d(0.5)(cr.ones(30, 20, 7)).numpy()
    assert ((y == 0).all(axis=2) == (y == 0).any(axis=2)).all()


def test_channel_dropout_inplace_outside_the_graph():
    x = cr.ones(4, 3, 5)
    assert F.dropout1d(x, 0.5, inplace=True) is x
    assert set(np.unique(x.numpy())) <= {0.0, 2.0}
