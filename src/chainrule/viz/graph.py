"""`cr.viz.graph(loss, model)`: the autograd graph behind a tensor, as a picture.

The graph is walked from the tensor's grad_fn along each node's `edges` (an explicit stack, no recursion).
Each node becomes a box: its op name (`grad_fn.name()`), and the shape and dtype of the tensor it made
(`_output_meta` for nodes with several outputs; else the shape and dtype its consumers' edges record,
which are those of the tensor they read). A leaf's AccumulateGrad is drawn as the leaf, named after its
parameter when a model is given. With a trace (`with cr.viz.trace(model) as tape:`), each leaf module's
ops are drawn as one box, "conv1: Conv2d"; expand=True draws every op. Arrows point the way the forward
pass ran; with grads=True each carries the norm of the gradient that backward sends along it.
"""
from dataclasses import dataclass, field

import numpy as np

from ..autograd.function import AccumulateGrad, edge_to
from ..device import numpy_dtype
from ..tensor import Tensor
from .drawing import Picture
from .grads import edge_gradients
from .trace import Trace


@dataclass
class Box:
    """One box of the picture: kind is "op", "leaf", "module" or "output"; name is the op's name
    (AccumulateGrad for a leaf), the module's "name: Class", or "output"."""
    kind: str
    name: str
    lines: list
    tooltip: str = ""
    members: list = field(default_factory=list)


@dataclass
class Arrow:
    """An edge from box `source` to box `target` carrying output `index` of autograd node `producer`."""
    source: int
    target: int
    producer: object
    index: int
    shape: tuple
    dtype: object
    grad: object = None  # the gradient sent back along it (grads=True), else None

    @property
    def grad_norm(self):
        return None if self.grad is None else float(np.linalg.norm(np.asarray(self.grad, dtype=np.float64)))


def graph(tensor, model=None, expand=False, *, trace=None, grads=False, title=None):
    """The picture of the graph behind `tensor` (or a list of tensors): a Picture with .svg, .dot, .save().

    model: a Module (names the parameter leaves) or a Trace (`cr.viz.trace(model)`; also groups each leaf
    module's ops into one box unless expand=True). grads=True: label each arrow with the norm of the
    gradient flowing along it (computed with the graph's own backward; the graph must still be alive)."""
    if isinstance(model, Trace):
        trace, model = model, model.model
    if model is None and trace is not None:
        model = trace.model
    roots = _roots(tensor)
    root_edges = [edge_to(t) for t in roots]
    nodes = reachable([edge.node for edge in root_edges])
    flowing = edge_gradients(roots, nodes) if grads else {}
    names = {id(p): name for name, p in model.named_parameters()} if model is not None else {}
    call_of = trace.call_of if trace is not None and not expand else (lambda node: None)
    boxes, box_of = _boxes(nodes, call_of, names, _output_meta(nodes, root_edges))
    arrows = _arrows(nodes, boxes, box_of, flowing)
    for i, edge in enumerate(root_edges):
        boxes.append(Box("output", "output", ["output", _describe([(edge.shape, edge.dtype)])],
                         f"the tensor drawn: shape {tuple(edge.shape)}, {edge.dtype}"))
        arrows.append(Arrow(box_of[edge.node], len(boxes) - 1, edge.node, edge.index, edge.shape, edge.dtype,
                            flowing.get(("root", i))))
    _describe_modules(boxes, arrows)
    return Picture(boxes, arrows, title)


def reachable(starts):
    """Every node reachable from `starts` along edges, each once, in the order first met (depth first)."""
    seen, order, stack = set(), [], list(reversed(starts))
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(edge.node for edge in reversed(node.edges) if edge is not None and edge.node not in seen)
    return order


def _roots(tensor):
    tensors = [tensor] if isinstance(tensor, Tensor) else list(tensor)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cr.viz.graph: expected a Tensor or a list of Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise ValueError(f"cr.viz.graph: tensor {i} (shape {tuple(t.shape)}) does not require grad, so no "
                             "graph was recorded; compute it from tensors with requires_grad=True, outside no_grad()")
    return tensors


def _output_meta(nodes, root_edges):
    """{(node, output index): (shape, dtype)} of the tensors the nodes made."""
    meta = {}
    for node in nodes:
        if type(node) is AccumulateGrad:
            meta[(node, 0)] = (tuple(node.variable.shape), numpy_dtype(node.variable.dtype))
        for index, pair in enumerate(getattr(node, "_output_meta", None) or ()):
            meta[(node, index)] = pair
        for edge in node.edges:
            if edge is not None:
                meta.setdefault((edge.node, edge.index), (edge.shape, edge.dtype))
    for edge in root_edges:
        meta.setdefault((edge.node, edge.index), (edge.shape, edge.dtype))
    return meta


def _boxes(nodes, call_of, names, meta):
    """One box per node, or per leaf-module call for the nodes it made; {node: box index}."""
    boxes, box_of, box_of_call = [], {}, {}
    for node in nodes:
        call = call_of(node)
        if call is not None:
            if call not in box_of_call:
                box_of_call[call] = len(boxes)
                boxes.append(Box("module", call.label, [call.label]))
            box_of[node] = box_of_call[call]
            boxes[box_of[node]].members.append(node)
            continue
        box_of[node] = len(boxes)
        outputs = [meta[(node, i)] for i in range(node._n_outputs) if (node, i) in meta]
        if type(node) is AccumulateGrad:
            name = names.get(id(node.variable))
            lines = ([name] if name else []) + ["AccumulateGrad", _describe(outputs)]
            tooltip = f"leaf{' ' + name if name else ''}: AccumulateGrad adds its gradient into .grad"
            boxes.append(Box("leaf", "AccumulateGrad", lines, tooltip, [node]))
        else:
            boxes.append(Box("op", node.name(), [node.name(), _describe(outputs)], node.name(), [node]))
    return boxes, box_of


def _arrows(nodes, boxes, box_of, flowing):
    """One arrow per edge between different boxes; the edges from one tensor into one module box are one
    arrow, carrying the sum of their gradients."""
    arrows, merged = [], {}
    for consumer in nodes:
        for position, edge in enumerate(consumer.edges):
            if edge is None:
                continue
            source, target = box_of[edge.node], box_of[consumer]
            if source == target:
                continue
            grad = flowing.get((consumer, position))
            key = (source, target, edge.node, edge.index)
            if boxes[target].kind == "module" and key in merged:
                arrow = arrows[merged[key]]
                arrow.grad = None if arrow.grad is None or grad is None else arrow.grad + grad
                continue
            merged[key] = len(arrows)
            arrows.append(Arrow(source, target, edge.node, edge.index, edge.shape, edge.dtype, grad))
    return arrows


def _describe_modules(boxes, arrows):
    """A module box's lines: its label, the tensors it hands on, its op (or how many ops it holds)."""
    handed_on = {}
    for arrow in arrows:
        if boxes[arrow.source].kind == "module":
            handed_on.setdefault(arrow.source, {})[(arrow.producer, arrow.index)] = (arrow.shape, arrow.dtype)
    for i, box in enumerate(boxes):
        if box.kind != "module":
            continue
        ops = [node.name() for node in box.members if type(node) is not AccumulateGrad]
        box.lines = [box.name, _describe(list(handed_on.get(i, {}).values())), ops[0] if len(ops) == 1 else f"{len(ops)} ops"]
        box.tooltip = f"{box.name}: " + ", ".join(ops)


def _describe(outputs):
    """'(4, 5) float32', or one shape per output and the dtypes: '(4,), (4,) float32'."""
    if not outputs:
        return "-"
    shapes = ", ".join(str(tuple(int(d) for d in shape)) for shape, _ in outputs)
    dtypes = sorted({str(numpy_dtype(dtype)) for _, dtype in outputs})  # any library's dtype, by NumPy's name
    return f"{shapes} {'/'.join(dtypes)}"
