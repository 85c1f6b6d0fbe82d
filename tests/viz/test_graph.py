"""cr.viz.graph: the boxes and arrows are the autograd graph's nodes and edges (checked against torch's graph
of the same computation and against an independent walk of next_functions), the gradient norms on the
arrows are torch's gradients' norms, a trace collapses each leaf module into one box, SVG and DOT agree."""
import collections
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F

SVG_NS = "{http://www.w3.org/2000/svg}"


class Tiny(nn.Module):
    """An elementwise two-layer net: every op in it has the same node name in chainrule and torch."""

    def __init__(self, values):
        super().__init__()
        for name, value in values.items():
            setattr(self, name, nn.Parameter(cr.tensor(value)))

    def forward(self, x, y):
        h = (x * self.w1 + self.b1).tanh()
        return ((h * self.w2 + self.b2 - y) ** 2).mean()


def tiny_values():
    rng = np.random.default_rng(0)
    return {name: rng.standard_normal(3) for name in ("w1", "b1", "w2", "b2")}, rng.standard_normal((4, 3)), \
        rng.standard_normal((4, 3))


def walk(loss, name_of):
    """Node names (name_of(node)) and the number of edges, walking the graph through its public next_functions."""
    names, edges, seen, stack = [], 0, set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        names.append(name_of(node))
        for child, _ in node.next_functions:
            if child is not None:
                edges += 1
                stack.append(child)
    return sorted(names), edges


def torch_walk(loss):
    """walk() over torch's graph, torch's prefix dropped from the names."""
    return walk(loss, lambda node: node.name().replace("torch::autograd::", ""))


def chainrule_walk(loss):
    """The same walk over chainrule's graph."""
    return walk(loss, lambda node: node.name())


def drawn(picture):
    """Names of the boxes (the output box left out) and the number of arrows between them."""
    names = sorted(box.name for box in picture.boxes if box.kind != "output")
    arrows = [a for a in picture.arrows if picture.boxes[a.target].kind != "output"]
    return names, len(arrows)


def arrows_between(picture, source, target):
    """Arrows from boxes whose first line is `source` to boxes whose first line is `target`."""
    return [a for a in picture.arrows
            if picture.boxes[a.source].lines[0] == source and picture.boxes[a.target].lines[0] == target]


def tiny_pair(requires_x=True):
    values, x, y = tiny_values()
    model = Tiny(values)
    cx = cr.tensor(x, requires_grad=requires_x)
    loss = model(cx, cr.tensor(y))
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in values.items()}
    tx = torch.tensor(x, requires_grad=requires_x)
    h = (tx * tp["w1"] + tp["b1"]).tanh()
    h.retain_grad()
    d = h * tp["w2"] + tp["b2"] - torch.tensor(y)
    d.retain_grad()
    tloss = (d ** 2).mean()
    return model, cx, loss, tp, tx, h, d, tloss


def test_boxes_and_arrows_are_torchs_nodes_and_edges():
    model, _, loss, *_, tloss = tiny_pair()
    picture = cr.viz.graph(loss, model)
    names, arrows = drawn(picture)
    assert (names, arrows) == torch_walk(tloss)
    assert (names, arrows) == chainrule_walk(loss)
    assert [box.kind for box in picture.boxes].count("output") == 1


def test_an_nn_mlp_is_drawn_node_for_node():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2))
    loss = F.cross_entropy(model(cr.randn(4, 3)), cr.tensor([0, 1, 1, 0]))
    picture = cr.viz.graph(loss, model, expand=True)
    assert drawn(picture) == chainrule_walk(loss)
    leaves = sorted(box.lines[0] for box in picture.boxes if box.kind == "leaf")
    assert leaves == sorted(name for name, _ in model.named_parameters())


def test_shapes_and_dtypes_of_each_box():
    model, cx, loss, *_ = tiny_pair()
    picture = cr.viz.graph(loss, model)
    lines = {box.lines[0]: box.lines[-1] for box in picture.boxes}
    assert lines["TanhBackward0"] == "(4, 3) float64"
    assert lines["MeanBackward0"] == "() float64"
    assert lines["w1"] == "(3,) float64"
    assert picture.boxes[-1].lines == ["output", "() float64"]
    f32 = cr.viz.graph((cr.ones(2, 3, requires_grad=True) * 2).sum())
    assert [box.lines[-1] for box in f32.boxes] == ["() float32", "(2, 3) float32", "(2, 3) float32", "() float32"]


class TwoOutputs(cr.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2, x.sum(0)

    @staticmethod
    def backward(ctx, ga, gb):
        return ga * 2 + gb


def test_a_node_with_two_outputs_shows_both_shapes():
    x = cr.ones(2, 3, requires_grad=True)
    a, b = TwoOutputs.apply(x)
    picture = cr.viz.graph(a.sum() + b.sum(), grads=True)
    box = next(box for box in picture.boxes if box.name == "TwoOutputsBackward")
    assert box.lines[1] == "(2, 3), (3,) float32"
    tx = torch.ones(2, 3, requires_grad=True)
    (tx * 2).sum().add((tx.sum(0)).sum()).backward()
    into_leaf = arrows_between(picture, "TwoOutputsBackward", "SumBackward0")
    assert sorted(a.shape for a in into_leaf) == [(2, 3), (3,)]
    leaf_arrow = arrows_between(picture, "AccumulateGrad", "TwoOutputsBackward")[0]
    assert leaf_arrow.grad_norm == pytest.approx(float(tx.grad.norm()))


def test_arrows_carry_the_norms_of_torchs_gradients():
    model, cx, loss, tp, tx, h, d, tloss = tiny_pair()
    picture = cr.viz.graph(loss, model, grads=True)
    tloss.backward()
    for name in ("w1", "b1", "w2", "b2"):
        (arrow,) = [a for a in picture.arrows if picture.boxes[a.source].lines[0] == name]
        assert arrow.grad_norm == pytest.approx(float(tp[name].grad.norm()), rel=1e-12)
    (from_tanh,) = arrows_between(picture, "TanhBackward0", "MulBackward0")
    assert from_tanh.grad_norm == pytest.approx(float(h.grad.norm()), rel=1e-12)
    (from_sub,) = arrows_between(picture, "SubBackward0", "PowBackward0")
    assert from_sub.grad_norm == pytest.approx(float(d.grad.norm()), rel=1e-12)
    (from_x,) = arrows_between(picture, "AccumulateGrad", "MulBackward0")
    assert from_x.grad_norm == pytest.approx(float(tx.grad.norm()), rel=1e-12)
    assert picture.arrows[-1].grad_norm == 1.0  # the seed, into the output box


def test_drawing_gradients_changes_no_grad_and_no_hook():
    model, cx, loss, *_ = tiny_pair()
    cr.viz.graph(loss, model, grads=True)
    assert cx.grad is None and all(p.grad is None for p in model.parameters())
    assert loss.grad_fn._hooks is None
    loss.backward()  # the graph is still whole
    assert model.w1.grad is not None


def test_a_tensor_used_twice_splits_its_gradient_per_edge():
    x = cr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    e = x.exp()
    picture = cr.viz.graph((e * e).sum(), grads=True)
    tx = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    te = tx.exp()
    te.retain_grad()
    (te * te).sum().backward()
    both = arrows_between(picture, "ExpBackward0", "MulBackward0")
    assert len(both) == 2
    np.testing.assert_allclose(both[0].grad + both[1].grad, te.grad.numpy(), rtol=1e-6)
    assert both[0].grad_norm == pytest.approx(float(te.grad.norm()) / 2, rel=1e-6)


def test_gradients_after_the_graph_was_freed_are_refused():
    model, _, loss, *_ = tiny_pair()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        cr.viz.graph(loss, model, grads=True)


def test_after_backward_with_retain_graph_the_norms_match_dot_grad():
    model, _, loss, *_ = tiny_pair(requires_x=False)
    loss.backward(retain_graph=True)
    picture = cr.viz.graph(loss, model, grads=True)
    for name, p in model.named_parameters():
        (arrow,) = [a for a in picture.arrows if picture.boxes[a.source].lines[0] == name]
        assert arrow.grad_norm == pytest.approx(float(np.linalg.norm(p.grad.numpy())), rel=1e-12)


def test_svg_is_well_formed_with_one_box_per_node():
    model, _, loss, *_ = tiny_pair()
    picture = cr.viz.graph(loss, model, grads=True)
    root = ET.fromstring(picture.svg)
    groups = [g for g in root.iter(SVG_NS + "g") if "node" in g.get("class", "").split()]
    assert len(groups) == len(picture.boxes)
    assert all(len(g.findall(SVG_NS + "rect")) == 1 for g in groups)
    texts = ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]
    for name in ("w1", "b1", "w2", "b2"):
        assert name in texts
    assert sum(t.startswith("|g|=") for t in texts) == len(picture.arrows)
    assert len(root.findall(f"{SVG_NS}path[@class='edge']")) == len(picture.arrows)
    assert picture._repr_svg_() == picture.svg


def test_dot_has_the_same_nodes_and_edges():
    model, _, loss, *_ = tiny_pair()
    picture = cr.viz.graph(loss, model, grads=True)
    dot = picture.dot
    nodes = re.findall(r'^  n(\d+) \[label="([^"]*)"', dot, re.M)
    edges = re.findall(r"^  n(\d+) -> n(\d+) \[label=\"\|g\|=([^\"]+)\"\]", dot, re.M)
    assert [int(i) for i, _ in nodes] == list(range(len(picture.boxes)))
    assert [label.split("\\n") for _, label in nodes] == [box.lines for box in picture.boxes]
    assert [(int(s), int(t)) for s, t, _ in edges] == [(a.source, a.target) for a in picture.arrows]
    assert [float(g) for *_, g in edges] == pytest.approx([a.grad_norm for a in picture.arrows], rel=1e-2)


def small_cnn():
    cr.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(12, 4))


def test_a_trace_collapses_each_leaf_module_into_one_box():
    model = small_cnn()
    with cr.viz.trace(model) as tape:
        loss = F.cross_entropy(model(cr.randn(2, 1, 6, 6)), cr.tensor([1, 3]))
    collapsed = cr.viz.graph(loss, tape)
    expanded = cr.viz.graph(loss, tape, expand=True)
    modules = [box.name for box in collapsed.boxes if box.kind == "module"]
    assert modules == ["4: Linear", "3: Flatten", "2: MaxPool2d", "1: ReLU", "0: Conv2d"]
    assert not [box for box in collapsed.boxes if box.kind == "leaf"]  # the parameters are inside their modules
    assert len(collapsed.boxes) < len(expanded.boxes)
    assert drawn(expanded) == chainrule_walk(loss)
    members = sum(len(box.members) for box in collapsed.boxes)
    assert members == len(chainrule_walk(loss)[0])  # every node is in exactly one box
    assert "module" not in {box.kind for box in expanded.boxes}
    with_grads = cr.viz.graph(loss, tape, grads=True)
    (into_linear,) = arrows_between(with_grads, "3: Flatten", "4: Linear")
    assert into_linear.shape == (2, 12)
    ET.fromstring(collapsed.svg)


def test_a_module_called_twice_gets_a_box_per_call():
    cr.manual_seed(0)

    class Twice(nn.Module):
        def __init__(self):
            super().__init__()
            self.act, self.fc = nn.Tanh(), nn.Linear(3, 3)

        def forward(self, x):
            return self.act(self.fc(self.act(x)))

    model = Twice()
    with cr.viz.trace(model) as tape:
        out = model(cr.randn(2, 3, requires_grad=True)).sum()
    picture = cr.viz.graph(out, tape)
    assert [box.name for box in picture.boxes if box.kind == "module"] == ["act: Tanh", "fc: Linear", "act: Tanh"]
    assert "forward" not in model.act.__dict__ and "forward" not in model.fc.__dict__  # unwrapped again


def test_a_chain_of_5000_ops_needs_no_recursion():
    x = cr.ones(2, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001
    picture = cr.viz.graph(y.sum())
    assert len(picture.boxes) == 5003 and len(picture.arrows) == 5002
    assert picture.svg.count('<g class="node') == 5003
    tops = [box[1] for box in picture.layout.boxes]  # boxes: sum, the muls from the last, the leaf, the output
    assert all(a > b for a, b in zip(tops[:-1], tops[1:-1])) and tops[-1] == max(tops)  # one row each


def test_save_by_extension(tmp_path):
    picture = cr.viz.graph((cr.ones(2, requires_grad=True) * 3).sum())
    picture.save(tmp_path / "g.svg")
    picture.save(tmp_path / "g.dot")
    assert (tmp_path / "g.svg").read_text() == picture.svg
    assert (tmp_path / "g.dot").read_text() == picture.dot
    with pytest.raises(ValueError, match="extension"):
        picture.save(tmp_path / "g.pdf")


def test_a_tensor_without_a_graph_is_refused():
    with pytest.raises(ValueError, match="does not require grad"):
        cr.viz.graph(cr.ones(3))
    with pytest.raises(TypeError):
        cr.viz.graph([np.ones(3)])


def test_leaf_names_come_from_the_model_by_identity():
    model, _, loss, *_ = tiny_pair()
    named = cr.viz.graph(loss, model)
    unnamed = cr.viz.graph(loss)
    counts = collections.Counter(box.lines[0] for box in named.boxes if box.kind == "leaf")
    assert counts == {"w1": 1, "b1": 1, "w2": 1, "b2": 1, "AccumulateGrad": 1}  # x is no parameter
    assert all(box.lines[0] == "AccumulateGrad" for box in unnamed.boxes if box.kind == "leaf")
