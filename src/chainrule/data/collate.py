"""Turning a list of samples into one batch, as torch.utils.data.default_collate does.

    tensors         -> one tensor, stacked along a new first dim
    NumPy arrays    -> the same, as a tensor (dtype kept)
    NumPy scalars   -> a 1-d tensor of their dtype
    Python floats   -> a float64 tensor; ints -> int64; bools -> bool (torch's choices)
    str / bytes     -> the list as it is
    dicts           -> a dict of batches, key by key
    tuples / lists  -> a list of batches, position by position (namedtuples stay namedtuples)
"""
import collections.abc
import copy
import numbers

import numpy as np

from ..autograd.grad_mode import is_grad_enabled
from ..ops import stack
from ..creation import tensor
from ..tensor import Tensor, _wrap

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_collate(batch):
    """Stack a list of samples into a batch (see the module docstring for each kind of sample)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_ERROR.format(elem.dtype))
        return _stack_tensors([_wrap(np.asarray(a)) for a in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return _wrap(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype=np.float64)
    if isinstance(elem, numbers.Integral):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequences(batch)
    raise TypeError(_ERROR.format(type(elem)))


def default_convert(data):
    """What a DataLoader with batch_size=None gives per sample: NumPy arrays become tensors, containers
    are converted element by element, everything else is left as it is."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.bool_, np.number)):
        return data if data.dtype.kind in "OSUV" else _wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data


def _stack_tensors(tensors):
    shapes = {t.shape for t in tensors}
    if len(shapes) > 1:
        raise ValueError(
            f"default_collate: samples in a batch must have the same shape to be stacked, got shapes "
            f"{sorted(shapes)}; pad them or pass a collate_fn"
        )
    if is_grad_enabled() and any(t.requires_grad for t in tensors):
        return stack(list(tensors))  # keeps the samples in the graph
    return _wrap(np.stack([t._data for t in tensors]))


def _collate_sequences(batch):
    size = len(batch[0])
    if any(len(sample) != size for sample in batch):
        raise ValueError(
            f"default_collate: each element in list of batch should be of equal size, got sizes {[len(s) for s in batch]}"
        )
    columns = [default_collate(samples) for samples in zip(*batch)]
    if isinstance(batch[0], tuple):
        return columns  # tuples become lists, as in torch
    return _same_sequence(batch[0], columns)


def _same_mapping(like, values):
    """A mapping of the same type as `like` holding `values` (a plain dict if that type can't be made)."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _same_sequence(like, items):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            clone[:] = items
            return clone
        return type(like)(items)
    except TypeError:
        return items
