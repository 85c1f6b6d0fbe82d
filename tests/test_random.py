"""The random factories (randn, rand) and manual_seed."""
import chainrule as cr


def test_random_factories():
    cr.manual_seed(0)
    a = cr.randn(())
    assert a.shape == () and a.dtype == cr.float32
    b, c = cr.rand(2, 3), cr.randn(4, dtype=cr.float64, requires_grad=True)
    assert b.shape == (2, 3) and b.dtype == cr.float32 and ((b.numpy() >= 0) & (b.numpy() < 1)).all()
    assert c.dtype == cr.float64 and c.requires_grad and c.is_leaf
    cr.manual_seed(0)
    assert cr.randn(()).item() == a.item()
