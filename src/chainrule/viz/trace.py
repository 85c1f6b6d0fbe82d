"""Which graph nodes each leaf module made: `with cr.viz.trace(model) as tape: loss = ...`.

While the block runs, every module without children (Linear, Conv2d, ReLU, ...) has its `forward` wrapped
by an instance attribute (Module.__call__ calls self.forward; the class is untouched and the attribute is
removed on exit). After each call the wrapper walks the graph back from the call's outputs and stops at
the grad_fn each input had before the call: the nodes in between are that call's ops. Its parameters'
AccumulateGrad nodes belong to it too, unless another call uses them as well (a module called twice).
Nodes are held weakly: a trace keeps no graph alive.
"""
import weakref

from ..autograd.function import AccumulateGrad
from ..tensor import Tensor


class Call:
    """One call of a leaf module: its name in the model, the module, and the call's number."""

    def __init__(self, name, module, number):
        self.name, self.module, self.number = name, module, number

    @property
    def label(self):
        kind = type(self.module).__name__
        return f"{self.name}: {kind}" if self.name else kind


class Trace:
    """Records, per graph node, the leaf-module call that made it. Use as a context manager."""

    def __init__(self, model):
        self.model = model
        self.calls = []
        self._call_of = weakref.WeakKeyDictionary()  # node -> Call
        self._leaf_calls = weakref.WeakKeyDictionary()  # AccumulateGrad node -> set of call numbers
        self._wrapped = []  # (module, the instance's own forward attribute or None)

    def call_of(self, node):
        """The Call that made `node`, or None (made outside every leaf module, or shared by several calls)."""
        if type(node) is AccumulateGrad and len(self._leaf_calls.get(node, ())) != 1:
            return None
        return self._call_of.get(node)

    def __enter__(self):
        for name, module in self.model.named_modules():
            if next(iter(module.children()), None) is None:
                self._wrap(name, module)
        return self

    def __exit__(self, *exc):
        for module, own in reversed(self._wrapped):
            if own is None:
                del module.__dict__["forward"]
            else:
                module.__dict__["forward"] = own
        self._wrapped = []
        return False

    def _wrap(self, name, module):
        forward = module.forward
        self._wrapped.append((module, module.__dict__.get("forward")))

        def traced_forward(*args, **kwargs):
            before = {id(t.grad_fn) for t in _tensors((args, kwargs)) if t.grad_fn is not None}
            out = forward(*args, **kwargs)
            self._record(Call(name, module, len(self.calls)), before, out)
            return out

        module.__dict__["forward"] = traced_forward

    def _record(self, call, before, out):
        self.calls.append(call)
        own = {id(p) for p in call.module.parameters()}
        stack = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None and id(t.grad_fn) not in before]
        seen = set()
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if type(node) is AccumulateGrad:
                if id(node.variable) in own:
                    self._call_of.setdefault(node, call)
                    self._leaf_calls.setdefault(node, set()).add(call.number)
                continue
            if self._call_of.get(node, call) is not call:  # an earlier call's op, reached another way
                continue
            self._call_of[node] = call
            for edge in node.edges:
                if edge is not None and id(edge.node) not in before:
                    stack.append(edge.node)


def trace(model):
    """A Trace of `model`'s leaf modules: `with cr.viz.trace(model) as tape: ...`, then graph(loss, tape)."""
    return Trace(model)


def _tensors(value):
    """The Tensors inside nested tuples, lists and dicts (iteratively)."""
    found, stack = [], [value]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, (tuple, list)):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
    return found
