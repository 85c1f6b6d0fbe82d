"""The few error types chainrule adds to Python's own."""


class OutOfRangeError(IndexError, ValueError):
    """An index or dim outside a tensor's shape. PyTorch raises IndexError here; chainrule's rule is
    ValueError for bad values; this is both, so either `except` catches it."""
