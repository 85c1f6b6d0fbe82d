"""conv1d / conv2d against PyTorch (float64 values and every gradient), blocks of images,
finite differences, second derivatives, errors, zero-size dims, float32."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from nn_testing import assert_close, assert_grads_close, pair, rng, run_both
from torch_parity import check_gradcheck, check_second_order, random_array

import chainrule as cr
import chainrule.nn.functional as F


CONV2D_CASES = [
    # N, C, H, W, O, kernel, stride, padding, dilation, groups
    (2, 3, 7, 9, 4, 3, 1, 0, 1, 1),
    (1, 3, 6, 6, 5, 3, 1, 1, 1, 1),
    (4, 4, 9, 8, 6, (2, 3), 2, (1, 0), 1, 2),
    (3, 6, 11, 7, 6, 3, (2, 1), 2, (2, 1), 3),
    (2, 4, 10, 10, 8, (3, 1), (1, 3), (0, 2), 2, 4),
    (1, 1, 5, 5, 1, 5, 1, 0, 1, 1),
    (2, 2, 5, 6, 3, 1, 1, 0, 1, 1),
    (5, 3, 8, 8, 2, 2, 3, 1, 1, 1),
    (2, 4, 7, 7, 4, 3, 1, "same", (2, 1), 2),
    (2, 3, 6, 9, 4, (2, 4), 1, "same", 1, 1),
    (2, 3, 6, 5, 4, (2, 2), 1, "valid", 1, 1),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on its own zero-padded copy
@pytest.mark.parametrize("case", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(case, bias):
    n, c, h, w, o, kernel, stride, padding, dilation, groups = case
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    r = rng(sum(map(hash, map(str, case))) % 1000)
    arrays = [r.normal(size=(n, c, h, w)), r.normal(size=(o, c // groups, kh, kw))] + ([r.normal(size=o)] if bias else [])
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    run_both(lambda x, wt, *b: F.conv2d(x, wt, *b, **options), lambda x, wt, *b: TF.conv2d(x, wt, *b, **options), arrays)


CONV1D_CASES = [
    # N, C, L, O, k, stride, padding, dilation, groups
    (2, 3, 10, 4, 3, 1, 0, 1, 1),
    (1, 4, 9, 6, 2, 2, 1, 1, 2),
    (3, 6, 13, 3, 3, 3, 2, 2, 3),
    (2, 2, 7, 4, 4, 1, "same", 1, 1),
    (4, 1, 5, 2, 5, 1, 2, 1, 1),
]


@pytest.mark.parametrize("case", CONV1D_CASES)
def test_conv1d_matches_torch(case):
    n, c, length, o, k, stride, padding, dilation, groups = case
    r = rng(3)
    arrays = [r.normal(size=(n, c, length)), r.normal(size=(o, c // groups, k)), r.normal(size=o)]
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    y = run_both(lambda *t: F.conv1d(*t, **options), lambda *t: TF.conv1d(*t, **options), arrays)
    assert y.ndim == 3


@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 3), groups=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3),
    size=st.tuples(st.integers(3, 9), st.integers(3, 9)), kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), seed=st.integers(0, 1000),
)
def test_conv2d_random_geometry_matches_torch(n, groups, c, o, size, kernel, stride, padding, dilation, seed):
    if any(s + 2 * p < d * (k - 1) + 1 for s, p, d, k in zip(size, padding, dilation, kernel)):
        return  # no output position: both raise (tested below)
    r = rng(seed)
    x = r.normal(size=(n, c * groups, *size))
    w = r.normal(size=(o * groups, c, *kernel))
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    run_both(lambda *t: F.conv2d(*t, **options), lambda *t: TF.conv2d(*t, **options), [x, w, r.normal(size=o * groups)])


def _blocks_of(monkeypatch, images, x_shape, w_shape, stride, padding, dilation, groups):
    """Make the convolution run over blocks of `images` whole images (see conv.BLOCK_BYTES)."""
    from chainrule.ops import conv

    pads = tuple((p, p) for p in padding)
    geo = conv.Geometry(stride, pads, dilation, groups)
    plan = conv._Plan(x_shape, w_shape, geo, np.float64)
    monkeypatch.setattr(conv, "BLOCK_BYTES", images * plan.rows * plan.hg * plan.wg * 8)
    assert conv._Plan(x_shape, w_shape, geo, np.float64).block == min(images, x_shape[0])


BLOCK_CASES = [  # images per block, N, stride, dilation, groups: partial last blocks, one block for all
    (1, 3, (1, 1), (1, 1), 1), (2, 5, (1, 1), (1, 1), 1), (3, 5, (1, 1), (2, 1), 2),
    (5, 5, (1, 1), (1, 1), 1), (8, 5, (1, 1), (1, 2), 1), (2, 5, (2, 1), (1, 1), 2), (4, 7, (2, 2), (1, 1), 1),
]


@pytest.mark.parametrize("images, n, stride, dilation, groups", BLOCK_CASES)
@pytest.mark.parametrize("needs", ["all", "input", "weight"])
def test_conv2d_blocks_of_images_match_torch(monkeypatch, images, n, stride, dilation, groups, needs):
    x_shape, w_shape = (n, 4, 6, 7), (6, 4 // groups, 3, 2)
    _blocks_of(monkeypatch, images, x_shape, w_shape, stride, (1, 2), dilation, groups)
    r = rng(images + n)
    (x, tx), (w, tw), (b, tb) = (pair(r.normal(size=shape), requires_grad=False) for shape in (x_shape, w_shape, 6))
    wanted = {"all": [(x, tx), (w, tw), (b, tb)], "input": [(x, tx)], "weight": [(w, tw)]}[needs]
    for ours, theirs in wanted:
        ours.requires_grad_(True)
        theirs.requires_grad_(True)
    options = dict(stride=stride, padding=(1, 2), dilation=dilation, groups=groups)
    y, ty = F.conv2d(x, w, b, **options), TF.conv2d(tx, tw, tb, **options)
    assert_close(y, ty)
    gy = r.normal(size=ty.shape)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert_grads_close([x, w, b], [tx, tw, tb])


@pytest.mark.parametrize("stride", [1, 2])
def test_conv2d_second_derivatives_over_blocks_match_torch(monkeypatch, stride):
    _blocks_of(monkeypatch, 2, (3, 2, 6, 5), (4, 2, 3, 3), (stride, stride), (1, 1), (1, 1), 1)
    x, w = random_array((3, 2, 6, 5), 1), random_array((4, 2, 3, 3), 2)
    check_second_order(lambda lib, a, b: lib.nn.functional.conv2d(a, b, padding=1, stride=stride) ** 2, x, w)


def test_conv1d_blocks_of_images_match_torch(monkeypatch):
    _blocks_of(monkeypatch, 2, (5, 3, 1, 9), (4, 3, 1, 3), (1, 1), (0, 1), (1, 1), 1)
    r = rng(6)
    run_both(lambda *t: F.conv1d(*t, padding=1), lambda *t: TF.conv1d(*t, padding=1),
             [r.normal(size=(5, 3, 9)), r.normal(size=(4, 3, 3)), r.normal(size=4)])


def test_conv2d_float32_default_blocks_match_torch():
    # 28x28 images: several blocks of the default size, the last one partial
    from chainrule.ops import conv

    x_shape, w_shape = (9, 16, 28, 28), (8, 16, 3, 3)
    plan = conv._Plan(x_shape, w_shape, conv.Geometry((1, 1), ((1, 1), (1, 1)), (1, 1), 1), np.float32)
    assert 1 < plan.block < 9 and 9 % plan.block
    r = rng(8)
    (x, tx), (w, tw) = (pair(r.normal(size=shape), dtype=np.float32) for shape in (x_shape, w_shape))
    y, ty = F.conv2d(x, w, padding=1), TF.conv2d(tx, tw, padding=1)
    assert_close(y, ty, rtol=1e-4, atol=1e-4)
    gy = r.normal(size=ty.shape).astype(np.float32)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert x.grad.dtype == w.grad.dtype == cr.float32
    assert_grads_close([x, w], [tx, tw], rtol=1e-4, atol=1e-3)


def test_conv2d_unbatched_input():
    r = rng(4)
    run_both(lambda x, w: F.conv2d(x, w, padding=1), lambda x, w: TF.conv2d(x, w, padding=1),
             [r.normal(size=(3, 5, 6)), r.normal(size=(2, 3, 3, 3))])


@pytest.mark.parametrize("options", [dict(stride=2, padding=1), dict(dilation=2, groups=2), dict(padding="same")])
def test_conv2d_finite_differences(options):
    groups = options.get("groups", 1)
    x, w, b = random_array((2, 4, 5, 5), 1), random_array((2, 4 // groups, 3, 2), 2), random_array((2,), 3)
    check_gradcheck(lambda lib, *t: lib.nn.functional.conv2d(*t, **options), x, w, b)


def test_conv1d_finite_differences():
    x, w = random_array((2, 2, 7), 1), random_array((3, 2, 3), 2)
    check_gradcheck(lambda lib, *t: lib.nn.functional.conv1d(*t, stride=2, padding=1), x, w)


@pytest.mark.parametrize("options", [dict(padding=1), dict(stride=2, dilation=(1, 2), groups=2)])
def test_conv2d_second_derivatives_match_torch(options):
    # the backward ops (transposed convolution, weight gradient) are differentiable themselves
    x, w = random_array((2, 2, 6, 5), 1), random_array((4, 2 // options.get("groups", 1), 3, 3), 2)
    check_second_order(lambda lib, a, b: lib.nn.functional.conv2d(a, b, **options) ** 2, x, w)


def test_third_derivative_through_conv_matches_torch():
    results = []
    for lib in (cr, torch):
        x = lib.tensor(random_array((1, 2, 5, 5), 1), requires_grad=True)
        w = lib.tensor(random_array((2, 2, 3, 3), 2), requires_grad=True)
        y = (lib.nn.functional.conv2d(x, w, padding=1) ** 3).sum()
        (gx,) = lib.autograd.grad(y, x, create_graph=True)
        (ggw,) = lib.autograd.grad((gx ** 2).sum(), w, create_graph=True)
        (gggx,) = lib.autograd.grad(ggw.sum(), x)
        results.append(gggx.detach().numpy())
    np.testing.assert_allclose(*results, rtol=1e-9, atol=1e-12)


def test_conv2d_is_one_node_and_skips_unneeded_gradients():
    x, w = cr.randn(2, 3, 5, 5), cr.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, cr.randn(4))
    assert y.grad_fn.name() == "ConvolutionBackward0"
    assert [node.name() for node, _ in y.grad_fn.next_functions if node is not None] == ["AccumulateGrad"]
    y.sum().backward()
    assert x.grad is None and w.grad.shape == w.shape


def test_conv2d_float32_is_close_to_torch():
    r = rng(5)
    x, w = r.normal(size=(4, 3, 8, 8)).astype(np.float32), r.normal(size=(5, 3, 3, 3)).astype(np.float32)
    ours = F.conv2d(cr.tensor(x), cr.tensor(w), stride=2, padding=1)
    theirs = TF.conv2d(torch.tensor(x), torch.tensor(w), stride=2, padding=1)
    assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(cr.randn(2, 4, 5, 5), cr.randn(3, 3, 3, 3)), "channels"),
    (lambda: F.conv2d(cr.randn(2, 4, 5), cr.randn(3, 3, 3, 3)), "channels"),
    (lambda: F.conv2d(cr.randn(5, 5), cr.randn(3, 3, 3, 3)), "4-D"),
    (lambda: F.conv2d(cr.randn(2, 3, 5, 5), cr.randn(3, 3, 3)), "weight must be 4-D"),
    (lambda: F.conv2d(cr.randn(2, 4, 5, 5), cr.randn(3, 2, 3, 3), groups=2), "divisible by groups"),
    (lambda: F.conv2d(cr.randn(2, 3, 5, 5), cr.randn(3, 3, 3, 3), stride=2, padding="same"), "strided"),
    (lambda: F.conv2d(cr.randn(2, 3, 5, 5), cr.randn(3, 3, 3, 3), padding="full"), "padding string"),
    (lambda: F.conv2d(cr.randn(2, 3, 2, 2), cr.randn(3, 3, 3, 3)), "smaller than the kernel"),
    (lambda: F.conv2d(cr.randn(2, 3, 5, 5), cr.randn(3, 3, 3, 3), cr.randn(4)), "bias"),
    (lambda: F.conv2d(cr.randn(2, 3, 5, 5), cr.randn(3, 3, 3, 3), stride=0), "stride"),
    (lambda: F.conv1d(cr.randn(2, 3, 5, 5), cr.randn(3, 3, 3)), "3-D"),
])
def test_conv_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_conv_dtype_mismatch_is_a_type_error():
    with pytest.raises(TypeError, match="same dtype"):
        F.conv2d(cr.randn(1, 1, 4, 4).double(), cr.randn(1, 1, 3, 3))


# ---- zero-size dims ------------------------------------------------------------------------------
ZERO_SIZE_CONVS = [  # (function, x shape, weight shape, options)
    ("conv2d", (0, 2, 5, 5), (3, 2, 3, 3), dict(padding=1)),  # an empty batch
    ("conv2d", (0, 4, 7, 6), (4, 2, 2, 3), dict(stride=2, dilation=(2, 1), groups=2)),
    ("conv2d", (0, 2, 0, 5), (3, 2, 1, 1), dict(padding=1)),  # an empty batch may have empty images too
    ("conv1d", (0, 3, 6), (2, 3, 3), dict(padding="same")),
    # no input channels: torch returns an empty (N, 0, *out) tensor (not the bias), zero bias gradient
    ("conv2d", (2, 0, 5, 5), (3, 0, 3, 3), dict()),
    ("conv2d", (2, 0, 5, 6), (3, 0, 2, 2), dict(stride=2, padding=1)),
    ("conv2d", (0, 5, 5), (3, 0, 3, 3), dict()),  # unbatched
    ("conv2d", (1, 0, 5, 5), (2, 0, 3, 3), dict(groups=2)),
    ("conv1d", (2, 0, 5), (3, 0, 3), dict(padding=1)),
]


@pytest.mark.parametrize("name, x_shape, w_shape, options", ZERO_SIZE_CONVS)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_with_zero_sizes_matches_torch(name, x_shape, w_shape, options, bias):
    r = rng(11)
    arrays = [r.normal(size=x_shape), r.normal(size=w_shape)] + ([r.normal(size=w_shape[:1])] if bias else [])
    y = run_both(getattr(F, name), getattr(TF, name), arrays, **options)
    assert y.dtype == cr.float64 and y.requires_grad


@pytest.mark.parametrize("x_shape, w_shape, options", [
    ((2, 2, 5, 5), (0, 2, 3, 3), dict()),  # no output channels
    ((1, 0, 5, 5), (0, 0, 3, 3), dict()),
    ((2, 2, 0, 5), (3, 2, 1, 1), dict(padding=1)),  # empty images in a non-empty batch
    ((2, 2, 5, 0), (3, 2, 3, 3), dict()),
    ((2, 0, 5), (3, 2, 1, 1), dict()),  # unbatched, 0 high
])
def test_conv_zero_sizes_torch_refuses_are_value_errors(x_shape, w_shape, options):
    r = rng(12)
    x, w = r.normal(size=x_shape), r.normal(size=w_shape)
    with pytest.raises(RuntimeError):
        TF.conv2d(torch.tensor(x), torch.tensor(w), **options)
    with pytest.raises(ValueError, match=rf"^conv2d: .*{re.escape(str(w_shape if 0 in w_shape[:1] else x_shape))}"):
        F.conv2d(cr.tensor(x), cr.tensor(w), **options)


def test_conv2d_empty_batch():
    x, w = cr.randn(0, 3, 5, 5, requires_grad=True), cr.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    y.sum().backward()
    assert y.shape == (0, 4, 5, 5) and x.grad.shape == x.shape and not w.grad.numpy().any()


# ---- conv_transpose2d / conv_transpose1d ---------------------------------------------------------
CONV_TRANSPOSE2D_CASES = [
    # N, C_in, H, W, C_out, kernel, stride, padding, output_padding, dilation, groups
    (2, 3, 4, 5, 2, 3, 1, 0, 0, 1, 1),
    (2, 4, 5, 4, 6, (3, 2), 2, 1, 1, 1, 2),
    (1, 2, 3, 3, 3, 4, (2, 3), (1, 2), (1, 2), 1, 1),
    (3, 6, 4, 4, 3, 3, (1, 2), (0, 1), (0, 1), (2, 1), 3),
    (2, 2, 4, 3, 2, 2, 1, 0, 1, 2, 1),  # output_padding >= stride, allowed below dilation
    (2, 3, 3, 4, 4, 1, 3, 0, 2, 1, 1),
]


@pytest.mark.parametrize("case", CONV_TRANSPOSE2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_transpose2d_matches_torch(case, bias):
    n, c, h, w, o, kernel, stride, padding, output_padding, dilation, groups = case
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    r = rng(sum(map(hash, map(str, case))) % 1000)
    arrays = [r.normal(size=(n, c, h, w)), r.normal(size=(c, o // groups, kh, kw))] + ([r.normal(size=o)] if bias else [])
    options = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=groups)
    run_both(lambda *t: F.conv_transpose2d(*t, **options), lambda *t: TF.conv_transpose2d(*t, **options), arrays)


@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 2), groups=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3),
    size=st.tuples(st.integers(1, 5), st.integers(1, 5)), kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    stride=st.tuples(st.integers(1, 3), st.integers(1, 3)), padding=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)), extra=st.tuples(st.integers(0, 2), st.integers(0, 2)),
    seed=st.integers(0, 1000),
)
def test_conv_transpose2d_random_geometry_matches_torch(n, groups, c, o, size, kernel, stride, padding, dilation,
                                                        extra, seed):
    output_padding = tuple(e % max(s, d) for e, s, d in zip(extra, stride, dilation))
    out = [(i - 1) * s - 2 * p + d * (k - 1) + op + 1
           for i, s, p, d, k, op in zip(size, stride, padding, dilation, kernel, output_padding)]
    if min(out) < 1:
        return  # no output: both raise (tested below)
    r = rng(seed)
    arrays = [r.normal(size=(n, c * groups, *size)), r.normal(size=(c * groups, o, *kernel)), r.normal(size=o * groups)]
    options = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation, groups=groups)
    run_both(lambda *t: F.conv_transpose2d(*t, **options), lambda *t: TF.conv_transpose2d(*t, **options), arrays)


@pytest.mark.parametrize("options", [dict(), dict(stride=2, padding=1, output_padding=1, groups=2),
                                     dict(stride=3, dilation=2, output_padding=2)])
def test_conv_transpose1d_matches_torch(options):
    r = rng(4)
    groups = options.get("groups", 1)
    arrays = [r.normal(size=(2, 4, 6)), r.normal(size=(4, 6 // groups, 3)), r.normal(size=6)]
    y = run_both(lambda *t: F.conv_transpose1d(*t, **options), lambda *t: TF.conv_transpose1d(*t, **options), arrays)
    assert y.ndim == 3


def test_conv_transpose_unbatched_and_blocks_of_images_match_torch(monkeypatch):
    r = rng(5)
    run_both(lambda x, w: F.conv_transpose2d(x, w, stride=2), lambda x, w: TF.conv_transpose2d(x, w, stride=2),
             [r.normal(size=(3, 4, 5)), r.normal(size=(3, 2, 3, 3))])
    run_both(lambda x, w: F.conv_transpose1d(x, w, padding=1), lambda x, w: TF.conv_transpose1d(x, w, padding=1),
             [r.normal(size=(3, 7)), r.normal(size=(3, 2, 3))])
    # the output's images (5, 2, 11, 9) as the input of the convolution it reverses, two per block
    _blocks_of(monkeypatch, 2, (5, 2, 11, 9), (3, 2, 3, 3), (2, 2), (1, 1), (1, 1), 1)
    run_both(lambda *t: F.conv_transpose2d(*t, stride=2, padding=1), lambda *t: TF.conv_transpose2d(*t, stride=2, padding=1),
             [r.normal(size=(5, 3, 6, 5)), r.normal(size=(3, 2, 3, 3)), r.normal(size=2)])


def test_conv_transpose2d_is_the_input_gradient_of_conv2d():
    x, w = cr.randn(2, 3, 7, 6, dtype=cr.float64, requires_grad=True), cr.randn(4, 3, 3, 2, dtype=cr.float64)
    y = F.conv2d(x, w, stride=2, padding=1)
    gy = cr.randn(*y.shape, dtype=cr.float64)
    (gx,) = cr.autograd.grad(y, x, gy)
    transposed = F.conv_transpose2d(gy, w, stride=2, padding=1)
    np.testing.assert_allclose(transposed.numpy(), gx.numpy(), rtol=1e-12, atol=1e-12)


def test_conv_transpose_finite_differences_and_second_derivatives():
    x, w, b = random_array((2, 4, 3, 4), 1), random_array((4, 1, 3, 2), 2), random_array((2,), 3)
    options = dict(stride=2, padding=(1, 0), output_padding=1, groups=2)
    check_gradcheck(lambda lib, *t: lib.nn.functional.conv_transpose2d(*t, **options), x, w, b)
    check_second_order(lambda lib, a, b: lib.nn.functional.conv_transpose2d(a, b, **options) ** 2, x, w)
    check_gradcheck(lambda lib, *t: lib.nn.functional.conv_transpose1d(*t, stride=2), random_array((2, 2, 4), 4),
                    random_array((2, 3, 3), 5))


def test_conv_transpose2d_float32_stays_float32_and_close_to_torch():
    r = rng(6)
    (x, tx), (w, tw), (b, tb) = (pair(r.normal(size=s), dtype=np.float32) for s in ((2, 3, 6, 6), (3, 4, 3, 3), 4))
    y, ty = F.conv_transpose2d(x, w, b, stride=2, padding=1), TF.conv_transpose2d(tx, tw, tb, stride=2, padding=1)
    assert y.dtype == cr.float32
    assert_close(y, ty, rtol=1e-5, atol=1e-5)
    gy = r.normal(size=ty.shape).astype(np.float32)
    y.backward(cr.tensor(gy))
    ty.backward(torch.tensor(gy))
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == cr.float32
    assert_grads_close([x, w, b], [tx, tw, tb], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("x_shape, w_shape, options", [
    ((0, 2, 4, 4), (2, 3, 3, 3), dict(stride=2)),  # an empty batch
    ((0, 2, 4, 3), (2, 1, 3, 2), dict(groups=2)),
])
def test_conv_transpose2d_with_zero_sizes_matches_torch(x_shape, w_shape, options):
    r = rng(7)
    run_both(lambda *t: F.conv_transpose2d(*t, **options), lambda *t: TF.conv_transpose2d(*t, **options),
             [r.normal(size=x_shape), r.normal(size=w_shape), r.normal(size=w_shape[1] * options.get("groups", 1))])


@pytest.mark.parametrize("x_shape, w_shape, options, message", [
    ((2, 3, 4, 4), (4, 2, 3, 3), dict(), "channels"),
    ((2, 4, 4, 4), (4, 2, 3, 3), dict(groups=3), "groups=3"),
    ((2, 4, 4, 4), (4, 2, 3, 3), dict(stride=2, output_padding=2), "output_padding"),
    ((2, 4, 1, 1), (4, 2, 1, 1), dict(padding=1), "too small"),
    ((2, 0, 4, 4), (0, 3, 3, 3), dict(), "no in channels"),
    ((2, 2, 4, 4), (2, 0, 3, 3), dict(), "non-empty weight"),
    ((2, 4, 4), (4, 2, 3, 3), dict(padding=1), r"4 channels.*\(2, 4, 4\)"),
    ((4, 4), (4, 2, 3, 3), dict(), r"3-D \(unbatched\) or 4-D"),
])
def test_conv_transpose2d_errors_where_torch_raises(x_shape, w_shape, options, message):
    x, w = random_array(x_shape), random_array(w_shape, 1)
    with pytest.raises(RuntimeError):
        TF.conv_transpose2d(torch.tensor(x), torch.tensor(w), **options)
    with pytest.raises(ValueError, match=message):
        F.conv_transpose2d(cr.tensor(x), cr.tensor(w), **options)


def test_conv_transpose2d_argument_errors():
    x, w = cr.randn(1, 4, 3, 3), cr.randn(4, 2, 3, 3)
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        F.conv_transpose2d(x, w, cr.randn(4))
    with pytest.raises(ValueError, match="padding"):
        F.conv_transpose2d(x, w, padding="same")
    with pytest.raises(TypeError, match="dtype"):
        F.conv_transpose2d(x.double(), w)
