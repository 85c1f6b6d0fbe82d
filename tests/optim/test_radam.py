"""RAdam against torch.optim.RAdam: both regimes of the rectified update (plain momentum while rho_t <= 5,
then adaptive), weight decay (L2 or decoupled), maximize, state_dict round trips, argument errors."""
import numpy as np
import pytest
from optim_parity import check_defaults_match_torch, check_invalid_option, check_matches_torch, check_resumes_like_torch

CASES = [
    dict(),
    dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3),  # rho_inf = 4: never adaptive
    dict(lr=0.05, betas=(0.9, 0.9)),  # rho_inf = 19: adaptive from step 6
    dict(lr=0.05, weight_decay=0.2),
    dict(lr=0.05, weight_decay=0.2, decoupled_weight_decay=True),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, decoupled_weight_decay=True, maximize=True),
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_matches_torch_float64(options):
    check_matches_torch("RAdam", options, steps=12)


def test_float32_stays_float32():
    _, mine = check_matches_torch("RAdam", dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1), steps=8, seed=1,
                                  dtype=np.float32, rtol=1e-5, atol=1e-6)
    assert all(p.dtype == np.float32 for p in mine)


def test_state_dict_round_trip_resumes_like_torch():
    saved = check_resumes_like_torch("RAdam", dict(lr=0.05, betas=(0.9, 0.9), weight_decay=0.1), steps_after=6)
    assert saved["param_groups"][0]["decoupled_weight_decay"] is False


@pytest.mark.parametrize("options, message", [
    (dict(lr=-1.0), "Invalid learning rate"),
    (dict(eps=-1.0), "Invalid epsilon value"),
    (dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0"),
    (dict(betas=(0.9, 1.0)), "Invalid beta parameter at index 1"),
    (dict(weight_decay=-0.1), "Invalid weight_decay value"),
])
def test_invalid_options_raise_like_torch(options, message):
    check_invalid_option("RAdam", options, message)


def test_defaults_match_torch():
    check_defaults_match_torch("RAdam")
