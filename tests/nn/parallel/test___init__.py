"""DataParallel: on a machine without GPUs torch's just calls the module; chainrule's does the same."""
import numpy as np
import torch

import chainrule as cr
from chainrule.nn.parallel import DataParallel


def test_it_calls_the_module_like_torchs_without_gpus():
    theirs = torch.nn.DataParallel(torch.nn.Linear(3, 2).double(), device_ids=None)
    ours = DataParallel(cr.nn.Linear(3, 2, dtype=cr.float64))
    ours.module.load_state_dict({k.removeprefix("module."): cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert cr.nn.DataParallel is DataParallel and ours.device_ids == theirs.device_ids == []
    assert list(ours.state_dict()) == list(theirs.state_dict())  # 'module.weight', 'module.bias'
    x = np.random.default_rng(0).normal(size=(4, 3))
    out_ours, out_theirs = ours(cr.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-12)
    out_ours.sum().backward()
    out_theirs.sum().backward()
    np.testing.assert_allclose(ours.module.weight.grad.numpy(), theirs.module.weight.grad.numpy(), rtol=1e-12)
    assert [p is q for p, q in zip(ours.parameters(), ours.module.parameters())] == [True, True]
