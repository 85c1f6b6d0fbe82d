"""Every optimizer's update rule against torch.optim, step by step, for many option combinations; and the
Optimizer base: parameter checks, param groups, zero_grad, closures, state_dict and hyper-parameter errors."""
import numpy as np
import pytest
import torch
from optim_parity import (assert_params_close, assert_state_close, host, initial_arrays, param_pair, run_side_by_side,
                          set_grads)

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
    array, row = param._data, param[0]  # row: a view of the parameter
    before_row, version = host(row).copy(), param._version
    param.grad = cr.tensor(np.arange(6.0).reshape(2, 3) - 2.5, device=param.device)
    grad_object, grad_values = param.grad, host(param.grad).copy()
    getattr(cr.optim, name)([param], **FULL_STATE[name]).step()
    assert param._data is array, "the parameter's array was replaced"
    assert not np.array_equal(host(row), before_row), "a view of the parameter does not see the update"
    np.testing.assert_array_equal(host(row), host(param)[0])
    assert param._version > version
    assert param.grad is grad_object and np.array_equal(host(param.grad), grad_values), "the gradient was modified"
    assert param.grad_fn is None and param.requires_grad


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_params_without_grad_are_skipped(name):
    mine, theirs = param_pair(initial_arrays(2))
    frozen = host(mine[1]).copy()
    my_optimizer, torch_optimizer = both(name, mine, theirs, **FULL_STATE[name])
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=4, skip={1})
    assert np.array_equal(host(mine[1]), frozen)
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
    np.testing.assert_array_equal(host(param), np.full(3, 0.5, dtype=np.float32))
    param.grad = cr.tensor(np.ones(4, dtype=np.float32))
    with pytest.raises(ValueError, match=r"shape \(3,\) has a gradient of shape \(4,\)"):
        optimizer.step()


# ---- the Optimizer base ------------------------------------------------------------------------------
def make(name, params, **options):
    return getattr(cr.optim, name)(params, **{**FULL_STATE[name], **options})


def fresh_params(seed=0):
    return param_pair(initial_arrays(seed))[0]


def run(optimizer, params, steps, first_step=0):
    for step in range(first_step, first_step + steps):
        for index, p in enumerate(params):
            values = host(p)
            p.grad = cr.tensor(np.sin(step + index + values) + values, device=p.device)
        optimizer.step()


# ---- state_dict -----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_state_dict_round_trip_resumes_identically(name):
    params = fresh_params()
    optimizer = make(name, params)
    run(optimizer, params, 3)
    saved = optimizer.state_dict()
    resumed_params = [cr.tensor(host(p), device=p.device, requires_grad=True) for p in params]
    resumed = make(name, resumed_params, lr=123.0)  # the loaded param groups replace these options
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    run(optimizer, params, 4, first_step=3)
    run(resumed, resumed_params, 4, first_step=3)
    for a, b in zip(params, resumed_params):
        np.testing.assert_array_equal(host(a), host(b))


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_state_dict_layout_matches_torch(name):
    mine, theirs = param_pair(initial_arrays(1))
    groups = lambda ps: [{"params": ps[:1]}, {"params": ps[1:], "lr": 0.01}]  # noqa: E731
    my_optimizer = getattr(cr.optim, name)(groups(mine), **FULL_STATE[name])
    torch_optimizer = getattr(torch.optim, name)(groups(theirs), **FULL_STATE[name])
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=2)
    ours, expected = my_optimizer.state_dict(), torch_optimizer.state_dict()
    assert set(ours) == {"state", "param_groups"}
    assert list(ours["state"]) == list(expected["state"])
    for index, entries in expected["state"].items():
        assert list(ours["state"][index]) == list(entries)
        if "step" in entries:
            assert ours["state"][index]["step"] == float(entries["step"])
    for group, torch_group in zip(ours["param_groups"], expected["param_groups"]):
        assert group["params"] == torch_group["params"]
        assert {key: torch_group[key] for key in group} == group


@pytest.mark.parametrize("name", sorted(FULL_STATE))
def test_loading_torchs_state_dict_continues_like_torch(name):
    mine, theirs = param_pair(initial_arrays(2))
    torch_optimizer = getattr(torch.optim, name)(theirs, **FULL_STATE[name])
    my_optimizer = getattr(cr.optim, name)(mine, **FULL_STATE[name])
    for step in range(3):  # only torch trains; chainrule then takes over its parameters and state
        set_grads(mine, theirs, step)
        torch_optimizer.step()
    with cr.no_grad():
        for a, b in zip(mine, theirs):
            a.copy_(cr.tensor(b.detach().numpy(), device=a.device))
    my_optimizer.load_state_dict(torch_optimizer.state_dict())
    run_side_by_side(my_optimizer, torch_optimizer, mine, theirs, steps=3, first_step=3)


def test_state_dict_is_a_snapshot():
    params = fresh_params()
    optimizer = make("Adam", params)
    run(optimizer, params, 2)
    saved = optimizer.state_dict()
    exp_avg, step = host(saved["state"][0]["exp_avg"]).copy(), saved["state"][0]["step"]
    run(optimizer, params, 2, first_step=2)
    np.testing.assert_array_equal(host(saved["state"][0]["exp_avg"]), exp_avg)
    assert saved["state"][0]["step"] == step == 2.0


def test_loaded_state_is_independent_of_the_dict():
    params = fresh_params()
    optimizer = make("SGD", params)
    run(optimizer, params, 2)
    saved = optimizer.state_dict()
    other = make("SGD", [cr.tensor(host(p), device=p.device, requires_grad=True) for p in params])
    other.load_state_dict(saved)
    saved_buffer = saved["state"][0]["momentum_buffer"]
    before = host(saved_buffer).copy()
    run(other, other.param_groups[0]["params"], 2)  # SGD updates its momentum buffer in place
    loaded_buffer = other.state[other.param_groups[0]["params"][0]]["momentum_buffer"]
    assert not np.array_equal(host(loaded_buffer), before), "the loaded buffer did not move"
    np.testing.assert_array_equal(host(saved_buffer), before)  # the dict's buffer shares no memory with the state


def test_load_state_dict_casts_state_to_the_parameter_dtype():
    params = fresh_params()
    optimizer = make("Adam", params)
    run(optimizer, params, 2)
    params32 = [cr.tensor(host(p).astype(np.float32), device=p.device, requires_grad=True) for p in params]
    optimizer32 = make("Adam", params32)
    optimizer32.load_state_dict(optimizer.state_dict())
    assert all(v.dtype == np.float32 for k, v in optimizer32.state[params32[0]].items() if k != "step")


def test_load_state_dict_rejects_mismatches():
    params = fresh_params()
    optimizer = make("Adam", params)
    run(optimizer, params, 1)
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match="2 parameter groups but the optimizer has 1"):
        make("Adam", fresh_params()).load_state_dict(
            {"state": {}, "param_groups": [saved["param_groups"][0], saved["param_groups"][0]]})
    with pytest.raises(ValueError, match="group 0 has 3 parameters but the optimizer's group 0 has 2"):
        make("Adam", fresh_params()[:2]).load_state_dict(saved)
    reshaped = [cr.tensor(np.zeros((4, 3)), requires_grad=True)] + fresh_params()[1:]
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \(3, 4\) for parameter 0, which has shape \(4, 3\)"):
        make("Adam", reshaped).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        make("Adam", fresh_params()).load_state_dict({"state": {}})
    bad = {"state": {7: saved["state"][0]}, "param_groups": saved["param_groups"]}
    with pytest.raises(ValueError, match="parameter 7, which no parameter group lists"):
        make("Adam", fresh_params()).load_state_dict(bad)


def test_named_parameters_keep_their_names():
    params = fresh_params()
    optimizer = cr.optim.SGD([("w", params[0]), ("b", params[1])], lr=0.1)
    assert optimizer.param_groups[0]["params"][0] is params[0]
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="with/without names"):
        cr.optim.SGD([("w", params[0]), params[1]], lr=0.1)


# ---- zero_grad and step(closure) ------------------------------------------------------------
def test_zero_grad_sets_none_by_default():
    params = fresh_params()
    optimizer = cr.optim.SGD(params, lr=0.1)
    run(optimizer, params, 1)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_to_zeros_keeps_the_grad_tensor_and_spares_shared_arrays():
    params = fresh_params()
    shared = cr.ones((3, 4), dtype=cr.float64, device=params[0].device)
    params[0].grad = shared.detach()  # a gradient array that another tensor also holds
    assert params[0].grad._data is shared._data
    grad_object = params[0].grad
    cr.optim.SGD(params, lr=0.1).zero_grad(set_to_none=False)
    assert params[0].grad is grad_object
    np.testing.assert_array_equal(host(params[0].grad), np.zeros((3, 4)))
    np.testing.assert_array_equal(host(shared), np.ones((3, 4)))
    assert params[1].grad is None  # params without a gradient keep none


def test_step_with_closure_returns_the_loss_and_uses_its_gradients():
    mine, theirs = param_pair([np.array([1.0, -2.0, 3.0])])
    my_optimizer, torch_optimizer = cr.optim.SGD(mine, lr=0.1), torch.optim.SGD(theirs, lr=0.1)

    def closure(lib, w, optimizer):
        def evaluate():
            assert lib.is_grad_enabled()
            optimizer.zero_grad()
            loss = (w * w * w).sum()
            loss.backward()
            return loss
        return evaluate

    for _ in range(3):
        with cr.no_grad():  # the closure still records its graph
            loss = my_optimizer.step(closure(cr, mine[0], my_optimizer))
        expected = torch_optimizer.step(closure(torch, theirs[0], torch_optimizer))
        assert isinstance(loss, cr.Tensor) and loss.item() == pytest.approx(expected.item(), rel=1e-12)
        assert_params_close(mine, theirs)
    assert my_optimizer.step() is None


# ---- parameters -----------------------------------------------------------------------------
def test_rejects_bad_parameter_lists():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="empty parameter list"):
        cr.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors, but one of the params is ndarray"):
        cr.optim.SGD([w, np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        cr.optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        cr.optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(ValueError, match="duplicate parameters"):
        cr.optim.SGD([w, w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        cr.optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        cr.optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        cr.optim.SGD([w], lr=0.1).add_param_group([w])
    optimizer = cr.optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": w})


def test_params_from_a_generator_and_a_single_tensor_group():
    w, b = cr.tensor([1.0], requires_grad=True), cr.tensor([2.0], requires_grad=True)
    optimizer = cr.optim.SGD((p for p in (w, b)), lr=0.1)
    assert optimizer.param_groups[0]["params"][1] is b
    optimizer = cr.optim.Adam([{"params": w}], lr=0.1)
    assert optimizer.param_groups[0]["params"][0] is w


def test_repr_lists_each_group():
    optimizer = cr.optim.SGD([cr.tensor([1.0], requires_grad=True)], lr=0.5, momentum=0.9)
    text = repr(optimizer)
    assert text.startswith("SGD (\nParameter Group 0\n") and "    lr: 0.5\n" in text and "    momentum: 0.9\n" in text


# ---- hyper-parameter errors, as torch words them ----------------------------------------------
INVALID = [
    ("SGD", dict(lr=-1), "Invalid learning rate: -1"),
    ("SGD", dict(momentum=-0.5), "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1e-2), "Invalid weight_decay value: -0.01"),
    ("SGD", dict(nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), "Nesterov momentum requires a momentum and zero"),
    ("Adam", dict(lr=-0.1), "Invalid learning rate: -0.1"),
    ("Adam", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), r"Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("AdamW", dict(betas=(0.9, 1.5)), "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("RMSprop", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("RMSprop", dict(alpha=-0.1), "Invalid alpha value: -0.1"),
    ("RMSprop", dict(eps=-0.1), "Invalid epsilon value: -0.1"),
    ("RMSprop", dict(momentum=-0.1), "Invalid momentum value: -0.1"),
    ("RMSprop", dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    ("Adadelta", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
    ("Adadelta", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    ("Adadelta", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("Adagrad", dict(lr=-1.0), "Invalid learning rate: -1.0"),
    ("Adagrad", dict(lr_decay=-1.0), "Invalid lr_decay value: -1.0"),
    ("Adagrad", dict(weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    ("Adagrad", dict(initial_accumulator_value=-1.0), "Invalid initial_accumulator_value value: -1.0"),
    ("Adagrad", dict(eps=-1.0), "Invalid epsilon value: -1.0"),
]


@pytest.mark.parametrize("name, options, message", INVALID)
def test_invalid_hyperparameters_raise_like_torch(name, options, message):
    with pytest.raises(ValueError, match=message) as expected:
        getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)], **options)
    with pytest.raises(ValueError) as raised:
        getattr(cr.optim, name)([cr.zeros(1, requires_grad=True)], **options)
    assert str(raised.value) == str(expected.value)


def test_betas_must_be_a_pair():
    with pytest.raises(ValueError, match="betas must be a pair"):
        cr.optim.Adam([cr.zeros(1, requires_grad=True)], betas=0.9)


@pytest.mark.parametrize("name, default_lr", [("SGD", 1e-3), ("Adam", 1e-3), ("AdamW", 1e-3), ("RMSprop", 1e-2),
                                              ("Adadelta", 1.0), ("Adagrad", 1e-2)])
def test_defaults_match_torch(name, default_lr):
    mine = getattr(cr.optim, name)([cr.zeros(1, requires_grad=True)])
    theirs = getattr(torch.optim, name)([torch.zeros(1, requires_grad=True)])
    assert mine.param_groups[0]["lr"] == default_lr
    group = {k: v for k, v in mine.param_groups[0].items() if k != "params"}
    assert {k: theirs.param_groups[0][k] for k in group} == group


def test_the_group_dict_given_is_the_live_group():
    group = {"params": [cr.tensor([1.0], requires_grad=True)], "lr": 1.0}
    optimizer = cr.optim.SGD([group])
    assert optimizer.param_groups[0] is group
    group["lr"] = 0.25
    group["params"][0].grad = cr.tensor([1.0])
    optimizer.step()
    assert group["params"][0].item() == 0.75


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "NAdam", "RAdam", "Adamax"])
def test_kernel_choices_are_accepted_and_give_the_plain_steps_numbers(name):
    """foreach=/fused= pick a kernel in PyTorch, not a different update: the steps equal those without them."""
    results = []
    for options in ({}, {"foreach": False, "fused": None}, {"foreach": True}):
        w = cr.tensor([1.0, -2.0, 3.0], dtype=cr.float64, requires_grad=True)
        optimizer = getattr(cr.optim, name)([w], lr=0.1, **options)
        for _ in range(3):
            optimizer.zero_grad()
            (w ** 2).sum().backward()
            optimizer.step()
        results.append(host(w))
    reference = getattr(torch.optim, name)
    tw = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    theirs = reference([tw], lr=0.1, foreach=False)
    for _ in range(3):
        theirs.zero_grad()
        (tw ** 2).sum().backward()
        theirs.step()
    for mine in results:
        np.testing.assert_allclose(mine, tw.detach().numpy(), rtol=1e-12)


def test_kernel_choices_that_change_the_step_are_refused():
    w = cr.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="differentiable"):
        cr.optim.Adam([w], differentiable=True)
    with pytest.raises(ValueError, match="capturable"):
        cr.optim.SGD([w], lr=0.1, capturable=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        cr.optim.AdamW([w], bogus=1)
