"""cumsum and cumprod against PyTorch and finite differences, zeros in cumprod's input included."""
import numpy as np
import pytest
from torch_parity import check_op, check_second_order, check_torch, random_array

import chainrule as cr
from chainrule.errors import OutOfRangeError

DIMS = [((5,), 0), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), 1), ((), 0), ((2, 0, 3), 1)]


@pytest.mark.parametrize("shape, dim", DIMS, ids=str)
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_scans_match_torch(name, shape, dim):
    check_op(lambda m, t: getattr(t, name)(dim), random_array(shape, 1))
    check_op(lambda m, t: getattr(m, name)(t, dim=dim) * 2.0, random_array(shape, 2))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_scans_keep_float32(name):
    out = check_torch(lambda m, t: getattr(m, name)(t, 1), random_array((3, 4), 3, dtype=np.float32))
    assert out.dtype == cr.float32


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int32, np.int64, np.uint8])
@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_integer_and_bool_scans_are_int64_as_torch(name, dtype):
    values = np.random.default_rng(4).integers(0, 3, (3, 4)).astype(dtype)
    check_torch(lambda m, t: getattr(t, name)(1), values)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_dtype_argument_casts_first(name):
    check_torch(lambda m, t: getattr(m, name)(t, 0, dtype=m.float64), random_array((4,), 5, dtype=np.float32))
    check_torch(lambda m, t: getattr(t, name)(0, dtype=m.float32), np.arange(1, 5))


ZERO_CASES = {  # where the zeros are along the scanned dim: one, several, first, last
    "one": [1.5, 0.0, -2.0, 0.5],
    "first": [0.0, 1.5, -2.0, 0.5],
    "last": [1.5, -2.0, 0.5, 0.0],
    "two": [1.5, 0.0, -2.0, 0.0],
    "all": [0.0, 0.0, 0.0, 0.0],
}


@pytest.mark.parametrize("case", sorted(ZERO_CASES))
def test_cumprod_gradient_with_zeros_is_torchs(case):
    row = np.array(ZERO_CASES[case])
    check_op(lambda m, t: m.cumprod(t, 0), row)
    table = np.stack([row, np.roll(row, 1), random_array((4,), 6)])
    check_op(lambda m, t: t.cumprod(1), table)
    check_op(lambda m, t: t.cumprod(0), table.T.copy())
    check_second_order(lambda m, t: t.cumprod(1), table)
    check_torch(lambda m, t: t.cumprod(1), table.astype(np.float32))


def test_second_derivatives_match_torch():
    x = random_array((3, 4), 7)
    check_second_order(lambda m, t: t.cumsum(1) ** 2, x)
    check_second_order(lambda m, t: m.cumsum(t * t, 0), x)
    check_second_order(lambda m, t: t.cumprod(1), x)
    check_second_order(lambda m, t: t.cumprod(0) ** 2, x)


def test_scan_errors():
    t = cr.ones(2, 3)
    for fn in (lambda: t.cumsum(2), lambda: cr.cumprod(t, -3)):
        with pytest.raises(OutOfRangeError):
            fn()
    with pytest.raises(TypeError, match="cumsum"):
        cr.cumsum([1.0, 2.0], 0)
    with pytest.raises(TypeError, match="cumprod"):
        t.cumprod(0.5)
