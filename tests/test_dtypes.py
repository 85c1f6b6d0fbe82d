"""The dtype names: PyTorch's aliases for NumPy's dtypes."""
import numpy as np

import chainrule as cr


def test_dtype_aliases():
    assert cr.float == cr.float32 == np.float32 and cr.double == cr.float64 and cr.long == cr.int64
    assert cr.int == cr.int32 and cr.half == cr.float16 and cr.bool == np.bool_
    assert cr.tensor([1, 2], dtype=cr.float).dtype == np.float32


def test_float16_and_half_match_torch_and_compute():
    import torch

    x = np.array([0.1, 1000.0, 3.3])
    ours = (cr.tensor(x, dtype=cr.float16) * 3).half()
    theirs = torch.tensor(x, dtype=torch.float16) * 3
    assert cr.half is cr.float16 and ours.dtype == np.float16 and cr.float16.itemsize == torch.float16.itemsize
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_bfloat16_is_a_named_dtype_like_torchs():
    import copy
    import pickle

    import torch

    assert repr(cr.bfloat16) == str(cr.bfloat16) == str(torch.bfloat16).replace("torch", "chainrule")
    assert cr.bfloat16 == cr.bfloat16 and cr.bfloat16 is cr.dtypes.bfloat16
    assert cr.bfloat16 != cr.float16 and cr.bfloat16 != cr.float32 and cr.float32 != cr.bfloat16
    assert len({cr.bfloat16, cr.bfloat16, cr.float16}) == 2
    assert copy.deepcopy(cr.bfloat16) is cr.bfloat16 and pickle.loads(pickle.dumps(cr.bfloat16)) is cr.bfloat16
    for name in ("itemsize", "is_floating_point", "is_complex", "is_signed"):
        assert getattr(cr.bfloat16, name) == getattr(torch.bfloat16, name), name


def test_no_tensor_can_be_bfloat16():
    import pytest

    x = cr.ones(2)
    attempts = [lambda: x.to(cr.bfloat16), lambda: x.to(dtype=cr.bfloat16), lambda: x.bfloat16(),
                lambda: cr.zeros(2, dtype=cr.bfloat16), lambda: cr.tensor([1.0], dtype=cr.bfloat16),
                lambda: cr.randn(2, dtype=cr.bfloat16), lambda: cr.nn.Linear(2, 2, dtype=cr.bfloat16),
                lambda: x.to(cr.bfloat16), lambda: cr.ones(2, dtype="bfloat16")]
    for attempt in attempts:
        with pytest.raises(TypeError, match="bfloat16.*NumPy has no bfloat16 dtype"):
            attempt()
