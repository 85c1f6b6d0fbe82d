"""threads.py: BLAS threads through threadpoolctl, and the deterministic-algorithms flag, like torch's."""
import pytest
import torch

import chainrule as cr


def test_set_num_threads_changes_blas_threads_and_restores():
    before = cr.get_num_threads()
    try:
        cr.set_num_threads(1)
        assert cr.get_num_threads() == 1
    finally:
        cr.set_num_threads(before)
    assert cr.get_num_threads() == before


def test_set_num_threads_refuses_what_torch_refuses():
    for bad in (0, -1):
        with pytest.raises(RuntimeError):
            torch.set_num_threads(bad)
        with pytest.raises(ValueError, match="positive"):
            cr.set_num_threads(bad)


def test_deterministic_flag_round_trips_like_torch():
    assert cr.are_deterministic_algorithms_enabled() is torch.are_deterministic_algorithms_enabled()
    try:
        cr.use_deterministic_algorithms(True, warn_only=True)
        assert cr.are_deterministic_algorithms_enabled() and cr.is_deterministic_algorithms_warn_only_enabled()
    finally:
        cr.use_deterministic_algorithms(False)
    assert not cr.are_deterministic_algorithms_enabled()
    with pytest.raises(TypeError, match="bool"):
        cr.use_deterministic_algorithms("yes")
