"""pad (constant, reflect, replicate, circular) against PyTorch: values, gradients, finite differences, errors."""
import pytest
import torch.nn.functional as TF
from nn_testing import rng, run_both
from torch_parity import check_gradcheck, check_second_order, random_array

import chainrule as cr
import chainrule.nn.functional as F


PAD_CASES = [
    ("constant", (2, 3, 4), (1, 2)),
    ("constant", (2, 3, 4), (1, -1, 2, 0, 0, 1)),
    ("reflect", (2, 3, 5), (2, 3)),
    ("reflect", (2, 3, 4, 5), (1, 2, 3, 0)),
    ("replicate", (2, 3, 4, 5), (3, 1, 0, 5)),
    ("circular", (2, 3, 4, 5), (2, 5, 4, 1)),
    ("circular", (1, 2, 3), (3, 0)),
]


@pytest.mark.parametrize("mode, shape, pads", PAD_CASES)
def test_pad_matches_torch(mode, shape, pads):
    run_both(lambda x: F.pad(x, pads, mode=mode), lambda x: TF.pad(x, pads, mode=mode), [rng(1).normal(size=shape)])


def test_pad_value_and_gradcheck():
    run_both(lambda x: F.pad(x, (1, 1, 2, 0), value=-3.5), lambda x: TF.pad(x, (1, 1, 2, 0), value=-3.5),
             [rng(2).normal(size=(2, 3))])
    check_gradcheck(lambda lib, x: lib.nn.functional.pad(x, (2, 1), mode="reflect"), random_array((2, 4), 3))
    check_second_order(lambda lib, x: lib.nn.functional.pad(x, (1, 2, 1, 0)) ** 2, random_array((2, 3), 4))


@pytest.mark.parametrize("call, message", [
    (lambda x: F.pad(x, (1,)), "even"),
    (lambda x: F.pad(x, (1, 1) * 4), "pairs"),
    (lambda x: F.pad(x, (3, 0), mode="reflect"), "less than"),
    (lambda x: F.pad(x, (1, 0), mode="mirror"), "mode"),
    (lambda x: F.pad(x, (-1, 0), mode="replicate"), "negative"),
    (lambda x: F.pad(x, (1, 0), mode="reflect", value=2.0), "value"),
])
def test_pad_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call(cr.randn(2, 3, 3))
