"""Run a chainrule optimizer and a torch.optim one side by side on the same parameters and gradients."""
import numpy as np
import torch

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)

SHAPES = [(3, 4), (5,), ()]


def initial_arrays(seed=0, shapes=SHAPES):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in shapes]


def param_pair(arrays, dtype=np.float64):
    """The same starting values as chainrule and torch leaf parameters."""
    mine = [cr.tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(np.array(a, dtype=dtype), requires_grad=True) for a in arrays]
    return mine, theirs


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
        a.grad = cr.tensor(gradient(a._data, step, index))
        b.grad = torch.tensor(gradient(b.detach().numpy(), step, index))


def assert_params_close(mine, theirs, rtol=1e-12, atol=1e-14, where=""):
    for index, (a, b) in enumerate(zip(mine, theirs)):
        expected = b.detach().numpy()
        assert a.dtype == expected.dtype, f"param {index}: dtype {a.dtype}, torch {expected.dtype} {where}"
        np.testing.assert_allclose(a._data, expected, rtol=rtol, atol=atol, err_msg=f"param {index} {where}")


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
            np.testing.assert_allclose(got[key]._data, value.numpy(), rtol=rtol, atol=atol, err_msg=f"{key} {index}")


def run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=8, first_step=0, skip=(), **tolerances):
    """Step both optimizers with the same gradients, comparing the parameters after every step."""
    for step in range(first_step, first_step + steps):
        set_grads(mine, theirs, step, skip)
        my_optimizer.step()
        torch_optimizer.step()
        assert_params_close(mine, theirs, where=f"after step {step}", **tolerances)
