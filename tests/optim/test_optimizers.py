"""Each optimizer's update rule against torch.optim, step by step, for many option combinations."""
import numpy as np
import pytest
import torch
from optim_parity import assert_params_close, assert_state_close, initial_arrays, param_pair, run_side_by_side

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, weight_decay=0.2, nesterov=True, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1)),
    ("Adam", dict(lr=0.1, maximize=True)),
    ("Adam", dict(lr=0.1, betas=(0.3, 0.6), eps=1e-3)),  # 1 - beta1 >= 0.5: lerp's other branch
    ("Adam", dict(lr=0.1, weight_decay=0.1, amsgrad=True, maximize=True)),
    ("Adam", dict(lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.1, weight_decay=0.3)),
    ("AdamW", dict(lr=0.1, amsgrad=True, maximize=True)),
    ("AdamW", dict(lr=0.1, weight_decay=0)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.05, alpha=0.3)),
    ("RMSprop", dict(lr=0.05, centered=True)),
    ("RMSprop", dict(lr=0.05, momentum=0.7)),
    ("RMSprop", dict(lr=0.05, weight_decay=0.2)),
    ("RMSprop", dict(lr=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.05, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-4)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.2)),
    ("Adadelta", dict(lr=0.5, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.3)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-3)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.2)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, maximize=True)),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in options.items()) or 'defaults'}" for name, options in CASES]

# one setting per optimizer that creates every kind of state it has
FULL_STATE = {
    "SGD": dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.1),
    "Adam": dict(lr=0.1, amsgrad=True, weight_decay=0.1),
    "AdamW": dict(lr=0.1, amsgrad=True, maximize=True),
    "RMSprop": dict(lr=0.05, centered=True, momentum=0.5, weight_decay=0.1),
    "Adadelta": dict(lr=0.5, weight_decay=0.1),
    "Adagrad": dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1),
}


def both(name, mine, theirs, **options):
    return getattr(cr.optim, name)(mine, **options), getattr(torch.optim, name)(theirs, **options)


@pytest.mark.parametrize("name, options", CASES, ids=CASE_IDS)
def test_matches_torch_float64(name, options):
    mine, theirs = param_pair(initial_arrays())
    my_optimizer, torch_optimizer = both(name, mine, theirs, **options)
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=8)
    assert_state_close(my_optimizer, torch_optimizer, mine, theirs)


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_float32_stays_float32(name):
    mine, theirs = param_pair(initial_arrays(1), dtype=np.float32)
    arrays = [p._data for p in mine]
    my_optimizer, torch_optimizer = both(name, mine, theirs, **FULL_STATE[name])
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=5, rtol=1e-5, atol=1e-6)
    assert_state_close(my_optimizer, torch_optimizer, mine, theirs, rtol=1e-5, atol=1e-6)
    assert all(p._data is array for p, array in zip(mine, arrays))
    for p in mine:
        assert p.dtype == np.float32
        for key, value in my_optimizer.state[p].items():
            assert key == "step" or value.dtype == np.float32, f"{key}: {value.dtype}"


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_numpy_float64_hyperparameters_do_not_upcast(name):
    options = {k: np.float64(v) if isinstance(v, float) else v for k, v in FULL_STATE[name].items()}
    params = [cr.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)]
    optimizer = getattr(cr.optim, name)(params, **options)
    for step in range(3):
        params[0].grad = cr.tensor(np.full((2, 3), 0.5 + step, dtype=np.float32))
        optimizer.step()
    assert params[0].dtype == np.float32
    assert all(key == "step" or v.dtype == np.float32 for key, v in optimizer.state[params[0]].items())


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_updates_in_place_and_leaves_grads_alone(name):
    param = cr.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    array, row = param._data, param._data[0]
    before_row, version = row.copy(), param._version
    param.grad = cr.tensor(np.arange(6.0).reshape(2, 3) - 2.5)
    grad_object, grad_values = param.grad, param.grad._data.copy()
    getattr(cr.optim, name)([param], **FULL_STATE[name]).step()
    assert param._data is array, "the parameter's array was replaced"
    assert not np.array_equal(row, before_row), "a view of the parameter does not see the update"
    assert param._version > version
    assert param.grad is grad_object and np.array_equal(param.grad._data, grad_values), "the gradient was modified"
    assert param.grad_fn is None and param.requires_grad


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_params_without_grad_are_skipped(name):
    mine, theirs = param_pair(initial_arrays(2))
    frozen = mine[1]._data.copy()
    my_optimizer, torch_optimizer = both(name, mine, theirs, **FULL_STATE[name])
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=4, skip={1})
    assert np.array_equal(mine[1]._data, frozen)
    assert_state_close(my_optimizer, torch_optimizer, mine, theirs)  # Adagrad: state from the start; others: none


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_param_groups_with_their_own_options(name):
    mine, theirs = param_pair(initial_arrays(3))
    options = dict(FULL_STATE[name])
    lr = options.pop("lr")

    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": lr * 3, "weight_decay": 0.5}]

    my_optimizer = getattr(cr.optim, name)(groups(mine), lr=lr, **options)
    torch_optimizer = getattr(torch.optim, name)(groups(theirs), lr=lr, **options)
    assert my_optimizer.param_groups[1]["lr"] == lr * 3 and my_optimizer.param_groups[0]["lr"] == lr
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=5)


def test_add_param_group_later_matches_torch():
    mine, theirs = param_pair(initial_arrays(4))
    my_optimizer, torch_optimizer = both("Adam", mine[:2], theirs[:2], lr=0.1)
    run_side_by_side(my_optimizer, torch_optimizer, mine[:2], theirs[:2], steps=2)
    my_optimizer.add_param_group({"params": mine[2], "lr": 0.01, "amsgrad": True})
    torch_optimizer.add_param_group({"params": theirs[2], "lr": 0.01, "amsgrad": True})
    assert my_optimizer.param_groups[1]["betas"] == (0.9, 0.999)  # defaults fill the options left out
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=3, first_step=2)


def test_changing_lr_between_steps_is_used():
    mine, theirs = param_pair(initial_arrays(5))
    my_optimizer, torch_optimizer = both("SGD", mine, theirs, lr=0.1, momentum=0.9)
    for step in range(4):
        for group in my_optimizer.param_groups + torch_optimizer.param_groups:
            group["lr"] = 0.1 / (step + 1)
        run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=1, first_step=step)


def test_training_a_quadratic_through_autograd():
    target = np.array([1.0, -2.0, 0.5])
    w_mine, w_theirs = cr.tensor(np.zeros(3), requires_grad=True), torch.tensor(np.zeros(3), requires_grad=True)
    my_optimizer, torch_optimizer = cr.optim.Adam([w_mine], lr=0.1), torch.optim.Adam([w_theirs], lr=0.1)
    for _ in range(10):
        for lib, w, optimizer in ((cr, w_mine, my_optimizer), (torch, w_theirs, torch_optimizer)):
            optimizer.zero_grad()
            loss = ((w - lib.tensor(target)) ** 2).sum()
            loss.backward()
            optimizer.step()
        assert_params_close([w_mine], [w_theirs])


def test_grad_of_another_dtype_or_shape():
    param = cr.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    optimizer = cr.optim.SGD([param], lr=0.5, momentum=0.9)
    param.grad = cr.tensor(np.ones(3, dtype=np.float64))
    optimizer.step()
    assert param.dtype == np.float32 and optimizer.state[param]["momentum_buffer"].dtype == np.float32
    np.testing.assert_array_equal(param._data, np.full(3, 0.5, dtype=np.float32))
    param.grad = cr.tensor(np.ones(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(3,\) has a gradient of shape \(4,\)"):
        optimizer.step()

