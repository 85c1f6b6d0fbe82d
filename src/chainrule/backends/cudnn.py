"""cr.backends.cudnn: cuDNN's switches, with torch's defaults; cuDNN itself is not available.

Set them freely (cr.backends.cudnn.benchmark = True): they are recorded and change nothing.
"""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    return False


def version():
    """None: no cuDNN library is loaded (torch gives None in that case too)."""
    return None
