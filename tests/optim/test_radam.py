"""RAdam against torch.optim.RAdam: both regimes of the rectified update (plain momentum while rho_t <= 5,
then adaptive), weight decay (L2 or decoupled), maximize, state_dict round trips, argument errors."""
import numpy as np
import pytest
import torch
from optim_parity import assert_state_close, initial_arrays, param_pair, run_side_by_side

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)

CASES = [
    dict(),
    dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3),  # rho_inf = 4: never adaptive
    dict(lr=0.05, betas=(0.9, 0.9)),  # rho_inf = 19: adaptive from step 6
    dict(lr=0.05, weight_decay=0.2),
    dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
]


def both(mine, theirs, **options):
    return cr.optim.RAdam(mine, **options), torch.optim.RAdam(theirs, **options)


@pytest.mark.parametrize("options", CASES, ids=str)
def test_matches_torch_float64(options):
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = both(mine, theirs, **options)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=12)
    assert_state_close(my_optimizer, torch_optimizer, mine, theirs)


def test_float32_stays_float32():
    mine, theirs = param_pair(initial_arrays(1), dtype=np.float32)
    my_optimizer, torch_optimizer = both(mine, theirs, lr=0.05, betas=(0.9, 0.9), weight_decay=0.1)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=8, rtol=1e-5, atol=1e-6)
    assert_state_close(my_optimizer, torch_optimizer, mine, theirs, rtol=1e-5, atol=1e-6)
    assert all(p.dtype == np.float32 for p in mine)


def test_state_dict_round_trip_resumes_like_torch():
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = both(mine, theirs, lr=0.05, betas=(0.9, 0.9), weight_decay=0.1)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=4)
    saved, expected = my_optimizer.state_dict(), torch_optimizer.state_dict()
    assert all(saved["state"][i].keys() == expected["state"][i].keys() for i in expected["state"])
    assert saved["param_groups"][0]["decoupled_weight_decay"] is False
    resumed = cr.optim.RAdam([cr.tensor(p._data.copy(), requires_grad=True) for p in mine], lr=1.0)
    resumed.load_state_dict(saved)
    params = resumed.param_groups[0]["params"]
    run_side_by_side(resumed, torch_optimizer, params, theirs, steps=6, first_step=4)
    assert_state_close(resumed, torch_optimizer, params, theirs)


@pytest.mark.parametrize("options, message", [
    (dict(lr=-1.0), "Invalid learning rate"),
    (dict(eps=-1.0), "Invalid epsilon value"),
    (dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    (dict(weight_decay=-0.1), "Invalid weight_decay value"),
])
def test_invalid_options_raise_like_torch(options, message):
    with pytest.raises(ValueError, match=message):
        torch.optim.RAdam([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=message):
        cr.optim.RAdam([cr.zeros(2, requires_grad=True)], **options)


def test_defaults_match_torch():
    ours = cr.optim.RAdam([cr.zeros(2, requires_grad=True)]).defaults
    theirs = torch.optim.RAdam([torch.zeros(2, requires_grad=True)]).defaults
    assert all(ours[key] == theirs[key] for key in ours)
