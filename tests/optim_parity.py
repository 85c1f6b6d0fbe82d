"""Run a chainrule optimizer and a torch.optim one side by side on the same parameters and gradients."""
import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)
import torch_parity  # noqa: F401  (CHAINRULE_ARRAY_LIBRARY: every tensor made there, see tests/system/test_array_api.py)

SHAPES = [(3, 4), (5,), ()]


def initial_arrays(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in shapes]


def param_pair(arrays, dtype=np.float64):
    """The same starting values as chainrule and torch leaf parameters."""
    mine = [cr.tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]
    return mine, theirs


def host(t):
    """A chainrule tensor's values as NumPy (a copy from another device: CHAINRULE_ARRAY_LIBRARY puts tensors there)."""
    return t.detach().cpu().numpy()


def gradient(values, step, index):
    """A gradient that depends on where the parameter is (like a real loss) and changes with the step."""
    noise = np.sin(step + 1.7 * index + np.arange(values.size).reshape(values.shape))
    return (2.0 * np.tanh(values) + noise).astype(values.dtype)


def set_grads(mine, theirs, step, skip=()):
    """Give each parameter (but those in skip) the gradient at its current value."""
    for index, (a, b) in enumerate(zip(mine, theirs)):
        if index in skip:
            a.grad, b.grad = None, None
            continue
        a.grad = cr.tensor(gradient(host(a), step, index), device=a.device)
        b.grad = torch.tensor(gradient(b.detach().numpy(), step, index))


def assert_params_close(mine, theirs, rtol=1e-12, atol=1e-14, where=""):
    for index, (a, b) in enumerate(zip(mine, theirs)):
        expected = b.detach().numpy()
        assert a.dtype == expected.dtype, f"param {index}: dtype {a.dtype}, torch {expected.dtype} {where}"
        np.testing.assert_allclose(host(a), expected, rtol=rtol, atol=atol, err_msg=f"param {index} {where}")


def assert_state_close(my_optimizer, torch_optimizer, mine, theirs, rtol=1e-12, atol=1e-14):
    """Every state entry torch keeps, chainrule keeps too, with the same value and dtype."""
    for index, (a, b) in enumerate(zip(mine, theirs)):
        expected, got = torch_optimizer.state.get(b, {}), my_optimizer.state.get(a, {})
        assert set(got) == set(expected), f"param {index}: state keys {sorted(got)}, torch {sorted(expected)}"
        for key, value in expected.items():
            if key == "step":
                assert got[key] == float(value), f"param {index}: step {got[key]}, torch {float(value)}"
                continue
            assert got[key].dtype == value.numpy().dtype, f"param {index} {key}: dtype {got[key].dtype}"
            np.testing.assert_allclose(host(got[key]), value.numpy(), rtol=rtol, atol=atol, err_msg=f"{key} {index}")


def run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=8, first_step=0, skip=(), **tolerances):
    """Step both optimizers with the same gradients, comparing the parameters after every step."""
    for step in range(first_step, first_step + steps):
        set_grads(mine, theirs, step, skip)
        my_optimizer.step()
        torch_optimizer.step()
        assert_params_close(mine, theirs, where=f"after step {step}", **tolerances)


# ---- the scaffold every optimizer's test module shares -----------------------------------------------
def optimizer_pair(name, mine, theirs, **options):
    """cr.optim.<name> on mine and torch.optim.<name> on theirs, with the same options."""
    return getattr(cr.optim, name)(mine, **options), getattr(torch.optim, name)(theirs, **options)


def check_matches_torch(name, options, steps, seed=0, dtype=np.float64, **tolerances):
    """Both optimizers step the same parameters with the same gradients: parameters agree after every step,
    and the state at the end. Returns (chainrule optimizer, its parameters) for further checks."""
    mine, theirs = param_pair(initial_arrays(seed), dtype=dtype)
    my_optimizer, torch_optimizer = optimizer_pair(name, mine, theirs, **options)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=steps, **tolerances)
    assert_state_close(my_optimizer, torch_optimizer, mine, theirs, **tolerances)
    return my_optimizer, mine


def check_invalid_option(name, options, message):
    """torch and chainrule both refuse the options with a ValueError matching message."""
    with pytest.raises(ValueError, match=message):
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **options)
    with pytest.raises(ValueError, match=message):
        getattr(cr.optim, name)([cr.zeros(2, requires_grad=True)], **options)


def check_defaults_match_torch(name):
    ours = getattr(cr.optim, name)([cr.zeros(2, requires_grad=True)]).defaults
    theirs = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)]).defaults
    assert all(ours[key] == theirs[key] for key in ours)


def check_resumes_like_torch(name, options, steps_after=4):
    """Four steps, then a fresh optimizer loads the state_dict and goes on as torch's does. Returns the state_dict."""
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = optimizer_pair(name, mine, theirs, **options)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=4)
    saved, expected = my_optimizer.state_dict(), torch_optimizer.state_dict()
    assert all(saved["state"][i].keys() == expected["state"][i].keys() for i in expected["state"])
    resumed = getattr(cr.optim, name)([cr.tensor(host(p), device=p.device, requires_grad=True) for p in mine], lr=1.0)
    resumed.load_state_dict(saved)
    params = resumed.param_groups[0]["params"]
    run_side_by_side(resumed, torch_optimizer, params, theirs, steps=steps_after, first_step=4)
    assert_state_close(resumed, torch_optimizer, params, theirs)
    return saved
