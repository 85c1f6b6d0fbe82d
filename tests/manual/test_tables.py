"""cr.manual.LayerTable: per-layer statistics of the delta-rule network, checked against NumPy on the arrays
the layers hold (seed 0's network, README "Gradients three ways")."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import chainrule as cr  # noqa: E402

# seed 0, example 1 (sigma(x) = x) and example 2 (sigma(x) = x**2, no biases)
EXAMPLE_1 = dict(weights=[[[1, -2], [2, 4], [-3, 1]], [[1, 2, -3], [2, -1, 3]]], biases=[[1, 2, 3], [2, 1]],
                 activation="identity")
EXAMPLE_2 = dict(weights=[[[1, -2], [1, 1]], [[1, -1], [2, -1]]], biases=None, activation="square")


def seed0_network(example):
    return cr.manual.Network(example["weights"], example["biases"], activation=example["activation"], loss="mse")


def by_hand(array):
    a = np.asarray(array, dtype=np.float64).ravel()
    n = a.size
    mean = sum(a) / n
    return dict(mean=mean, std=(sum((v - mean) ** 2 for v in a) / n) ** 0.5, min=min(a), max=max(a),
                norm=sum(v * v for v in a) ** 0.5)


def check_rows(rows, net, step):
    expected = [(layer, q) for layer in net.layers for q in ("z", "a", "delta", "dW", "db")
                if getattr(layer, q) is not None]
    assert [(r.layer, r.quantity) for r in rows] == [(layer.name, q) for layer, q in expected]
    for row, (layer, quantity) in zip(rows, expected):
        assert row.step == step
        for stat, value in by_hand(getattr(layer, quantity)).items():
            assert getattr(row, stat) == pytest.approx(value, rel=1e-12, abs=1e-12), (row, stat)


@pytest.mark.parametrize("example", [EXAMPLE_1, EXAMPLE_2])
def test_statistics_equal_those_of_the_layer_arrays_step_by_step(example):
    net = seed0_network(example)
    table = cr.manual.LayerTable(net)
    for step in (1, 2, 3):
        net.train_step([1, 1], [2, 3], lr=0.01)
        rows = table.record()
        check_rows(rows, net, step)
    assert len(table.rows) == 3 * len(rows) and table.steps == 3
    assert [r.step for r in table.rows] == sorted(r.step for r in table.rows)


def test_seed0_first_layer_values_worked_out_by_hand():
    net = seed0_network(EXAMPLE_1)
    net.train_step([1, 1], [2, 3], lr=0.01)
    rows = {r.quantity: r for r in cr.manual.layer_table(net).rows if r.layer == "0"}
    # z^1 = W^1 [1, 1] + b^1 = [1 - 2 + 1, 2 + 4 + 2, -3 + 1 + 3] = [0, 8, 1]
    assert (rows["z"].mean, rows["z"].min, rows["z"].max) == (3.0, 0.0, 8.0)
    assert rows["z"].norm == pytest.approx(65 ** 0.5, rel=1e-15)
    assert rows["z"].std == pytest.approx((38 / 3) ** 0.5, rel=1e-15)  # ((-3)^2 + 5^2 + (-2)^2) / 3


def test_example_2_has_no_bias_rows_and_the_text_table_shows_every_row():
    net = seed0_network(EXAMPLE_2)
    net.train_step([1, 1], [2, 3], lr=0.01)
    table = cr.manual.layer_table(net)
    assert {r.quantity for r in table.rows} == {"z", "a", "delta", "dW"}
    lines = str(table).splitlines()
    assert lines[0].split() == ["step", "layer", "quantity", "mean", "std", "min", "max", "norm"]
    assert len(lines) == 1 + len(table.rows)
    for line, row in zip(lines[1:], table.rows):
        fields = line.split()
        assert fields[:3] == [str(row.step), row.layer, row.quantity]
        expected = by_hand(getattr(net.layers[int(row.layer)], row.quantity))
        assert [float(f) for f in fields[3:]] == pytest.approx(list(expected.values()), rel=1e-4, abs=1e-12)


def test_quantities_select_and_unknown_ones_are_refused():
    net = seed0_network(EXAMPLE_1)
    net.train_step([1, 1], [2, 3])
    assert {r.quantity for r in cr.manual.layer_table(net, quantities=("delta",)).rows} == {"delta"}
    with pytest.raises(ValueError, match="unknown quantities"):
        cr.manual.LayerTable(net, quantities=("grad",))
    with pytest.raises(RuntimeError, match="call net.forward"):
        cr.manual.LayerTable(seed0_network(EXAMPLE_1)).record()


def test_plot_draws_one_line_per_layer_with_the_recorded_values(tmp_path):
    net = seed0_network(EXAMPLE_1)
    table = cr.manual.LayerTable(net)
    norms = {"0": [], "1": []}
    for _ in range(4):
        net.train_step([1, 1], [2, 3], lr=0.01)
        table.record()
        for layer in net.layers:
            norms[layer.name].append(np.linalg.norm(layer.delta))
    path = tmp_path / "delta.png"
    fig = table.plot("delta", "norm", path=path)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["layer 0", "layer 1"]
    for line, layer in zip(lines, ("0", "1")):
        assert list(line.get_xdata()) == [1, 2, 3, 4]
        np.testing.assert_allclose(line.get_ydata(), norms[layer], rtol=1e-12)
    assert ax.get_yscale() == "log"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
