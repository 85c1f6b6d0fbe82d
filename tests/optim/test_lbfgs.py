"""LBFGS against torch.optim.LBFGS, with a fixed step and with the strong-Wolfe line search: on a
Rosenbrock function and on a small regression model, step by step (parameters, returned loss, the state),
float32, state_dict round trips, stopping rules and errors."""
import numpy as np
import pytest
import torch
from optim_parity import assert_params_close, host

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)
from chainrule.optim.lbfgs import _cubic_interpolate, _strong_wolfe

LINE_SEARCHES = [None, "strong_wolfe"]


def rosenbrock(x, y):
    """A Rosenbrock valley in 5 dimensions, split over two parameters (works for both libraries)."""
    z = (x[1:] - x[:-1] ** 2) ** 2 * 100 + (1 - x[:-1]) ** 2
    return z.sum() + ((y - x[-1:] ** 2) ** 2 * 100 + (1 - x[-1:]) ** 2).sum()


def rosenbrock_pair(dtype=np.float64):
    start = [np.array([-1.2, 1.0, -0.5, 0.8], dtype=dtype), np.array([0.3], dtype=dtype)]
    return ([cr.tensor(a.copy(), requires_grad=True) for a in start],
            [torch.tensor(a.copy(), requires_grad=True) for a in start])


def closure_for(optimizer, params, loss_fn):
    def closure():
        optimizer.zero_grad()
        loss = loss_fn(*params)
        loss.backward()
        return loss
    return closure


def run_both(mine, theirs, loss_fn, steps, rtol=1e-10, atol=1e-12, check_state=True, **options):
    my_optimizer, torch_optimizer = cr.optim.LBFGS(mine, **options), torch.optim.LBFGS(theirs, **options)
    my_closure, torch_closure = closure_for(my_optimizer, mine, loss_fn), closure_for(torch_optimizer, theirs, loss_fn)
    for step in range(steps):
        my_loss, torch_loss = my_optimizer.step(my_closure), torch_optimizer.step(torch_closure)
        assert isinstance(my_loss, cr.Tensor)
        np.testing.assert_allclose(my_loss.item(), torch_loss.item(), rtol=rtol, atol=atol)
        assert_params_close(mine, theirs, rtol=rtol, atol=atol, where=f"after step {step}")
        if check_state:
            assert_same_state(my_optimizer, torch_optimizer, mine[0], theirs[0], rtol, atol)
    return my_optimizer, torch_optimizer


def assert_same_state(my_optimizer, torch_optimizer, mine, theirs, rtol, atol):
    ours, expected = my_optimizer.state[mine], torch_optimizer.state[theirs]
    assert ours.keys() == expected.keys()
    for key, value in expected.items():
        got = ours[key]
        if isinstance(value, list):
            assert len(got) == len(value), key
            pairs = [(a, b) for a, b in zip(got, value) if b is not None]
            assert all(a is not None for a, _ in pairs), key
        else:
            pairs = [(got, value)]
        for a, b in pairs:
            assert isinstance(a, cr.Tensor) == isinstance(b, torch.Tensor), f"{key}: {type(a)} vs {type(b)}"
            if isinstance(b, torch.Tensor):
                assert a.dtype == b.numpy().dtype and a.shape == tuple(b.shape), key
                if key == "al":  # the two-loop recursion's scratch values: s.q / y.s, both tiny near a minimum
                    continue
                np.testing.assert_allclose(host(a), b.numpy(), rtol=rtol, atol=atol, err_msg=key)
            elif isinstance(b, int):
                assert a == b, key
            else:
                np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=key)


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
def test_rosenbrock_matches_torch(line_search_fn):
    """The losses and gradients themselves differ from torch's in the last bits; along Rosenbrock's
    ill-conditioned valley the line search turns that into ~1e-10 after a few steps."""
    mine, theirs = rosenbrock_pair()
    lr = 1 if line_search_fn else 0.05
    my_optimizer, _ = run_both(mine, theirs, rosenbrock, steps=5, rtol=1e-8, atol=1e-10, lr=lr, max_iter=8,
                               history_size=4, line_search_fn=line_search_fn)
    assert len(my_optimizer.state[mine[0]]["old_dirs"]) == 4  # the history was full and shifted


def test_strong_wolfe_minimizes_rosenbrock_like_torch():
    mine, theirs = rosenbrock_pair()
    # at the minimum the state (directions, steps) is tiny and mostly rounding noise: compare the parameters
    run_both(mine, theirs, rosenbrock, steps=2, rtol=1e-8, atol=1e-10, check_state=False, max_iter=60,
             line_search_fn="strong_wolfe")
    np.testing.assert_allclose(np.concatenate([host(p) for p in mine]), np.ones(5), atol=1e-5)


def regression_pair(dtype=np.float64):
    """A 3 -> 4 -> 1 tanh network (torch's initial weights copied into chainrule's) and its data."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1)).to(
        torch.float64 if dtype == np.float64 else torch.float32)
    my_dtype = cr.float64 if dtype == np.float64 else cr.float32
    mine = cr.nn.Sequential(cr.nn.Linear(3, 4, dtype=my_dtype), cr.nn.Tanh(), cr.nn.Linear(4, 1, dtype=my_dtype))
    with cr.no_grad():
        for a, b in zip(mine.parameters(), model.parameters()):
            a.copy_(cr.tensor(b.detach().numpy(), device=a.device))
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype(dtype)
    y = (np.sin(x).sum(axis=1, keepdims=True) + 0.1 * rng.normal(size=(16, 1))).astype(dtype)

    def my_loss(*_):
        return cr.nn.functional.mse_loss(mine(cr.tensor(x)), cr.tensor(y))

    def torch_loss(*_):
        return torch.nn.functional.mse_loss(model(torch.tensor(x)), torch.tensor(y))
    return list(mine.parameters()), list(model.parameters()), my_loss, torch_loss


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
def test_regression_model_matches_torch(line_search_fn):
    mine, theirs, my_loss, torch_loss = regression_pair()
    my_optimizer = cr.optim.LBFGS(mine, lr=0.5, max_iter=10, line_search_fn=line_search_fn)
    torch_optimizer = torch.optim.LBFGS(theirs, lr=0.5, max_iter=10, line_search_fn=line_search_fn)
    my_closure, torch_closure = closure_for(my_optimizer, [], my_loss), closure_for(torch_optimizer, [], torch_loss)
    first = None
    for step in range(4):
        my_result, torch_result = my_optimizer.step(my_closure), torch_optimizer.step(torch_closure)
        np.testing.assert_allclose(my_result.item(), torch_result.item(), rtol=1e-10)
        assert_params_close(mine, theirs, rtol=1e-9, atol=1e-11, where=f"after step {step}")
        assert_same_state(my_optimizer, torch_optimizer, mine[0], theirs[0], rtol=1e-9, atol=1e-11)
        first = my_result.item() if first is None else first
    assert my_loss().item() < first / 2


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
def test_float32_stays_float32(line_search_fn):
    mine, theirs = rosenbrock_pair(np.float32)
    arrays = [p._data for p in mine]
    lr = 1 if line_search_fn else 0.05
    optimizer = run_both(mine, theirs, rosenbrock, steps=1, rtol=1e-4, atol=1e-5, lr=lr, max_iter=5,
                         line_search_fn=line_search_fn)[0]
    assert all(p._data is array and p.dtype == np.float32 for p, array in zip(mine, arrays))
    state = optimizer.state[mine[0]]
    assert state["d"].dtype == state["prev_flat_grad"].dtype == np.float32
    assert all(r.dtype == np.float32 for r in state["ro"])


@pytest.mark.parametrize("line_search_fn", LINE_SEARCHES)
def test_state_dict_round_trip_resumes_like_torch(line_search_fn):
    mine, theirs = rosenbrock_pair()
    lr = 1 if line_search_fn else 0.05
    options = dict(lr=lr, max_iter=4, history_size=3, line_search_fn=line_search_fn)
    my_optimizer, torch_optimizer = run_both(mine, theirs, rosenbrock, steps=2, **options)
    saved = my_optimizer.state_dict()
    assert list(saved["state"]) == [0] and saved["param_groups"][0]["max_eval"] == 5
    with cr.no_grad():
        for p in mine:  # the snapshot does not move with the parameters
            p.add_(1.0)
            p.sub_(1.0)
    resumed_params = [cr.tensor(host(p), device=p.device, requires_grad=True) for p in mine]
    resumed = cr.optim.LBFGS(resumed_params, lr=7.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == lr
    closure, torch_closure = closure_for(resumed, resumed_params, rosenbrock), closure_for(torch_optimizer, theirs,
                                                                                         rosenbrock)
    for step in range(3):
        resumed.step(closure)
        torch_optimizer.step(torch_closure)
        assert_params_close(resumed_params, theirs, rtol=1e-10, atol=1e-12, where=f"resumed step {step}")
        assert_same_state(resumed, torch_optimizer, resumed_params[0], theirs[0], 1e-10, 1e-12)


def test_loads_a_torch_state_dict():
    mine, theirs = rosenbrock_pair()
    _, torch_optimizer = run_both(mine, theirs, rosenbrock, steps=2, lr=0.05, max_iter=4)
    resumed = cr.optim.LBFGS(mine, lr=0.05, max_iter=4)
    resumed.load_state_dict(torch_optimizer.state_dict())
    closure, torch_closure = closure_for(resumed, mine, rosenbrock), closure_for(torch_optimizer, theirs, rosenbrock)
    resumed.step(closure)
    torch_optimizer.step(torch_closure)
    assert_params_close(mine, theirs, rtol=1e-10, atol=1e-12)


def test_stops_at_once_when_the_gradient_is_small():
    mine, theirs = [cr.tensor([1.0, 1.0, 1.0, 1.0], requires_grad=True), cr.tensor([1.0], requires_grad=True)], \
        [torch.tensor([1.0, 1.0, 1.0, 1.0], requires_grad=True), torch.tensor([1.0], requires_grad=True)]
    my_optimizer, torch_optimizer = run_both(mine, theirs, rosenbrock, steps=2)
    assert my_optimizer.state[mine[0]] == {"func_evals": 2, "n_iter": 0}


@pytest.mark.parametrize("options", [dict(max_eval=3), dict(tolerance_change=1e-2), dict(max_iter=1),
                                     dict(max_eval=4, line_search_fn="strong_wolfe")], ids=str)
def test_stopping_rules_match_torch(options):
    mine, theirs = rosenbrock_pair()
    run_both(mine, theirs, rosenbrock, steps=3, lr=0.05 if "line_search_fn" not in options else 1, **options)


def test_params_without_grad_count_as_zero_gradient():
    mine, theirs = rosenbrock_pair()
    frozen = host(mine[1]).copy()
    run_both(mine, theirs, lambda x, y: rosenbrock(x, y.detach()), steps=2, lr=0.05, max_iter=3)
    assert np.array_equal(host(mine[1]), frozen)


def test_cubic_interpolate_matches_torch():
    from torch.optim.lbfgs import _cubic_interpolate as torch_cubic
    for args in [(0.0, 1.0, -2.0, 1.0, 0.5, 1.0), (2.0, 1.0, 3.0, 0.5, 0.7, -1.0), (0.0, 1.0, -1.0, 1.0, 3.0, -5.0)]:
        x1, f1, g1, x2, f2, g2 = args
        expected = torch_cubic(x1, f1, torch.tensor(g1, dtype=torch.float64), x2, f2,
                               torch.tensor(g2, dtype=torch.float64))
        assert float(_cubic_interpolate(x1, f1, np.float64(g1), x2, f2, np.float64(g2))) == float(expected)
        bounded = torch_cubic(x1, f1, torch.tensor(g1, dtype=torch.float64), x2, f2,
                              torch.tensor(g2, dtype=torch.float64), bounds=(0.2, 0.4))
        assert float(_cubic_interpolate(x1, f1, np.float64(g1), x2, f2, np.float64(g2), (0.2, 0.4))) == float(bounded)


LINE_FUNCTIONS = {  # f and f' of one variable
    "quartic": (lambda x: x**4 - 3 * x**3 + x, lambda x: 4 * x**3 - 9 * x**2 + 1),
    "wiggle": (lambda x: np.sin(5 * x) + 0.1 * x * x, lambda x: 5 * np.cos(5 * x) + 0.2 * x),
    "far": (lambda x: (x - 50) ** 2, lambda x: 2 * (x - 50)),
    "smooth_abs": (lambda x: np.sqrt(x * x + 1e-4) - 0.3 * x, lambda x: x / np.sqrt(x * x + 1e-4) - 0.3),
}
LINE_CASES = [  # function, start, first t, max_ls, options: together they reach every branch of the search
    ("quartic", -1.0, 20.0, 25, dict()),
    ("quartic", 0.3, 3.0, 25, dict(c2=0.01)),  # zoom: t kept away from the bracket's ends
    ("wiggle", -1.0, 20.0, 25, dict(c2=0.1, tolerance_change=1e-2)),
    ("far", 0.3, 0.01, 3, dict()),  # max_ls reached while still growing t
    ("smooth_abs", 0.3, 20.0, 25, dict(c2=0.1, tolerance_change=1e-2)),  # the bracket gets too small
    ("smooth_abs", 1.7, 0.01, 25, dict()),
]


@pytest.mark.parametrize("name, x0, t, max_ls, options", LINE_CASES, ids=[str(case[:4]) for case in LINE_CASES])
def test_strong_wolfe_line_search_matches_torch(name, x0, t, max_ls, options):
    from torch.optim.lbfgs import _strong_wolfe as torch_strong_wolfe
    f, df = LINE_FUNCTIONS[name]
    d = np.array([-np.sign(df(x0))])
    g = np.array([df(x0)])

    def along(step):
        x = x0 + step * d[0]
        return float(f(x)), np.array([df(x)])

    def torch_along(_, step, __):
        x = x0 + float(step) * d[0]
        return float(f(x)), torch.tensor([df(x)], dtype=torch.float64)

    ours = _strong_wolfe(along, t, d, float(f(x0)), g, g.dot(d), max_ls=max_ls, **options)
    expected = torch_strong_wolfe(torch_along, None, t, torch.tensor(d), float(f(x0)), torch.tensor(g),
                                  torch.tensor(g.dot(d)), max_ls=max_ls, **options)
    assert ours[3] == expected[3], "number of evaluations"
    np.testing.assert_allclose([ours[0], float(ours[2])], [expected[0], float(expected[2])], rtol=1e-12)
    np.testing.assert_allclose(ours[1], expected[1].numpy(), rtol=1e-12)


def test_errors():
    params = [cr.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match="Invalid learning rate"):
        cr.optim.LBFGS(params, lr=-1.0)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        cr.optim.LBFGS([{"params": params}, {"params": [cr.zeros(1, requires_grad=True)]}])
    optimizer = cr.optim.LBFGS(params)
    with pytest.raises(TypeError):
        optimizer.step()
    with pytest.raises(TypeError, match="closure"):
        optimizer.step(None)
    optimizer = cr.optim.LBFGS(params, line_search_fn="backtracking")

    def closure():
        optimizer.zero_grad()
        loss = ((params[0] - 1) ** 2).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optimizer.step(closure)


def test_defaults_match_torch():
    ours = cr.optim.LBFGS([cr.zeros(2, requires_grad=True)]).defaults
    theirs = torch.optim.LBFGS([torch.zeros(2, requires_grad=True)]).defaults
    assert ours == theirs
