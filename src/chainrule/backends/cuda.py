"""cr.backends.cuda: CUDA's switches, with torch's defaults; chainrule has no CUDA backend.

    cr.backends.cuda.matmul.allow_tf32 = True   # recorded, changes nothing
"""


class _MatmulSettings:
    """cr.backends.cuda.matmul: settable flags with torch's defaults; unknown names are refused."""

    _DEFAULTS = {"allow_tf32": False, "allow_fp16_reduced_precision_reduction": True,
                 "allow_bf16_reduced_precision_reduction": True, "fp32_precision": "none"}

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._DEFAULTS))

    def __getattr__(self, name):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute {name}") from None

    def __setattr__(self, name, value):
        if name not in self._DEFAULTS:
            raise AttributeError(f"Unknown attribute {name}")
        self._values[name] = value

    def __repr__(self):
        return f"<chainrule.backends.cuda.matmul {self._values}>"


matmul = _MatmulSettings()


def is_built():
    return False
