"""The layered layout: rows follow the edges, boxes in a row don't overlap, crossings are removed where
an order without them exists, routes join the boxes, and deep chains need no recursion."""
import itertools

import pytest

from chainrule.viz import layout as layout_module
from chainrule.viz.layout import _separate, layered_layout


def rows_of(layout):
    return [box[1] + box[3] / 2 for box in layout.boxes]


def crossings(layout, edges):
    """Pairs of edges between the same two rows whose ends are in opposite orders (brute force)."""
    centre = [(x + w / 2, y) for x, y, w, h in layout.boxes]
    count = 0
    for (a, b), (c, d) in itertools.combinations(edges, 2):
        if centre[a][1] == centre[c][1] and centre[b][1] == centre[d][1] and a != c and b != d:
            count += (centre[a][0] - centre[c][0]) * (centre[b][0] - centre[d][0]) < 0
    return count


def test_each_edge_goes_down_and_a_leaf_sits_above_its_op():
    sizes = [(60, 30)] * 5
    edges = [(0, 1), (1, 2), (3, 2), (2, 4)]  # node 3: a leaf used by node 2, just above the output 4
    layout = layered_layout(sizes, edges)
    rows = rows_of(layout)
    assert all(rows[s] < rows[t] for s, t in edges)
    assert rows[3] == rows[1]  # longest path to the output: one step above node 2, like node 1
    assert layout.boxes[4][1] + layout.boxes[4][3] + 20 == layout.height


def test_boxes_in_a_row_keep_their_gap():
    sizes = [(40 + 10 * i, 20) for i in range(7)]
    edges = [(i, 6) for i in range(6)]
    layout = layered_layout(sizes, edges, node_gap=24)
    row = sorted(layout.boxes[:6])
    assert all(b[0] - (a[0] + a[2]) >= 24 - 1 for a, b in zip(row, row[1:]))
    assert min(box[0] for box in layout.boxes) == 20
    assert max(box[0] + box[2] for box in layout.boxes) + 20 == layout.width


def test_crossings_are_removed_when_an_order_without_them_exists(monkeypatch):
    edges = [(0, 6), (1, 4), (2, 3), (2, 5)]  # a fork and two single edges: no crossing needed
    assert crossings(layered_layout([(50, 20)] * 7, edges), edges) == 0
    monkeypatch.setattr(layout_module, "ORDER_SWEEPS", 0)  # the first order alone: one crossing
    assert crossings(layered_layout([(50, 20)] * 7, edges), edges) == 1


def test_routes_start_under_the_source_and_end_on_the_target():
    edges = [(0, 3), (1, 3), (0, 2), (2, 3), (0, 3)]  # a long edge over node 2's row, and two parallel edges
    layout = layered_layout([(80, 30)] * 4, edges)
    for (s, t), route in zip(edges, layout.routes):
        sx, sy, sw, sh = layout.boxes[s]
        tx, ty, tw, th = layout.boxes[t]
        assert route[0][1] == sy + sh and sx <= route[0][0] <= sx + sw
        assert route[-1][1] == ty and tx <= route[-1][0] <= tx + tw
    long_routes = [r for (s, t), r in zip(edges, layout.routes) if (s, t) == (0, 3)]
    assert len(long_routes[0]) == 4  # down through the dummy in node 2's row
    assert long_routes[0][0] != long_routes[1][0]  # parallel edges leave from different ports


def test_separate_is_the_least_squares_placement():
    assert _separate([0.0, 0.0], [10, 10], 4) == [-7.0, 7.0]  # pushed apart evenly
    assert _separate([0.0, 100.0], [10, 10], 4) == [0.0, 100.0]  # already apart: kept
    assert _separate([5.0, 0.0, 100.0], [10, 10, 10], 0) == pytest.approx([-2.5, 7.5, 100.0])


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        layered_layout([(10, 10)] * 2, [(0, 1), (1, 0)])


def test_a_long_chain_lays_out_without_recursion():
    n = 6000
    layout = layered_layout([(30, 20)] * n, [(i, i + 1) for i in range(n - 1)])
    assert len({box[0] for box in layout.boxes}) == 1  # a straight column
    assert layout.boxes[-1][1] > layout.boxes[0][1]


def test_the_empty_graph():
    layout = layered_layout([], [])
    assert (layout.boxes, layout.routes) == ([], [])
