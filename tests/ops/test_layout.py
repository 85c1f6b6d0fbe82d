"""ops/layout.py against PyTorch: values, dtypes and gradients (with finite differences), and errors."""
import numpy as np
import pytest
from torch_parity import check_op, check_torch, random_array

import chainrule as cr

A = random_array((2, 3), 0)
B = random_array((3,), 1)
C = random_array((2, 3, 4), 2)

ONE = {
    "movedim": lambda m, x: m.movedim(x, 0, -1),
    "moveaxis_seq": lambda m, x: m.moveaxis(x, (0, 2), (1, 0)),
    "swapdims": lambda m, x: x.swapdims(0, 2),
    "swapaxes": lambda m, x: m.swapaxes(x, 1, 2),
    "unflatten": lambda m, x: x.unflatten(2, (2, -1)),
    "unflatten_fn": lambda m, x: m.unflatten(x, 0, (1, 2)),
    "tile": lambda m, x: m.tile(x, (2, 1, 1, 2)),
    "tile_short": lambda m, x: x.tile((2,)),
    "tensor_split_n": lambda m, x: m.tensor_split(x, 3, dim=2),
    "tensor_split_idx": lambda m, x: x.tensor_split([1, 3, 9], 2),
    "hsplit": lambda m, x: m.hsplit(x, 3),
    "vsplit": lambda m, x: x.vsplit([1]),
    "diag_embed": lambda m, x: m.diag_embed(x),
    "diag_embed_offset": lambda m, x: m.diag_embed(x, 1, 0, 2),
    "rot90": lambda m, x: m.rot90(x),
    "rot90_k": lambda m, x: x.rot90(3, [2, 0]),
    "rot90_2": lambda m, x: m.rot90(x, -2, (1, 2)),
    "fliplr": lambda m, x: m.fliplr(x),
    "flipud": lambda m, x: x.flipud(),
    "cross": lambda m, x: m.cross(x, m.flip(x, [2]), dim=1),
}

MANY = {
    "hstack": lambda m, a, b: m.hstack([a, a]),
    "hstack_1d": lambda m, a, b: m.hstack([b, b, a[0]]),
    "vstack": lambda m, a, b: m.vstack([a, b]),
    "dstack": lambda m, a, b: m.dstack([a, a]),
    "column_stack": lambda m, a, b: m.column_stack([b, a.T, b]),
    "meshgrid_ij": lambda m, a, b: m.meshgrid(a[0], b, a[1, :2], indexing="ij"),
    "meshgrid_xy": lambda m, a, b: m.meshgrid(a[0], b[:2], indexing="xy"),
    "cartesian_prod": lambda m, a, b: m.cartesian_prod(a[0], b[:2]),
    "block_diag": lambda m, a, b: m.block_diag(a, b, a[0, 0]),
    "kron": lambda m, a, b: m.kron(a, b),
    "kron_2d": lambda m, a, b: a.kron(a[:, :2] * 2),
    "cross_default": lambda m, a, b: m.cross(a, b.expand(2, 3)),
    "addmm": lambda m, a, b: m.addmm(b, a.T, a, beta=0.5, alpha=2),
    "addmm_method": lambda m, a, b: a.addmm(a, a.T @ a),
    "addmv": lambda m, a, b: m.addmv(a[:, 0], a, b, alpha=-1),
    "baddbmm": lambda m, a, b: m.baddbmm(a, a[None].expand(4, 2, 3), b.expand(4, 3, 3), beta=2, alpha=0.5),
    "addbmm": lambda m, a, b: a.addbmm(a[None].expand(4, 2, 3), b.expand(4, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(ONE))
def test_one_input(name):
    check_op(ONE[name], C)


@pytest.mark.filterwarnings("ignore:Using torch.cross without")
@pytest.mark.parametrize("name", sorted(MANY))
def test_two_inputs(name):
    check_op(MANY[name], A, B)


def test_beta_zero_ignores_nan_in_input_but_still_gives_it_a_gradient():
    check_torch(lambda m, a, b: m.addmv(a[:, 0] * float("nan"), a, b, beta=0), A, B)


def test_float32_and_integers_are_kept():
    check_torch(ONE["rot90"], C.astype(np.float32))
    check_torch(MANY["kron"], A.astype(np.float32), B.astype(np.float32))
    check_torch(lambda m, a: m.hstack([a, a]), np.arange(6).reshape(2, 3))
    check_torch(lambda m, a: m.block_diag(a, a[:1]), np.arange(6).reshape(2, 3))


def test_errors():
    c = cr.tensor(C)
    with pytest.raises(ValueError, match="same length"):
        cr.movedim(c, (0, 1), 2)
    with pytest.raises(ValueError, match="multiply"):
        c.unflatten(2, (3, -1))
    with pytest.raises(ValueError, match="equal parts"):
        cr.hsplit(c, 2)
    with pytest.raises(ValueError, match="indexing"):
        cr.meshgrid(c[0, 0], indexing="yx")
    with pytest.raises(ValueError, match="size 3"):
        cr.cross(c, c, dim=2)
    with pytest.raises(ValueError, match="differ"):
        cr.rot90(c, 1, (1, 1))
