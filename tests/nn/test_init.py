"""nn.init: PyTorch's gains, fans, bounds and standard deviations; in place, reproducible."""
import math

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import init


@pytest.mark.parametrize("nonlinearity,param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None),
])
def test_calculate_gain_equals_torch(nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans_include_the_receptive_field():
    assert init._calculate_fan_in_and_fan_out(cr.zeros(6, 3, 5, 5)) == (75, 150)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(cr.zeros(3))


def uniform_bound_ok(values, bound):
    """All inside [-bound, bound], filling it (max |v| near bound), with the std of U(-b, b)."""
    assert np.abs(values).max() <= bound
    assert np.abs(values).max() > 0.98 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


@pytest.mark.parametrize("shape", [(200, 100), (50, 20, 3, 3)])
def test_uniform_initialisers(shape):
    cr.manual_seed(0)
    fan_in = shape[1] * int(np.prod(shape[2:]))
    fan_out = shape[0] * int(np.prod(shape[2:]))
    t = cr.zeros(*shape)
    uniform_bound_ok(init.xavier_uniform_(t, gain=2.0).numpy(), 2.0 * math.sqrt(6 / (fan_in + fan_out)))
    uniform_bound_ok(init.kaiming_uniform_(t, nonlinearity="relu").numpy(), math.sqrt(2) * math.sqrt(3 / fan_in))
    uniform_bound_ok(init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu").numpy(), math.sqrt(6 / fan_out))
    uniform_bound_ok(init.kaiming_uniform_(t, a=math.sqrt(5)).numpy(), 1 / math.sqrt(fan_in))
    values = init.uniform_(t, -0.5, 2.0).numpy()
    assert values.min() >= -0.5 and values.max() < 2.0 and values.mean() == pytest.approx(0.75, abs=0.02)


def test_normal_initialisers():
    cr.manual_seed(1)
    t = cr.zeros(300, 200)
    assert init.xavier_normal_(t).numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    assert init.kaiming_normal_(t, nonlinearity="relu").numpy().std() == pytest.approx(math.sqrt(2 / 200), rel=0.02)
    fan_out_tanh = init.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh").numpy()
    assert fan_out_tanh.std() == pytest.approx(5 / 3 / math.sqrt(300), rel=0.02)
    values = init.normal_(t, 3.0, 0.5).numpy()
    assert values.mean() == pytest.approx(3.0, abs=0.01) and values.std() == pytest.approx(0.5, rel=0.02)


def test_constants_work_in_place_on_parameters_and_keep_dtype():
    p = nn.Parameter(cr.zeros(2, 3, dtype=cr.float64))
    array = p._data
    assert init.ones_(p) is p and (p.detach().numpy() == 1).all()
    assert init.constant_(p, 0.25) is p and (p.detach().numpy() == 0.25).all()
    assert init.zeros_(p) is p and (p.detach().numpy() == 0).all()
    init.kaiming_uniform_(p)
    assert p._data is array and p.dtype == cr.float64 and p.requires_grad


def test_initialisers_are_reproducible_and_take_a_generator():
    t = cr.zeros(4, 5)
    cr.manual_seed(3)
    first = init.xavier_normal_(t).numpy().copy()
    cr.manual_seed(3)
    assert (init.xavier_normal_(t).numpy() == first).all()
    g = cr.Generator().manual_seed(3)
    assert (init.xavier_normal_(t, generator=g).numpy() == first).all()


def test_bad_mode_and_zero_element_tensors():
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_uniform_(cr.zeros(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_normal_(cr.zeros(0, 3))
