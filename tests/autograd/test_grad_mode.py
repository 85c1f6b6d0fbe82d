"""Grad mode: no_grad (a context and a decorator), enable_grad, set_grad_enabled, is_grad_enabled."""
import chainrule as cr


def test_no_grad_records_nothing_and_works_as_decorator():
    x = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None

    @cr.no_grad()
    def double(t):
        return t * 2

    @cr.no_grad
    def triple(t):
        return t * 3

    assert not double(x).requires_grad and not triple(x).requires_grad
    assert (x * 2).requires_grad
    with cr.no_grad():
        with cr.enable_grad():
            assert (x * 2).requires_grad
    with cr.set_grad_enabled(False):
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
