"""cr.distributed: not available, so scripts take their single-process path."""
import chainrule as cr


def test_not_available():
    assert cr.distributed.is_available() is False
