"""The dtype names: PyTorch's aliases for NumPy's dtypes."""
import numpy as np

import chainrule as cr


def test_dtype_aliases():
    assert cr.float == cr.float32 == np.float32 and cr.double == cr.float64 and cr.long == cr.int64
    assert cr.int == cr.int32 and cr.half == cr.float16 and cr.bool == np.bool_
    assert cr.tensor([1, 2], dtype=cr.float).dtype == np.float32
