"""cr.viz.GradientFlow: the recorded norms equal norms computed by hand from .grad and parameter snapshots,
recording leaves training unchanged, and the vanishing/exploding warnings fire on the layers the rules name."""
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402
from chainrule import nn  # noqa: E402
from chainrule.viz.flow import GradientFlow, GradientWarning  # noqa: E402


def mlp(widths, activation=nn.Tanh, seed=0, dtype=cr.float64):
    cr.manual_seed(seed)
    layers = []
    for i, o in zip(widths, widths[1:]):
        layers += [nn.Linear(i, o, dtype=dtype), activation()]
    return nn.Sequential(*layers[:-1])


def batch(widths, seed=1, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return cr.tensor(rng.normal(size=(6, widths[0])).astype(dtype)), cr.tensor(rng.normal(size=(6, widths[-1])).astype(dtype))


def layer_arrays(model):
    """{layer: [its parameters' arrays, copied]} in named_parameters order, grouped by owning module."""
    layers = {}
    for name, p in model.named_parameters():
        layers.setdefault(name.rpartition(".")[0], []).append(p.detach().numpy().copy())
    return layers


def norm(arrays):
    return np.linalg.norm(np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays]))


def train(model, optimizer, x, y, steps, flow=None):
    for _ in range(steps):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()
        if flow is not None:
            flow.step()


@pytest.mark.parametrize("make_optimizer", [lambda p: cr.optim.SGD(p, lr=0.1, momentum=0.9),
                                            lambda p: cr.optim.Adam(p, lr=0.01, weight_decay=0.1)])
def test_norms_equal_those_computed_by_hand_from_grad_and_snapshots(make_optimizer):
    widths = [3, 5, 4, 2]
    model = mlp(widths)
    x, y = batch(widths)
    optimizer = make_optimizer(model.parameters())
    flow = GradientFlow(model)
    assert flow.layers == {"0": "Linear", "2": "Linear", "4": "Linear"}
    for step in range(1, 4):
        before = layer_arrays(model)
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        grads = {}
        for name, p in model.named_parameters():
            grads.setdefault(name.rpartition(".")[0], []).append(p.grad.numpy().copy())
        optimizer.step()
        after = layer_arrays(model)
        record = flow.step()
        assert flow.history[-1] is record and len(flow.history) == step
        for layer in ("0", "2", "4"):
            expected_update = norm([a - b for a, b in zip(after[layer], before[layer])]) / norm(before[layer])
            assert record[layer].grad == pytest.approx(norm(grads[layer]), rel=1e-12)
            assert record[layer].weight == pytest.approx(norm(after[layer]), rel=1e-12)
            assert record[layer].update == pytest.approx(expected_update, rel=1e-12)
            assert record[layer].update > 0


def test_float32_parameters_give_their_norms_in_float64():
    widths = [4, 3, 2]
    model = mlp(widths, dtype=cr.float32)
    x, y = batch(widths, dtype=np.float32)
    flow = GradientFlow(model)
    F.mse_loss(model(x), y).backward()
    record = flow.step()
    grads = [model[0].weight.grad.numpy(), model[0].bias.grad.numpy()]
    assert record["0"].grad == pytest.approx(norm(grads), rel=1e-12)
    assert record["0"].update == 0.0  # no optimizer step: nothing moved


def test_recording_leaves_training_bit_for_bit_the_same():
    widths = [3, 6, 6, 2]
    x, y = batch(widths)
    results = []
    for record in (False, True):
        model = mlp(widths)
        optimizer = cr.optim.Adam(model.parameters(), lr=0.01)
        train(model, optimizer, x, y, 5, GradientFlow(model) if record else None)
        results.append({k: v.numpy().copy() for k, v in model.state_dict().items()})
    for key in results[0]:
        assert np.array_equal(results[0][key], results[1][key]), key


def expected_flags(record, vanish=1e-7, ratio=1e-5, explode=1e3):
    largest = max(n.grad for n in record.values())
    vanishing = [k for k, n in record.items() if n.grad < vanish or n.grad < ratio * largest]
    exploding = [k for k, n in record.items() if n.grad > explode or not math.isfinite(n.grad)]
    return vanishing, exploding


def test_a_depth_10_sigmoid_net_warns_of_vanishing_gradients_naming_the_layers():
    widths = [10] + [32] * 10 + [2]
    model = mlp(widths, activation=nn.Sigmoid)
    x, y = batch(widths)
    flow = GradientFlow(model)
    with pytest.warns(GradientWarning) as caught:
        F.mse_loss(model(x), y).backward()
        record = flow.step()
    vanishing, exploding = expected_flags(record)
    by_hand = [norm([p.grad.numpy() for p in model[int(k)].parameters()]) for k in record]
    np.testing.assert_allclose([n.grad for n in record.values()], by_hand, rtol=1e-12)
    assert vanishing and vanishing[0] == "0" and not exploding
    assert [str(w.message).split("'")[1] for w in caught] == vanishing
    assert "layer '0' (Linear): vanishing gradient at step 1, norm" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same layers again: no second warning
        F.mse_loss(model(x), y).backward()
        flow.step()
    assert [(e.step, e.layer, e.kind) for e in flow.events] == [(s, k, "vanishing") for s in (1, 2) for k in vanishing]


def test_a_scaled_up_net_warns_of_exploding_gradients():
    widths = [8, 16, 16, 16, 16, 2]
    model = mlp(widths, activation=nn.ReLU)
    with cr.no_grad():
        for p in model.parameters():
            p.mul_(8.0)
    x, y = batch(widths)
    flow = GradientFlow(model)
    with pytest.warns(GradientWarning, match=r"exploding gradient at step 1") as caught:
        F.mse_loss(model(x), y).backward()
        record = flow.step()
    vanishing, exploding = expected_flags(record)
    assert "0" in exploding and not vanishing
    assert sorted(str(w.message).split("'")[1] for w in caught) == sorted(exploding)
    assert all("> 1000" in str(w.message) for w in caught)
    assert any("layer '0' (Linear): exploding gradient at step 1" in str(w.message) for w in caught)


def test_non_finite_gradients_count_as_exploding():
    model = mlp([2, 3, 1])
    flow = GradientFlow(model)
    model(cr.tensor([[math.inf, 1.0]], dtype=cr.float64)).sum().backward()
    with pytest.warns(GradientWarning, match=r"layer '0'.*exploding.*not finite"):
        flow.step()


def test_a_healthy_net_raises_no_warning_and_thresholds_are_options():
    widths = [4, 16, 16, 3]
    model = mlp(widths, activation=nn.ReLU)
    x, y = batch(widths)
    flow = GradientFlow(model)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(model, cr.optim.SGD(model.parameters(), lr=0.05), x, y, 3, flow)
    assert flow.events == [] and "vanishing" not in flow.table()
    strict = GradientFlow(model, explode=1e-9)
    F.mse_loss(model(x), y).backward()
    with pytest.warns(GradientWarning, match="> 1e-09"):
        strict.step()


def test_frozen_parameters_are_left_out_and_unreached_layers_record_nan_without_warning():
    model = nn.Sequential(nn.Linear(3, 3, dtype=cr.float64), nn.Linear(3, 2, dtype=cr.float64))
    model[0].weight.requires_grad_(False)
    head_only = nn.Linear(3, 2, dtype=cr.float64)
    model.add_module("unused", head_only)
    flow = GradientFlow(model)
    model[1](model[0](cr.ones(2, 3, dtype=cr.float64))).sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = flow.step()
    assert record["0"].grad == pytest.approx(np.linalg.norm(model[0].bias.grad.numpy()), rel=1e-12)
    assert record["0"].weight == pytest.approx(np.linalg.norm(model[0].bias.detach().numpy()), rel=1e-12)
    assert math.isnan(record["unused"].grad)
    assert "unused (Linear)" in flow.table() and "no gradient" in flow.table()


def test_table_prints_each_layers_numbers():
    widths = [3, 5, 2]
    model = mlp(widths)
    x, y = batch(widths)
    flow = GradientFlow(model)
    assert "no step recorded" in flow.table()
    train(model, cr.optim.SGD(model.parameters(), lr=0.1), x, y, 2, flow)
    lines = flow.table().splitlines()
    assert lines[0] == "step 2" and lines[1].split()[0] == "layer"
    for line, (layer, norms) in zip(lines[2:], flow.history[-1].items()):
        fields = line.split()
        assert fields[:2] == [layer, "(Linear)"]
        assert [float(f) for f in fields[2:5]] == pytest.approx(list(norms), rel=1e-3)
    assert flow.table(step=0).splitlines()[0] == "step 1"


def test_plot_has_one_line_per_layer_on_log_axes(tmp_path):
    widths = [3, 5, 4, 2]
    model = mlp(widths)
    x, y = batch(widths)
    flow = GradientFlow(model)
    train(model, cr.optim.SGD(model.parameters(), lr=0.1), x, y, 4, flow)
    path = tmp_path / "flow.png"
    fig = flow.plot(path)
    assert isinstance(fig, matplotlib.figure.Figure)
    grad_ax, update_ax = fig.axes
    for ax, field in ((grad_ax, "grad"), (update_ax, "update")):
        lines = ax.get_lines()
        assert [line.get_label() for line in lines] == ["0 (Linear)", "2 (Linear)", "4 (Linear)"]
        assert ax.get_yscale() == "log"
        for line, layer in zip(lines, ("0", "2", "4")):
            assert list(line.get_xdata()) == [1, 2, 3, 4]
            assert list(line.get_ydata()) == [getattr(record[layer], field) for record in flow.history]
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_module_that_is_itself_the_layer():
    model = nn.Linear(3, 2, dtype=cr.float64)
    flow = GradientFlow(model)
    model(cr.ones(4, 3, dtype=cr.float64)).sum().backward()
    record = flow.step()
    assert flow.layers == {"": "Linear"} and flow.label("") == "(Linear)"
    grads = [model.weight.grad.numpy(), model.bias.grad.numpy()]
    assert record[""].grad == pytest.approx(norm(grads), rel=1e-12)
    assert flow.table().splitlines()[2].split()[0] == "(Linear)"


def test_cr_viz_exports_the_recorder():
    assert cr.viz.GradientFlow is GradientFlow and cr.viz.GradientWarning is GradientWarning
