"""The gradient flowing along each edge of a graph, captured without changing the graph or any .grad.

1. `cr.autograd.grad(roots, leaves, retain_graph=True)` runs the real engine; while it runs, every op node
   has one more tensor hook per output (the engine's own hook mechanism, Tensor.register_hook's), which
   records that output's summed gradient exactly as the node's backward receives it (after any hooks of the
   user's, which run as in a plain backward). The nodes' hooks are put back as they were afterwards.
2. A tensor used by several ops gets one gradient from each: to split the sum per edge, each node's own
   backward rule is run once more on the recorded gradient, as the engine runs it (`_call_rule`, then
   `_fit` to the input's shape and dtype). Its outputs are the gradients sent along the node's edges.

So the graph's saved tensors must still be alive: build the picture before backward, or after
backward(retain_graph=True).
"""
import numpy as np

from ..autograd.engine import _call_rule, _fit
from ..autograd.engine import grad as _grad
from ..autograd.function import AccumulateGrad
from ..autograd.grad_mode import no_grad


def edge_gradients(roots, nodes):
    """{(consumer node, argument position): gradient array} for every edge of the graph, plus
    {(root index): seed} under the key ("root", i). The nodes are those reachable from the roots."""
    summed = _summed_gradients(roots, nodes)
    flowing = {}
    with no_grad(), np.errstate(all="ignore"):
        for node in nodes:
            if type(node) is AccumulateGrad or node not in summed:
                continue
            grads = summed[node]
            try:
                result = _call_rule(node, list(grads), False, set())
            except RuntimeError as err:
                raise RuntimeError(
                    f"cr.viz.graph(grads=True): {err} -- the gradients on the edges are computed by running the "
                    "graph's backward once more: draw before backward(), or call backward(retain_graph=True)"
                ) from None
            for position, edge in enumerate(node.edges):
                g = result[position]
                if edge is None or g is None:
                    continue
                g = np.asarray(g)
                if g.shape != edge.shape or g.dtype != edge.dtype:
                    g = _fit(g, edge, node, position)
                flowing[(node, position)] = np.asarray(g)
    for i, root in enumerate(roots):
        flowing[("root", i)] = np.ones(root.shape, dtype=root.dtype)
    return flowing


def _summed_gradients(roots, nodes):
    """{op node: [summed gradient of each output, or None]}, recorded by hooks during one engine run."""
    summed = {}
    installed = []
    for node in nodes:
        if type(node) is AccumulateGrad:
            continue
        own = node._hooks
        installed.append((node, own))
        hooks = {index: list(own.get(index, ())) if own else [] for index in range(node._n_outputs)}
        for index, hook_list in hooks.items():
            hook_list.append(_recorder(summed, node, index))
        node._hooks = hooks
    leaves = [node.variable for node in nodes if type(node) is AccumulateGrad]
    try:
        _grad(roots, leaves, retain_graph=True, allow_unused=True)
    except RuntimeError as err:
        raise RuntimeError(
            f"cr.viz.graph(grads=True): {err} -- draw before backward(), or call backward(retain_graph=True)"
        ) from None
    finally:
        for node, own in installed:
            node._hooks = own
    return summed


def _recorder(summed, node, index):
    def record(gradient):
        slots = summed.setdefault(node, [None] * node._n_outputs)
        slots[index] = np.asarray(gradient.detach().cpu().numpy())
    return record
