"""GradScaler: the same scales, skipped steps and parameters as torch.amp.GradScaler('cpu'), step by step."""
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.amp import GradScaler


def twin_models(dtype="float32"):
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).to(getattr(torch, dtype))
    ours = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Tanh(), cr.nn.Linear(4, 2)).to(getattr(cr, dtype))
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def one_iteration(lib, model, optimizer, scaler, x, y, poison):
    optimizer.zero_grad()
    loss = lib.nn.functional.mse_loss(model(x), y)
    scaler.scale(loss).backward()
    if poison is not None:  # a forced inf/NaN gradient: the step must be skipped and the scale backed off
        with lib.no_grad():
            model[0].weight.grad[0, 0] = poison
    result = scaler.step(optimizer)
    scaler.update()
    return result


def test_a_training_loop_matches_torch_including_forced_inf_and_nan_gradients():
    ours, theirs = twin_models()
    kwargs = dict(init_scale=2.0**10, growth_factor=3.0, backoff_factor=0.25, growth_interval=2)
    our_scaler, their_scaler = GradScaler("cpu", **kwargs), torch.amp.GradScaler("cpu", **kwargs)
    our_opt = cr.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    their_opt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    rng = np.random.default_rng(0)
    poisons = [None, None, None, float("inf"), None, float("nan"), None, None, None, float("-inf"), None]
    for poison in poisons:
        x, y = rng.normal(size=(5, 3)).astype(np.float32), rng.normal(size=(5, 2)).astype(np.float32)
        assert one_iteration(cr, ours, our_opt, our_scaler, cr.tensor(x), cr.tensor(y), poison) is None
        one_iteration(torch, theirs, their_opt, their_scaler, torch.tensor(x), torch.tensor(y), poison)
        assert our_scaler.get_scale() == their_scaler.get_scale()
        assert our_scaler.state_dict() == their_scaler.state_dict()
        for name, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-6, atol=1e-7)
            assert ours.state_dict()[name].dtype == np.float32
    assert our_scaler.get_scale() != kwargs["init_scale"]  # it both grew and backed off along the way


def test_unscale_then_step_gives_the_true_gradients_and_matches_torch():
    ours, theirs = twin_models("float64")
    our_scaler, their_scaler = GradScaler("cpu", init_scale=3.0), torch.amp.GradScaler("cpu", init_scale=3.0)
    our_opt, their_opt = cr.optim.SGD(ours.parameters(), lr=0.5), torch.optim.SGD(theirs.parameters(), lr=0.5)
    x = np.random.default_rng(1).normal(size=(4, 3))
    for lib, model, opt, scaler in ((cr, ours, our_opt, our_scaler), (torch, theirs, their_opt, their_scaler)):
        out = scaler.scale(model(lib.tensor(x)).sum())
        assert out.dtype == (np.float64 if lib is cr else torch.float64)
        out.backward()
        scaler.unscale_(opt)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, err_msg=name)
    ours_true = twin_models("float64")[0]
    ours_true(cr.tensor(x)).sum().backward()
    for p, q in zip(ours.parameters(), ours_true.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-7)  # 1/3 rounded to float32, as torch
    our_scaler.step(our_opt), their_scaler.step(their_opt)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-12)


def test_scale_takes_tensors_and_nested_lists_and_tuples():
    scaler, reference = GradScaler("cpu", init_scale=4.0), torch.amp.GradScaler("cpu", init_scale=4.0)
    values = [1.5, -2.0]
    ours = scaler.scale([cr.tensor(values[0]), (cr.tensor(values[1]),)])
    theirs = reference.scale([torch.tensor(values[0]), (torch.tensor(values[1]),)])
    assert isinstance(ours, list) and isinstance(ours[1], tuple)
    assert [ours[0].item(), ours[1][0].item()] == [theirs[0].item(), theirs[1][0].item()]
    assert scaler.scale(cr.tensor([1.0], dtype=cr.float16)).dtype == np.float16
    with pytest.raises(ValueError, match="Tensor or an iterable"):
        scaler.scale(3.0)


def test_the_scale_never_grows_to_inf_as_torchs():
    ours, theirs = twin_models()
    for scaler, model, lib in ((GradScaler("cpu", init_scale=2.0**127, growth_interval=1), ours, cr),
                               (torch.amp.GradScaler("cpu", init_scale=2.0**127, growth_interval=1), theirs, torch)):
        opt = lib.optim.SGD(model.parameters(), lr=0.0)
        scaler.scale(model(lib.ones(1, 3)).sum() * 0).backward()
        scaler.step(opt)
        scaler.update()
        assert scaler.get_scale() == 2.0**127 and scaler.state_dict()["_growth_tracker"] == 0


def test_update_with_a_new_scale_and_state_dict_round_trip():
    ours, theirs = GradScaler("cpu"), torch.amp.GradScaler("cpu")
    assert ours.state_dict() == theirs.state_dict()
    for scaler, lib in ((ours, cr), (theirs, torch)):
        scaler.scale(lib.ones(1))
        scaler.update(new_scale=8.0)
        assert scaler.get_scale() == 8.0
        scaler.update(new_scale=lib.tensor(0.1))
    assert ours.get_scale() == theirs.get_scale() and ours.state_dict() == theirs.state_dict()
    restored = GradScaler("cpu")
    restored.load_state_dict(ours.state_dict())
    assert restored.state_dict() == theirs.state_dict()
    restored.set_growth_factor(4.0), restored.set_backoff_factor(0.1), restored.set_growth_interval(7)
    assert (restored.get_growth_factor(), restored.get_backoff_factor(), restored.get_growth_interval()) == (4.0, 0.1, 7)
    with pytest.raises(RuntimeError, match="empty"):
        restored.load_state_dict({})
    restored.scale(cr.ones(1))
    with pytest.raises(TypeError, match="new_scale"):
        restored.update(new_scale=2)


def test_misuse_is_refused_as_torch_refuses_it():
    model, _ = twin_models()
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    scaler = GradScaler("cpu", init_scale=4.0)
    with pytest.raises(RuntimeError, match="scaler.scale"):
        scaler.step(opt)
    scaler.scale(model(cr.ones(1, 3)).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        scaler.step(opt)
    with pytest.raises(RuntimeError, match="after step"):
        scaler.unscale_(opt)
    scaler.update()
    with pytest.raises(RuntimeError, match="Closure"):
        scaler.step(opt, closure=lambda: 0.0)
    with pytest.raises(RuntimeError, match="no inf checks"):
        scaler.update()
    half = cr.nn.Linear(2, 1).half()
    half_opt = cr.optim.SGD(half.parameters(), lr=0.1)
    scaler.scale(half(cr.ones(1, 2, dtype=cr.float16)).sum()).backward()
    with pytest.raises(ValueError, match="FP16 gradients"):
        scaler.unscale_(half_opt)
    for factors in ({"growth_factor": 1.0}, {"backoff_factor": 1.0}):
        with pytest.raises(ValueError, match="factor"):
            GradScaler("cpu", **factors)


class CountingOptimizer:
    """Only what GradScaler may touch: param_groups and step."""

    def __init__(self, params):
        self.param_groups, self.calls = [{"params": list(params)}], []

    def step(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return "stepped"


def test_disabled_is_a_pass_through_like_torchs():
    scaler, reference = GradScaler("cpu", enabled=False), torch.amp.GradScaler("cpu", enabled=False)
    loss = cr.ones(2)
    assert scaler.scale(loss) is loss
    opt = CountingOptimizer([cr.nn.Parameter(cr.ones(1))])
    assert scaler.step(opt, 1, closure=None) == "stepped" and opt.calls == [((1,), {"closure": None})]
    scaler.unscale_(opt)
    scaler.update()
    scaler.load_state_dict({})
    assert (scaler.is_enabled(), scaler.get_scale(), scaler.state_dict(), scaler._get_growth_tracker()) == (
        reference.is_enabled(), reference.get_scale(), reference.state_dict(), reference._get_growth_tracker())


def test_device_cuda_warns_and_disables_as_torch_does_without_cuda():
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        scaler = GradScaler()
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        reference = torch.amp.GradScaler()
    assert [w.category for w in ours] == [w.category for w in theirs] == [UserWarning]
    assert "CUDA is not available" in str(ours[0].message) and ours[0].filename == __file__
    assert scaler.is_enabled() == reference.is_enabled() is False
    assert GradScaler("cuda", enabled=False).is_enabled() is False


def test_only_param_groups_and_step_are_used():
    param = cr.nn.Parameter(cr.tensor([1.0, 2.0]))
    opt = CountingOptimizer([param])
    scaler = GradScaler("cpu", init_scale=2.0)
    scaler.scale((param * param).sum()).backward()
    assert scaler.step(opt) == "stepped"
    np.testing.assert_array_equal(param.grad.numpy(), [2.0, 4.0])
