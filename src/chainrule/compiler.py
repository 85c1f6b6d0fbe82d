"""cr.compile: PyTorch's compiler turns a model into fused kernels; chainrule runs NumPy calls, which have
nothing to fuse, so the model (or function) comes back as it is and scripts that compile run unchanged."""


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None, disable=False):
    """torch.compile's signature; returns `model` itself (used as `@cr.compile` or `@cr.compile(mode=...)` too)."""
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise TypeError(f"compile: expected a Module or a function, got {type(model).__name__}")
    return model
