"""Learning-rate schedulers against torch.optim.lr_scheduler over many epochs, chained, and resumed."""
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.optim  # noqa: F401  (until chainrule/__init__.py exports optim)

SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9, 20], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),  # 30 epochs: over four half-periods
    ("CosineAnnealingLR", dict(T_max=10)),
]
IDS = [f"{name}-{options}" for name, options in SCHEDULES]


def optimizers(lrs=(0.1, 0.03)):
    """SGD with one param group per lr, in chainrule and torch."""
    mine = cr.optim.SGD([{"params": [cr.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs])
    theirs = torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs])
    return mine, theirs


def scheduler(lib, optimizer, name, options, **extra):
    module = cr.optim.lr_scheduler if lib is cr else torch.optim.lr_scheduler
    return getattr(module, name)(optimizer, **options, **extra)


def step_both(pairs, epochs):
    """optimizer.step() then scheduler.step() for each epoch; the lrs must agree every epoch, to the last bit:
    the same recursive formulas in the same order (a closed form would differ by ~1e-14)."""
    for epoch in range(epochs):
        for (my_optimizer, torch_optimizer), (mine, theirs) in pairs:
            my_optimizer.step()
            torch_optimizer.step()
            mine.step()
            theirs.step()
            assert mine.get_last_lr() == theirs.get_last_lr(), f"epoch {epoch}"
            assert [g["lr"] for g in my_optimizer.param_groups] == mine.get_last_lr()


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_lrs_match_torch_for_30_epochs(name, options):
    my_optimizer, torch_optimizer = optimizers()
    mine, theirs = scheduler(cr, my_optimizer, name, options), scheduler(torch, torch_optimizer, name, options)
    assert mine.get_last_lr() == theirs.get_last_lr() and mine.base_lrs == theirs.base_lrs
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=30)
    assert mine.last_epoch == theirs.last_epoch == 30


def test_chained_schedulers_match_torch():
    my_optimizer, torch_optimizer = optimizers()
    pairs = [((my_optimizer, torch_optimizer), (scheduler(cr, my_optimizer, name, options),
                                                scheduler(torch, torch_optimizer, name, options)))
             for name, options in [("ExponentialLR", dict(gamma=0.95)), ("StepLR", dict(step_size=4, gamma=0.5)),
                                   ("CosineAnnealingLR", dict(T_max=6, eta_min=0.001))]]
    step_both(pairs, epochs=25)


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_state_dict_round_trip_resumes_the_schedule(name, options):
    my_optimizer, _ = optimizers()
    mine = scheduler(cr, my_optimizer, name, options)
    for _ in range(10):
        my_optimizer.step()
        mine.step()
    saved_optimizer, saved = my_optimizer.state_dict(), mine.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 10

    resumed_optimizer, _ = optimizers(lrs=(5.0, 6.0))
    resumed = scheduler(cr, resumed_optimizer, name, options)  # as PyTorch advises: scheduler first, then load
    resumed_optimizer.load_state_dict(saved_optimizer)
    resumed.load_state_dict(saved)
    assert resumed.get_last_lr() == mine.get_last_lr()
    for _ in range(20):
        for optimizer, schedule in ((my_optimizer, mine), (resumed_optimizer, resumed)):
            optimizer.step()
            schedule.step()
        assert resumed.get_last_lr() == mine.get_last_lr()
        assert [g["lr"] for g in resumed_optimizer.param_groups] == resumed.get_last_lr()


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_state_dict_holds_what_torch_holds(name, options):
    my_optimizer, torch_optimizer = optimizers()
    mine, theirs = scheduler(cr, my_optimizer, name, options), scheduler(torch, torch_optimizer, name, options)
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=4)
    ours, expected = mine.state_dict(), theirs.state_dict()
    for key in ("last_epoch", "base_lrs", "_last_lr", "_step_count", *options):
        assert ours[key] == expected[key], key


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_resuming_with_last_epoch_matches_torch(name, options):
    my_optimizer, torch_optimizer = optimizers()
    for optimizer in (my_optimizer, torch_optimizer):
        for group in optimizer.param_groups:
            group["initial_lr"] = group["lr"] * 2
    mine = scheduler(cr, my_optimizer, name, options, last_epoch=5)
    theirs = scheduler(torch, torch_optimizer, name, options, last_epoch=5)
    assert mine.base_lrs == theirs.base_lrs
    np.testing.assert_allclose(mine.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=12)


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_step_with_epoch_uses_the_closed_form_like_torch(name, options):
    my_optimizer, torch_optimizer = optimizers()
    mine, theirs = scheduler(cr, my_optimizer, name, options), scheduler(torch, torch_optimizer, name, options)
    my_optimizer.step()
    torch_optimizer.step()
    for epoch in (4, 11, 3):
        with pytest.warns(UserWarning, match="deprecated"):
            mine.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step(epoch)
        np.testing.assert_allclose(mine.get_last_lr(), theirs.get_last_lr(), rtol=1e-12)


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    my_optimizer, _ = optimizers()
    schedule = cr.optim.lr_scheduler.StepLR(my_optimizer, step_size=2)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        schedule.step()
    my_optimizer, _ = optimizers()
    schedule = cr.optim.lr_scheduler.StepLR(my_optimizer, step_size=2)
    my_optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schedule.step()


def test_get_lr_outside_step_warns():
    my_optimizer, _ = optimizers()
    schedule = cr.optim.lr_scheduler.ExponentialLR(my_optimizer, gamma=0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        schedule.get_lr()


def test_scheduler_errors():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        cr.optim.lr_scheduler.StepLR([], step_size=2)
    my_optimizer, _ = optimizers()
    with pytest.raises(KeyError, match="initial_lr"):
        cr.optim.lr_scheduler.StepLR(my_optimizer, step_size=2, last_epoch=3)


def test_the_optimizer_uses_the_scheduled_lr():
    w = cr.tensor([1.0], requires_grad=True)
    optimizer = cr.optim.SGD([w], lr=1.0)
    schedule = cr.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[1], gamma=0.5)
    for expected in (0.0, -0.5):  # lr 1 then 0.5 on a gradient of 1
        w.grad = cr.tensor([1.0])
        optimizer.step()
        schedule.step()
        assert w.item() == expected
