"""Adamax against torch.optim.Adamax: the infinity-norm update with its options, state, state_dict round
trips and argument errors."""
import numpy as np
import pytest
from optim_parity import check_defaults_match_torch, check_invalid_option, check_matches_torch, check_resumes_like_torch

CASES = [
    dict(),
    dict(lr=0.05, betas=(0.3, 0.6), eps=1e-3),
    dict(lr=0.05, weight_decay=0.2),
    dict(lr=0.05, maximize=True),
    dict(lr=0.05, betas=(0.8, 0.95), weight_decay=0.1, maximize=True),
]


@pytest.mark.parametrize("options", CASES, ids=str)
def test_matches_torch_float64(options):
    check_matches_torch("Adamax", options, steps=10)


def test_float32_stays_float32():
    check_matches_torch("Adamax", dict(lr=0.05, weight_decay=0.1), steps=6, seed=1, dtype=np.float32,
                        rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_resumes_like_torch():
    check_resumes_like_torch("Adamax", dict(lr=0.05, weight_decay=0.1))


@pytest.mark.parametrize("options, message", [
    (dict(lr=-1.0), "Invalid learning rate"),
    (dict(eps=-1.0), "Invalid epsilon value"),
    (dict(betas=(-0.1, 0.9)), "Invalid beta parameter at index 0"),
    (dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1"),
    (dict(weight_decay=-0.1), "Invalid weight_decay value"),
])
def test_invalid_options_raise_like_torch(options, message):
    check_invalid_option("Adamax", options, message)


def test_defaults_match_torch():
    check_defaults_match_torch("Adamax")
