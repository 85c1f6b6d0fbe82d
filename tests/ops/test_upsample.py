"""interpolate against PyTorch: nearest / nearest-exact (1-, 2-, 3-d), linear / bilinear / trilinear with and
without align_corners, sizes and scale factors (recomputed or not), float64 values and gradients, float32,
finite differences, second derivatives, errors."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from nn_testing import run_both
from torch_parity import check_gradcheck, check_second_order, check_torch, random_array

import chainrule as cr
import chainrule.nn.functional as F


def interpolate_both(x, **options):
    return run_both(lambda t: F.interpolate(t, **options), lambda t: TF.interpolate(t, **options), [x])


SIZE_CASES = [  # input shape, size
    ((2, 3, 5), 9), ((2, 3, 5), 3), ((1, 2, 7), (10,)),
    ((2, 2, 3, 4), (7, 5)), ((1, 3, 6, 5), (4, 11)), ((2, 1, 4, 4), 8), ((1, 2, 5, 3), (5, 3)), ((1, 2, 1, 1), (3, 2)),
    ((1, 2, 3, 4, 2), (5, 2, 3)), ((1, 1, 2, 3, 4), 3),
]


@pytest.mark.parametrize("shape, size", SIZE_CASES)
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear"])
def test_interpolate_to_a_size_matches_torch(shape, size, mode):
    if mode == "linear":
        mode = {3: "linear", 4: "bilinear", 5: "trilinear"}[len(shape)]
    for align_corners in ((None,) if mode.startswith("nearest") else (False, True)):
        interpolate_both(random_array(shape, len(shape)), size=size, mode=mode, align_corners=align_corners)


@pytest.mark.parametrize("scale_factor", [2, 3, 0.5, 1.7, 2.5, 1 / 3, (2.0, 0.75)])
@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("nearest-exact", None), ("bilinear", False),
                                                 ("bilinear", True)])
@pytest.mark.parametrize("recompute_scale_factor", [None, True])
def test_interpolate_by_a_scale_factor_matches_torch(scale_factor, mode, align_corners, recompute_scale_factor):
    # with recompute_scale_factor the kernel gets in / out, else 1 / scale_factor: other source rows
    interpolate_both(random_array((2, 2, 7, 6), 3), scale_factor=scale_factor, mode=mode, align_corners=align_corners,
                     recompute_scale_factor=recompute_scale_factor)


@pytest.mark.parametrize("shape", [(2, 3, 9), (1, 2, 5, 7, 3)])
def test_interpolate_scale_factors_other_ranks_match_torch(shape):
    mode = "linear" if len(shape) == 3 else "trilinear"
    for options in (dict(mode="nearest"), dict(mode=mode), dict(mode=mode, align_corners=True)):
        interpolate_both(random_array(shape, 2), scale_factor=1.5, **options)


def test_nearest_indices_of_many_sizes_match_torch():
    """Every output row of nearest / nearest-exact picks the same input row as PyTorch's float32 index rule."""
    x = np.arange(13.0)[None, None, :]
    for n_in in range(1, 14):
        for n_out in range(1, 30):
            for mode in ("nearest", "nearest-exact"):
                ours = F.interpolate(cr.tensor(x[..., :n_in]), size=n_out, mode=mode)
                theirs = TF.interpolate(torch.tensor(x[..., :n_in]), size=n_out, mode=mode)
                np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("mode", ["nearest", "bilinear"])
def test_interpolate_float32_stays_float32(mode):
    x = random_array((2, 3, 5, 4), 4).astype(np.float32)
    y = check_torch(lambda lib, t: lib.nn.functional.interpolate(t, scale_factor=1.6, mode=mode), x)
    assert y.dtype == cr.float32


def test_interpolate_keeps_integer_nearest_and_copies_at_the_same_size():
    x = np.arange(12).reshape(1, 1, 3, 4)
    check_torch(lambda lib, t: lib.nn.functional.interpolate(t, scale_factor=2), x.astype(np.uint8))
    same = check_torch(lambda lib, t: lib.nn.functional.interpolate(t, size=(3, 4)), random_array((1, 1, 3, 4)))
    assert same.grad_fn is not None


def test_interpolate_finite_differences_and_second_derivatives():
    x = random_array((1, 2, 3, 4), 5)
    for options in (dict(scale_factor=2.5, mode="nearest"), dict(size=(5, 3), mode="bilinear"),
                    dict(size=(2, 7), mode="bilinear", align_corners=True)):
        check_gradcheck(lambda lib, t: lib.nn.functional.interpolate(t, **options), x)
        check_second_order(lambda lib, t: lib.nn.functional.interpolate(t, **options) ** 3, x)


def test_interpolate_empty_batch_matches_torch():
    check_torch(lambda lib, t: lib.nn.functional.interpolate(t, scale_factor=2, mode="bilinear"),
                random_array((0, 2, 3, 3)))


@pytest.mark.parametrize("shape, options", [
    ((1, 1, 4, 4), dict(size=3, mode="nearest", align_corners=True)),
    ((1, 1, 4, 4), dict(size=3, scale_factor=2)),
    ((1, 1, 4, 4), dict()),
    ((1, 1, 4, 4), dict(size=(3, 3, 3))),
    ((1, 1, 4, 4), dict(scale_factor=(2, 2, 2))),
    ((1, 1, 4, 4), dict(size=3, recompute_scale_factor=True)),
    ((1, 1, 4), dict(size=3, mode="nearest", antialias=True)),
])
def test_interpolate_value_errors_as_torch(shape, options):
    x = random_array(shape)
    with pytest.raises(ValueError) as theirs:
        TF.interpolate(torch.tensor(x), **options)
    with pytest.raises(ValueError, match=str(theirs.value)[:30].replace("(", r"\(").replace("|", r"\|")):
        F.interpolate(cr.tensor(x), **options)


@pytest.mark.parametrize("shape, mode", [((1, 1, 4), "bilinear"), ((1, 1, 4, 4), "linear"), ((1, 1, 4, 4), "trilinear"),
                                         ((1, 4), "nearest"), ((1, 1, 4, 4), "cubic")])
def test_interpolate_modes_of_other_ranks_are_not_implemented_as_torch(shape, mode):
    x = random_array(shape)
    with pytest.raises(NotImplementedError) as theirs:
        TF.interpolate(torch.tensor(x), size=3, mode=mode)
    with pytest.raises(NotImplementedError, match=str(theirs.value)[:25].replace("(", r"\(")):
        F.interpolate(cr.tensor(x), size=3, mode=mode)


def test_interpolate_other_errors():
    with pytest.raises(ValueError, match="greater than 0"):
        F.interpolate(cr.randn(1, 1, 4, 4), scale_factor=0.1)
    with pytest.raises(TypeError, match="size"):
        F.interpolate(cr.randn(1, 1, 4, 4), size=(2.0, 3))
    with pytest.raises(NotImplementedError, match="bicubic.*not implemented"):
        F.interpolate(cr.randn(1, 1, 4, 4), size=3, mode="bicubic")
    with pytest.raises(TypeError, match="Tensor"):
        F.interpolate(np.zeros((1, 1, 4, 4)), size=3)
