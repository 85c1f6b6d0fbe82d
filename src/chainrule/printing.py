"""cr.set_printoptions: how tensors print (PyTorch's options, read by Tensor.__repr__)."""

_DEFAULTS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)
_PROFILES = {
    "default": _DEFAULTS,
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80, sci_mode=None),
    "full": dict(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80, sci_mode=None),
}
options = dict(_DEFAULTS)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """As torch.set_printoptions: precision (digits after the point), threshold (elements before a tensor is
    summarized with ...), edgeitems (items shown at each end when summarized), linewidth, profile ('default',
    'short', 'full': sets all four first), sci_mode (True/False forces scientific notation on or off; None: automatic)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        options.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                        ("linewidth", linewidth)):
        if value is not None:
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ValueError(f"set_printoptions: {name} must be a non-negative number, got {value!r}")
            options[name] = value
    options["sci_mode"] = sci_mode if sci_mode is not None else (options["sci_mode"] if profile is None else None)


def get_printoptions():
    return dict(options)
