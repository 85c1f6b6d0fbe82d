"""cr.cuda: no CUDA, as torch on a machine without a GPU."""
import torch

import chainrule as cr


def test_no_cuda():
    assert cr.cuda.is_available() is torch.cuda.is_available() is False
    assert cr.cuda.device_count() == torch.cuda.device_count() == 0
    assert cr.cuda.manual_seed(0) is None and cr.cuda.manual_seed_all(0) is None
    assert cr.cuda.amp.GradScaler.__module__ == "chainrule.cuda.amp"
