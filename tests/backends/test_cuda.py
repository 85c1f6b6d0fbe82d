"""cr.backends.cuda: matmul flags with torch's defaults, settable, unknown names refused as torch refuses them."""
import pytest
import torch

import chainrule as cr

MATMUL = ["allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction",
          "fp32_precision"]


@pytest.mark.parametrize("name", MATMUL)
def test_matmul_defaults_match_torch(name):
    assert getattr(cr.backends.cuda.matmul, name) == getattr(torch.backends.cuda.matmul, name)


def test_allow_tf32_is_settable_and_unknown_names_are_refused():
    matmul = cr.backends.cuda.matmul
    assert matmul.allow_tf32 is False
    matmul.allow_tf32 = True
    try:
        assert matmul.allow_tf32 is True
    finally:
        matmul.allow_tf32 = False
    for target in (torch.backends.cuda.matmul, matmul):
        with pytest.raises(AttributeError, match="Unknown attribute"):
            target.allow_tf33 = True
        with pytest.raises(AttributeError, match="Unknown attribute"):
            target.allow_tf33


def test_cuda_is_not_built():
    assert cr.backends.cuda.is_built() is torch.backends.cuda.is_built() is False
