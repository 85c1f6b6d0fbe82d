"""cr.set_printoptions against torch.set_printoptions: the same options give the same text."""
import re

import pytest
import torch

import chainrule as cr


def same_text(mine, theirs):
    normalize = lambda text: re.sub(r"\s+", " ", text.replace("torch.", "chainrule."))  # noqa: E731
    assert normalize(repr(mine)) == normalize(repr(theirs))


@pytest.fixture(autouse=True)
def default_options():
    yield
    cr.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize("options", [
    dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(sci_mode=False, precision=3),
    dict(threshold=5, edgeitems=2), dict(profile="short"), dict(profile="full"),
])
def test_options_print_as_torch_prints(options):
    cr.set_printoptions(**options)
    torch.set_printoptions(**options)
    for values in ([1.23456789, 2.5, 0.001], [[0.5, -1.25], [3.0, 100.125]]):
        same_text(cr.tensor(values, dtype=cr.float64), torch.tensor(values, dtype=torch.float64))
    same_text(cr.arange(10), torch.arange(10))


def test_options_are_kept_until_changed_and_checked():
    cr.set_printoptions(precision=2)
    cr.set_printoptions(threshold=50)
    assert cr.get_printoptions()["precision"] == 2 and cr.get_printoptions()["threshold"] == 50
    with pytest.raises(ValueError, match="profile"):
        cr.set_printoptions(profile="tiny")
    with pytest.raises(ValueError, match="precision"):
        cr.set_printoptions(precision=-1)
