"""Optimizers, gradient clipping and GradScaler on parameters of another array library: array-api-strict (the test
suite's stand-in for CuPy on a GPU). The same small model trains on 'cpu' and on 'array_api_strict' with the same
batches (from a DataLoader, moved with .to(device)); the parameters agree with the CPU run and with torch."""
import numpy as np
import pytest
import torch

import chainrule as cr

STRICT = "array_api_strict"
RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(12, 3)), RNG.normal(size=(12, 2))

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.5, maximize=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.6), maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1, initial_accumulator_value=0.1)),
    ("NAdam", dict(lr=0.05)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("LBFGS", dict(lr=0.5, max_iter=4)),
    ("LBFGS", dict(lr=1, max_iter=4, line_search_fn="strong_wolfe")),
]


def models():
    """The same two-layer float64 model in chainrule and torch."""
    cr.manual_seed(0)
    mine = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Tanh(), cr.nn.Linear(4, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double()
    with torch.no_grad():
        for a, b in zip(mine.parameters(), theirs.parameters()):
            b.copy_(torch.from_numpy(host(a).copy()))
    return mine, theirs


def train(name, options, device, steps=3):
    """Train on `device` with the batches of a DataLoader moved there; returns the model and optimizer."""
    model, _ = models()
    model.to(device)
    optimizer = getattr(cr.optim, name)(model.parameters(), **options)
    loader = cr.utils.data.DataLoader(cr.utils.data.TensorDataset(cr.tensor(X), cr.tensor(Y)), batch_size=4)
    for _ in range(steps):
        for x, y in loader:
            x, y = x.to(device), y.to(device)

            def closure():
                optimizer.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                return loss

            optimizer.step(closure)
    return model, optimizer


def train_torch(name, options, steps=3):
    _, model = models()
    optimizer = getattr(torch.optim, name)(model.parameters(), **options)
    for _ in range(steps):
        for start in range(0, len(X), 4):
            x, y = torch.tensor(X[start:start + 4]), torch.tensor(Y[start:start + 4])

            def closure():
                optimizer.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                return loss

            optimizer.step(closure)
    return model


def host(tensor):
    return tensor.detach().cpu().numpy()


@pytest.mark.parametrize("name, options", CASES, ids=lambda case: str(case))
def test_training_on_a_device_matches_the_cpu_and_torch(name, options):
    on_device, optimizer = train(name, options, STRICT)
    on_cpu, _ = train(name, options, "cpu")
    theirs = train_torch(name, options)
    torch_rtol = 1e-7 if name == "LBFGS" else 1e-9  # L-BFGS's line search amplifies the last bits' rounding
    for a, b, c in zip(on_device.parameters(), on_cpu.parameters(), theirs.parameters()):
        assert a.device == cr.device(STRICT)
        np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(host(a), c.detach().numpy(), rtol=torch_rtol, atol=1e-12)
    for state in optimizer.state.values():  # the state lives on the parameters' device
        for value in state.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, cr.Tensor):
                    assert item.device == cr.device(STRICT)


@pytest.mark.parametrize("name, options", [CASES[1], CASES[3], CASES[10], CASES[14]], ids=lambda case: str(case))
def test_state_dict_moves_between_devices_like_torch(name, options):
    """state_dict() holds tensors on their device; load_state_dict puts them on the parameters' device."""
    model, optimizer = train(name, options, STRICT, steps=1)
    saved = optimizer.state_dict()
    tensors = [v for s in saved["state"].values() for v in s.values() if isinstance(v, cr.Tensor)]
    assert tensors and all(t.device == cr.device(STRICT) for t in tensors)

    on_cpu = models()[0].to("cpu")  # (CHAINRULE_ARRAY_LIBRARY makes new layers elsewhere)
    with cr.no_grad():
        for a, b in zip(on_cpu.parameters(), model.parameters()):
            a.copy_(b.cpu())
    resumed = getattr(cr.optim, name)(on_cpu.parameters(), **options)
    resumed.load_state_dict(saved)
    for state, theirs in zip(resumed.state.values(), optimizer.state.values()):
        for key, value in state.items():
            if isinstance(value, cr.Tensor):
                assert value.device == cr.device("cpu")
                np.testing.assert_array_equal(value.numpy(), host(theirs[key]))

    back = getattr(cr.optim, name)(model.parameters(), **options)
    back.load_state_dict(resumed.state_dict())  # and back onto the device
    for state in back.state.values():
        assert all(v.device == cr.device(STRICT) for v in state.values() if isinstance(v, cr.Tensor))

    x, y = cr.tensor(X[:4]), cr.tensor(Y[:4])
    for net, opt, device in ((on_cpu, resumed, "cpu"), (model, back, STRICT)):
        def closure(net=net, opt=opt, device=device):
            opt.zero_grad()
            loss = ((net(x.to(device)) - y.to(device)) ** 2).mean()
            loss.backward()
            return loss
        opt.step(closure)
    for a, b in zip(on_cpu.parameters(), model.parameters()):
        np.testing.assert_allclose(host(a), host(b), rtol=1e-12, atol=1e-14)


def grads_on_both(dtype, shapes=((3, 4), (5,), (0,))):
    arrays = [(10 * RNG.normal(size=s)).astype(dtype) for s in shapes]
    mine = [cr.nn.Parameter(cr.zeros(*s, dtype=dtype, device=STRICT)) for s in shapes]
    theirs = [torch.zeros(s, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True) for s in shapes]
    for a, b, g in zip(mine, theirs, arrays):
        a.grad, b.grad = cr.tensor(g).to(STRICT), torch.tensor(g)
    return mine, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1.5, float("inf")])
def test_clip_grad_norm_on_a_device_matches_torch(norm_type, dtype):
    mine, theirs = grads_on_both(dtype, ((3, 4), (5,)) + (() if norm_type == float("inf") else ((0,),)))
    total = cr.nn.utils.clip_grad_norm_(mine, max_norm=1.0, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.0, norm_type=norm_type)
    assert total.device == cr.device(STRICT) and total.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(host(total), expected.numpy(), rtol=rtol)
    for a, b in zip(mine, theirs):
        assert a.grad.device == cr.device(STRICT)
        np.testing.assert_allclose(host(a.grad), b.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_value_on_a_device_matches_torch():
    mine, theirs = grads_on_both(np.float64)
    cr.nn.utils.clip_grad_value_(mine, 2.5)
    torch.nn.utils.clip_grad_value_(theirs, 2.5)
    for a, b in zip(mine, theirs):
        assert a.grad.device == cr.device(STRICT)
        np.testing.assert_array_equal(host(a.grad), b.grad.numpy())


@pytest.mark.filterwarnings("ignore:invalid value")  # the overflowing step's inf * 0
def test_grad_scaler_unscales_and_skips_on_a_device_like_torch():
    cr.manual_seed(0)
    mine, theirs = models()
    mine.to(STRICT)
    my_opt, their_opt = cr.optim.SGD(mine.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    my_scaler = cr.amp.GradScaler("cpu", init_scale=2.0**8)
    their_scaler = torch.amp.GradScaler("cpu", init_scale=2.0**8)
    for step, scale_input in enumerate([1.0, float("inf"), 1.0]):  # the second step overflows and is skipped
        x, y = X[:4] * scale_input, Y[:4]
        my_opt.zero_grad()
        their_opt.zero_grad()
        my_scaler.scale(((mine(cr.tensor(x).to(STRICT)) - cr.tensor(y).to(STRICT)) ** 2).sum()).backward()
        their_scaler.scale(((theirs(torch.tensor(x)) - torch.tensor(y)) ** 2).sum()).backward()
        for scaler, opt in ((my_scaler, my_opt), (their_scaler, their_opt)):
            scaler.step(opt)
            scaler.update()
        assert my_scaler.get_scale() == their_scaler.get_scale(), step
        for a, b in zip(mine.parameters(), theirs.parameters()):
            assert a.device == cr.device(STRICT)
            np.testing.assert_allclose(host(a), b.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_zero_grad_keeps_zeros_on_the_device():
    param = cr.nn.Parameter(cr.ones(3, dtype=cr.float64, device=STRICT))
    param.grad = cr.ones(3, dtype=cr.float64, device=STRICT)
    cr.optim.SGD([param], lr=0.1).zero_grad(set_to_none=False)
    assert param.grad.device == cr.device(STRICT)
    np.testing.assert_array_equal(host(param.grad), np.zeros(3))


def test_a_gradient_on_another_device_than_its_parameter_is_refused_naming_both():
    param = cr.nn.Parameter(cr.ones(3, dtype=cr.float64, device=STRICT))
    param.grad = cr.ones(3, dtype=cr.float64, device="cpu")
    with pytest.raises(RuntimeError, match="array_api_strict.*cpu.*same device"):
        cr.optim.Adam([param]).step()
