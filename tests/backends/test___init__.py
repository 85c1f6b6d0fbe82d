"""cr.backends holds the mps, cuda and cudnn submodules, as torch.backends does."""
import chainrule as cr


def test_submodules():
    import torch

    for name in ("mps", "cuda", "cudnn"):
        assert hasattr(torch.backends, name)
        assert getattr(cr.backends, name).__name__ == f"chainrule.backends.{name}"
