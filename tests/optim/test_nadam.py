"""NAdam against torch.optim.NAdam: the update rule with its options, the state (mu_product as torch keeps it),
state_dict round trips, and argument errors."""
import numpy as np
import pytest
from optim_parity import (assert_state_close, check_defaults_match_torch, check_invalid_option, check_matches_torch,
                          host, initial_arrays, optimizer_pair, param_pair, run_side_by_side)

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)

CASES = [
    dict(),
    dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3),
    dict(lr=0.05, momentum_decay=0.3),
    dict(lr=0.05, weight_decay=0.2),
    dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True, momentum_decay=0.01),
]


def both(mine, theirs, **options):
    return optimizer_pair("NAdam", mine, theirs, **options)


@pytest.mark.parametrize("options", CASES, ids=str)
def test_matches_torch_float64(options):
    check_matches_torch("NAdam", options, steps=12)


def test_float32_stays_float32():
    my_optimizer, mine = check_matches_torch("NAdam", dict(lr=0.05, weight_decay=0.1), steps=6, seed=1,
                                             dtype=np.float32, rtol=1e-5, atol=1e-6)
    assert all(my_optimizer.state[p][k].dtype == np.float32 for p in mine for k in ("exp_avg", "exp_avg_sq"))


def test_mu_product_is_a_default_dtype_scalar_like_torch():
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = both(mine, theirs, lr=0.05)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=3)
    ours, expected = my_optimizer.state[mine[0]]["mu_product"], torch_optimizer.state[theirs[0]]["mu_product"]
    assert ours.shape == () and ours.dtype == expected.numpy().dtype == np.float32
    assert ours.item() == expected.item()


def test_skips_params_without_grad():
    mine, theirs = param_pair(initial_arrays(2))
    my_optimizer, torch_optimizer = both(mine, theirs, lr=0.05)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=3, skip={1})
    assert mine[1] not in my_optimizer.state


def test_state_dict_round_trip_resumes_like_torch():
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = both(mine, theirs, lr=0.05, weight_decay=0.1)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=4)
    saved, expected = my_optimizer.state_dict(), torch_optimizer.state_dict()
    assert saved["param_groups"][0].keys() <= expected["param_groups"][0].keys()
    assert all(saved["state"][i].keys() == expected["state"][i].keys() for i in expected["state"])

    resumed = cr.optim.NAdam([cr.tensor(host(p), device=p.device, requires_grad=True) for p in mine], lr=1.0)
    resumed.load_state_dict(saved)
    torch_optimizer.load_state_dict(expected)  # torch casts mu_product to the params' dtype on loading; so do we
    assert resumed.state[resumed.param_groups[0]["params"][0]]["mu_product"].dtype == np.float64
    params = resumed.param_groups[0]["params"]
    run_side_by_side(resumed, torch_optimizer, params, theirs, steps=4, first_step=4)
    assert_state_close(resumed, torch_optimizer, params, theirs)


def test_loads_a_torch_state_dict():
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = both(mine, theirs, lr=0.05)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=3)
    fresh = cr.optim.NAdam(mine)
    fresh.load_state_dict(torch_optimizer.state_dict())  # torch tensors; mu_product becomes float64 ...
    torch_optimizer.load_state_dict(torch_optimizer.state_dict())  # ... as in torch itself after loading
    run_side_by_side(fresh, torch_optimizer, mine, theirs, steps=3, first_step=3)


@pytest.mark.parametrize("options, message", [
    (dict(lr=-1.0), "Invalid learning rate"),
    (dict(eps=-1.0), "Invalid epsilon value"),
    (dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1"),
    (dict(weight_decay=-0.1), "Invalid weight_decay value"),
    (dict(momentum_decay=-0.1), "Invalid momentum_decay value"),
])
def test_invalid_options_raise_like_torch(options, message):
    check_invalid_option("NAdam", options, message)


def test_defaults_match_torch():
    check_defaults_match_torch("NAdam")
