"""cr.backends.cudnn: torch's defaults, settable, and not available."""
import pytest
import torch

import chainrule as cr

FLAGS = ["enabled", "benchmark", "deterministic", "allow_tf32"]


@pytest.mark.parametrize("name", FLAGS)
def test_defaults_match_torch(name):
    assert getattr(cr.backends.cudnn, name) is getattr(torch.backends.cudnn, name)


def test_not_available_and_no_version():
    assert cr.backends.cudnn.is_available() is torch.backends.cudnn.is_available() is False
    assert cr.backends.cudnn.version() is torch.backends.cudnn.version() is None


def test_flags_can_be_set_as_scripts_do(monkeypatch):
    monkeypatch.setattr(cr.backends.cudnn, "benchmark", True)  # undone after the test
    monkeypatch.setattr(cr.backends.cudnn, "deterministic", True)
    assert cr.backends.cudnn.benchmark and cr.backends.cudnn.deterministic
    assert (cr.ones(2) + 1).tolist() == [2.0, 2.0]
