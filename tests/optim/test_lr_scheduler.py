"""Learning-rate schedulers against torch.optim.lr_scheduler over many epochs, chained, sequenced and resumed;
ReduceLROnPlateau on fixed metric sequences; OneCycleLR with its momentum."""
import math
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
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.6, total_iters=12)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.0, total_iters=8)),
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


# ---- LambdaLR ---------------------------------------------------------------------------------------
class Warmup:
    """A callable object: its __dict__ goes into LambdaLR's state dict."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


def lambda_pairs():
    """(name, lr_lambda for chainrule, lr_lambda for torch): one for all groups, or a list."""
    return [
        ("one", lambda epoch: 0.95**epoch, lambda epoch: 0.95**epoch),
        ("list", [lambda epoch: epoch // 3, Warmup(4)], [lambda epoch: epoch // 3, Warmup(4)]),
    ]


@pytest.mark.parametrize("index", [0, 1])
def test_lambda_lr_matches_torch(index):
    _, mine_lambda, torch_lambda = lambda_pairs()[index]
    my_optimizer, torch_optimizer = optimizers()
    mine = cr.optim.lr_scheduler.LambdaLR(my_optimizer, mine_lambda)
    theirs = torch.optim.lr_scheduler.LambdaLR(torch_optimizer, torch_lambda)
    assert mine.get_last_lr() == theirs.get_last_lr()
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=20)


def test_lambda_lr_state_dict_leaves_out_plain_functions_like_torch():
    my_optimizer, torch_optimizer = optimizers()
    _, mine_lambda, torch_lambda = lambda_pairs()[1]
    mine = cr.optim.lr_scheduler.LambdaLR(my_optimizer, mine_lambda)
    theirs = torch.optim.lr_scheduler.LambdaLR(torch_optimizer, torch_lambda)
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=3)
    saved, expected = mine.state_dict(), theirs.state_dict()
    assert saved["lr_lambdas"] == expected["lr_lambdas"] == [None, {"epochs": 4}]
    assert "optimizer" not in saved and saved.keys() == expected.keys()

    resumed_optimizer, _ = optimizers()
    warmup = Warmup(100)
    resumed = cr.optim.lr_scheduler.LambdaLR(resumed_optimizer, [lambda epoch: epoch // 3, warmup])
    resumed.load_state_dict(saved)
    assert warmup.epochs == 4 and resumed.last_epoch == 3 and saved["lr_lambdas"] == [None, {"epochs": 4}]
    for _ in range(6):
        for optimizer, schedule in ((my_optimizer, mine), (resumed_optimizer, resumed)):
            optimizer.step()
            schedule.step()
        assert resumed.get_last_lr() == mine.get_last_lr()


def test_lambda_lr_needs_one_function_per_group():
    my_optimizer, _ = optimizers()
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        cr.optim.lr_scheduler.LambdaLR(my_optimizer, [lambda epoch: 1.0])


def test_linear_lr_errors_like_torch():
    for options, message in [(dict(start_factor=0.0), "Starting multiplicative factor"),
                             (dict(end_factor=1.5), "Ending multiplicative factor")]:
        for lib, optimizer in zip((cr, torch), optimizers()):
            with pytest.raises(ValueError, match=message):
                scheduler(lib, optimizer, "LinearLR", options)


# ---- SequentialLR -----------------------------------------------------------------------------------
SEQUENCES = [
    ([("LinearLR", dict(start_factor=0.2, total_iters=4)), ("ExponentialLR", dict(gamma=0.9))], [5]),
    ([("LinearLR", dict(total_iters=3)), ("StepLR", dict(step_size=2, gamma=0.5)),
      ("CosineAnnealingLR", dict(T_max=6, eta_min=0.001))], [3, 9]),
]


def sequential(lib, optimizer, parts, milestones):
    module = cr.optim.lr_scheduler if lib is cr else torch.optim.lr_scheduler
    return module.SequentialLR(optimizer, [scheduler(lib, optimizer, name, options) for name, options in parts],
                               milestones)


@pytest.mark.parametrize("parts, milestones", SEQUENCES, ids=["two", "three"])
def test_sequential_lr_matches_torch(parts, milestones):
    my_optimizer, torch_optimizer = optimizers()
    mine, theirs = sequential(cr, my_optimizer, parts, milestones), sequential(torch, torch_optimizer, parts,
                                                                                milestones)
    assert mine.get_last_lr() == theirs.get_last_lr()
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=25)
    assert mine.last_epoch == theirs.last_epoch
    assert [s.last_epoch for s in mine._schedulers] == [s.last_epoch for s in theirs._schedulers]


@pytest.mark.parametrize("parts, milestones", SEQUENCES, ids=["two", "three"])
def test_sequential_lr_state_dict_round_trip(parts, milestones):
    my_optimizer, torch_optimizer = optimizers()
    mine, theirs = sequential(cr, my_optimizer, parts, milestones), sequential(torch, torch_optimizer, parts,
                                                                                milestones)
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=6)
    saved, expected = mine.state_dict(), theirs.state_dict()
    assert saved["_milestones"] == expected["_milestones"] and saved["last_epoch"] == expected["last_epoch"]
    assert [s["last_epoch"] for s in saved["_schedulers"]] == [s["last_epoch"] for s in expected["_schedulers"]]

    resumed_optimizer, _ = optimizers()
    resumed = sequential(cr, resumed_optimizer, parts, milestones)
    resumed_optimizer.load_state_dict(my_optimizer.state_dict())
    resumed.load_state_dict(saved)
    step_both([((resumed_optimizer, torch_optimizer), (resumed, theirs))], epochs=12)


def test_sequential_lr_errors():
    my_optimizer, _ = optimizers()
    other_optimizer, _ = optimizers()
    first = cr.optim.lr_scheduler.StepLR(my_optimizer, step_size=2)
    with pytest.raises(ValueError, match="at least one scheduler"):
        cr.optim.lr_scheduler.SequentialLR(my_optimizer, [], [])
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        cr.optim.lr_scheduler.SequentialLR(my_optimizer, [first], [3])
    with pytest.raises(ValueError, match="same optimizer"):
        cr.optim.lr_scheduler.SequentialLR(my_optimizer, [first, cr.optim.lr_scheduler.StepLR(other_optimizer, 2)],
                                           [3])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        cr.optim.lr_scheduler.SequentialLR(my_optimizer, [first, cr.optim.lr_scheduler.ReduceLROnPlateau(
            my_optimizer)], [3])
    with pytest.raises(TypeError, match="should have `optimizer`"):
        cr.optim.lr_scheduler.SequentialLR(my_optimizer, [first, object()], [3])


# ---- ReduceLROnPlateau ------------------------------------------------------------------------------
# a loss that falls, stalls (with tiny improvements below a 1e-2 relative threshold), falls, then wobbles
METRICS = [1.0, 0.8, 0.7, 0.699, 0.6995, 0.698, 0.7, 0.71, 0.5, 0.49, 0.495, 0.4899, 0.49, 0.5, 0.51, 0.52, 0.3,
           0.3, 0.31, 0.29, 0.29, 0.295, 0.289, 0.3, 0.3, 0.301, 0.302, 0.2, 0.2, 0.2]
PLATEAUS = [
    dict(),
    dict(patience=2),
    dict(patience=1, threshold=1e-2),
    dict(patience=1, threshold=5e-3, threshold_mode="abs"),
    dict(patience=0, cooldown=2, factor=0.5),
    dict(patience=1, cooldown=1, factor=0.3, min_lr=[0.01, 0.002]),
    dict(patience=0, factor=0.5, min_lr=[0.02, 0.0295], eps=1e-3),  # 0.03 -> 0.0295 is below eps: skipped
    dict(mode="max", patience=1),
    dict(mode="max", patience=1, threshold=0.05, threshold_mode="abs", cooldown=1),
]


def plateau_pair(options):
    my_optimizer, torch_optimizer = optimizers()
    return (my_optimizer, torch_optimizer), (cr.optim.lr_scheduler.ReduceLROnPlateau(my_optimizer, **options),
                                             torch.optim.lr_scheduler.ReduceLROnPlateau(torch_optimizer, **options))


def assert_same_plateau(mine, theirs, where):
    assert mine.get_last_lr() == theirs.get_last_lr(), where
    for key in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(mine, key) == getattr(theirs, key), f"{key} {where}"
    assert [g["lr"] for g in mine.optimizer.param_groups] == mine.get_last_lr()


@pytest.mark.parametrize("options", PLATEAUS, ids=str)
def test_reduce_lr_on_plateau_matches_torch(options):
    _, (mine, theirs) = plateau_pair(options)
    assert mine.get_last_lr() == theirs.get_last_lr()
    for epoch, metric in enumerate(METRICS):
        mine.step(cr.tensor(metric, dtype=cr.float64))  # a 1-element tensor (e.g. a loss) works too
        theirs.step(metric)
        assert_same_plateau(mine, theirs, f"epoch {epoch}")


@pytest.mark.parametrize("options", PLATEAUS[4:6], ids=str)
def test_reduce_lr_on_plateau_state_dict_round_trip(options):
    (my_optimizer, _), (mine, theirs) = plateau_pair(options)
    for metric in METRICS[:9]:
        mine.step(metric)
        theirs.step(metric)
    saved, expected = mine.state_dict(), theirs.state_dict()
    assert saved.keys() - {"_get_lr_called_within_step", "_is_initial"} == expected.keys()
    assert all(saved[key] == expected[key] for key in expected)

    resumed_optimizer, _ = optimizers()
    resumed = cr.optim.lr_scheduler.ReduceLROnPlateau(resumed_optimizer)
    resumed_optimizer.load_state_dict(my_optimizer.state_dict())
    resumed.load_state_dict(saved)
    for epoch, metric in enumerate(METRICS[9:]):
        resumed.step(metric)
        theirs.step(metric)
        assert_same_plateau(resumed, theirs, f"resumed epoch {epoch}")


def test_reduce_lr_on_plateau_errors():
    my_optimizer, _ = optimizers()
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        cr.optim.lr_scheduler.ReduceLROnPlateau(my_optimizer, factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown"):
        cr.optim.lr_scheduler.ReduceLROnPlateau(my_optimizer, mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown"):
        cr.optim.lr_scheduler.ReduceLROnPlateau(my_optimizer, threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        cr.optim.lr_scheduler.ReduceLROnPlateau(my_optimizer, min_lr=[0.1])
    with pytest.raises(TypeError, match="is not an Optimizer"):
        cr.optim.lr_scheduler.ReduceLROnPlateau([])


# ---- OneCycleLR -------------------------------------------------------------------------------------
ONE_CYCLES = [
    ("SGD", dict(max_lr=1.0, total_steps=40)),
    ("SGD", dict(max_lr=[0.5, 0.2], epochs=4, steps_per_epoch=9, anneal_strategy="linear", pct_start=0.25)),
    ("SGD", dict(max_lr=0.3, total_steps=37, three_phase=True, base_momentum=[0.8, 0.7], max_momentum=0.9)),
    ("SGD", dict(max_lr=0.3, total_steps=20, cycle_momentum=False, div_factor=10.0, final_div_factor=100.0)),
    ("Adam", dict(max_lr=0.01, total_steps=30)),
    ("Adam", dict(max_lr=0.01, total_steps=33, three_phase=True, anneal_strategy="linear")),
]


def one_cycle_optimizers(name):
    params = [cr.zeros(2, requires_grad=True)], [cr.zeros(1, requires_grad=True)]
    torch_params = [torch.zeros(2, requires_grad=True)], [torch.zeros(1, requires_grad=True)]
    options = dict(lr=0.1, momentum=0.9) if name == "SGD" else dict(lr=0.1)
    return (getattr(cr.optim, name)([{"params": p} for p in params], **options),
            getattr(torch.optim, name)([{"params": p} for p in torch_params], **options))


def momenta(optimizer):
    return [group["betas"][0] if "betas" in group else group["momentum"] for group in optimizer.param_groups]


@pytest.mark.parametrize("name, options", ONE_CYCLES, ids=[f"{n}-{o}" for n, o in ONE_CYCLES])
def test_one_cycle_lr_and_momentum_match_torch(name, options):
    my_optimizer, torch_optimizer = one_cycle_optimizers(name)
    mine = cr.optim.lr_scheduler.OneCycleLR(my_optimizer, **options)
    theirs = torch.optim.lr_scheduler.OneCycleLR(torch_optimizer, **options)
    total = theirs.total_steps
    lrs, moms = [mine.get_last_lr()], [momenta(my_optimizer)]
    assert lrs[0] == theirs.get_last_lr() and moms[0] == momenta(torch_optimizer)
    for step in range(total - 1):
        my_optimizer.step()
        torch_optimizer.step()
        mine.step()
        theirs.step()
        assert mine.get_last_lr() == theirs.get_last_lr(), f"step {step}"
        assert momenta(my_optimizer) == momenta(torch_optimizer), f"step {step}"
        lrs.append(mine.get_last_lr())
        moms.append(momenta(my_optimizer))
    for index, group in enumerate(my_optimizer.param_groups):  # the cycle's shape, independently of torch
        peak = max(range(total), key=lambda i: lrs[i][index])  # the top is max_lr unless it falls between steps
        assert 0.95 * group["max_lr"] <= lrs[peak][index] <= group["max_lr"] * (1 + 1e-12)
        assert math.isclose(lrs[0][index], group["initial_lr"]) and lrs[0][index] < lrs[peak][index]
        assert math.isclose(lrs[-1][index], group["min_lr"])
        if options.get("cycle_momentum", True):
            assert math.isclose(moms[peak][index], group["base_momentum"], abs_tol=0.01)
    with pytest.raises(ValueError, match=f"Tried to step {total + 1} times"):
        mine.step()
        mine.step()


def test_one_cycle_lr_state_dict_round_trip():
    my_optimizer, torch_optimizer = one_cycle_optimizers("SGD")
    options = dict(max_lr=1.0, total_steps=30, three_phase=True)
    mine = cr.optim.lr_scheduler.OneCycleLR(my_optimizer, **options)
    theirs = torch.optim.lr_scheduler.OneCycleLR(torch_optimizer, **options)
    step_both([((my_optimizer, torch_optimizer), (mine, theirs))], epochs=10)
    saved, expected = mine.state_dict(), theirs.state_dict()
    for key in ("_schedule_phases", "_anneal_func_type", "total_steps", "cycle_momentum", "use_beta1", "base_lrs",
                "last_epoch", "_step_count", "_last_lr"):
        assert saved[key] == expected[key], key

    resumed_optimizer, _ = one_cycle_optimizers("SGD")
    resumed = cr.optim.lr_scheduler.OneCycleLR(resumed_optimizer, max_lr=5.0, total_steps=99)
    resumed_optimizer.load_state_dict(my_optimizer.state_dict())
    resumed.load_state_dict(saved)
    for _ in range(19):
        for optimizer, schedule in ((resumed_optimizer, resumed), (torch_optimizer, theirs)):
            optimizer.step()
            schedule.step()
        assert resumed.get_last_lr() == theirs.get_last_lr()
        assert momenta(resumed_optimizer) == momenta(torch_optimizer)


@pytest.mark.parametrize("options, message", [
    (dict(max_lr=1.0), "You must define either total_steps OR"),
    (dict(max_lr=1.0, total_steps=0), "Expected positive integer total_steps"),
    (dict(max_lr=1.0, epochs=2.5, steps_per_epoch=3), "Expected positive integer epochs"),
    (dict(max_lr=1.0, epochs=2, steps_per_epoch=0), "Expected positive integer steps_per_epoch"),
    (dict(max_lr=1.0, total_steps=10, pct_start=1), "Expected float between 0 and 1 pct_start"),
    (dict(max_lr=1.0, total_steps=10, anneal_strategy="cosine"), "anneal_strategy must be one of"),
    (dict(max_lr=[1.0], total_steps=10), "max_lr must have the same length as optimizer.param_groups"),
])
def test_one_cycle_lr_errors_like_torch(options, message):
    for lib, optimizer in zip((cr, torch), one_cycle_optimizers("SGD")):
        with pytest.raises(ValueError, match=message):
            lib.optim.lr_scheduler.OneCycleLR(optimizer, **options)


def test_one_cycle_lr_needs_momentum_to_cycle():
    optimizer = cr.optim.Adagrad([cr.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        cr.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10)
    cr.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1.0, total_steps=10, cycle_momentum=False)
