"""All parameters as one flat vector and back (e.g. for second-order or evolutionary optimizers)."""
from ... import ops
from ...tensor import Tensor


def parameters_to_vector(parameters):
    """One 1-d tensor: the parameters flattened and concatenated in order (differentiable)."""
    return ops.cat([ops.reshape(param, (-1,)) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of the 1-d tensor vec into the parameters' data (the inverse of
    parameters_to_vector); the parameters stay the same objects."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected chainrule.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        count = param.numel()
        param.data = ops.reshape(vec.detach()[pointer:pointer + count], param.shape)
        pointer += count
