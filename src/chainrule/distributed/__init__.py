"""cr.distributed: not available (chainrule runs in one process on the CPU).

Scripts that guard with `if cr.distributed.is_available():` take their single-process path.
"""


def is_available():
    return False
