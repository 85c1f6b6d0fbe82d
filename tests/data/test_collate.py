"""default_collate and default_convert give what torch's give: same structure, dtypes and values."""
import collections

import numpy as np
import pytest
import torch
from torch.utils.data import default_collate as torch_collate
from torch.utils.data import default_convert as torch_convert

import chainrule as cr
from chainrule.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def comparable(obj):
    """Both libraries' outputs in one form: tensors become (dtype name, values)."""
    if isinstance(obj, cr.Tensor):
        return ("tensor", obj.dtype.name, obj.shape, obj.numpy().tolist())
    if isinstance(obj, torch.Tensor):
        return ("tensor", str(obj.dtype).removeprefix("torch."), tuple(obj.shape), obj.numpy().tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, comparable(v)) for k, v in obj.items()])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [comparable(v) for v in obj])
    return (type(obj).__name__, obj)


def as_torch(sample):
    """The same sample with chainrule tensors swapped for torch tensors."""
    if isinstance(sample, cr.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return type(sample)((k, as_torch(v)) for k, v in sample.items())
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(as_torch(v) for v in sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(as_torch(v) for v in sample)
    return sample


BATCHES = {
    "tensor tuples": [(cr.tensor([1.0, 2.0]), cr.tensor(3)), (cr.tensor([4.0, 5.0]), cr.tensor(6))],
    "float64 tensors": [cr.tensor(np.ones((2, 2))), cr.tensor(np.zeros((2, 2)))],
    "numpy arrays": [np.arange(3, dtype=np.int32), np.arange(3, 6, dtype=np.int32)],
    "numpy float32 arrays": [np.ones(2, np.float32), np.zeros(2, np.float32)],
    "numpy scalars": [np.float32(1.5), np.float32(2.5)],
    "numpy int scalars": [np.int16(1), np.int16(2)],
    "python floats": [1.5, 2.25, 3.0],
    "python ints": [1, 2, 3],
    "python bools": [True, False],
    "strings": ["cat", "dog"],
    "dicts": [{"x": np.ones(2), "label": 1, "name": "a"}, {"x": np.zeros(2), "label": 0, "name": "b"}],
    "ordered dicts": [collections.OrderedDict(a=1.0, b=[1, 2]), collections.OrderedDict(a=2.0, b=[3, 4])],
    "lists": [[1, 2.0, "u"], [3, 4.0, "v"]],
    "namedtuples": [Point(np.ones(2), 1), Point(np.zeros(2), 2)],
    "nested": [({"a": (1, 2)}, [np.int64(1)]), ({"a": (3, 4)}, [np.int64(2)])],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches_torch(name):
    batch = BATCHES[name]
    assert comparable(default_collate(batch)) == comparable(torch_collate(as_torch(batch)))


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_convert_matches_torch(name):
    for sample in BATCHES[name]:
        assert comparable(default_convert(sample)) == comparable(torch_convert(as_torch(sample)))


def test_collate_errors():
    with pytest.raises(ValueError, match="same shape"):
        default_collate([cr.zeros(2), cr.zeros(3)])
    with pytest.raises(ValueError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="default_collate"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_collate_keeps_samples_that_require_grad_in_the_graph():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [5.0, 5.0])
