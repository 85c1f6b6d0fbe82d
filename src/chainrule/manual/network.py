"""A fully-connected network whose backward pass is the delta rule, written out by hand (NumPy only).

Forward, for layers l = 1..L (rows are examples, a^0 = x):
    z^l = a^(l-1) @ W^l.T + b^l          W^l has PyTorch's layout (out, in)
    a^l = sigma(z^l)
Backward, from the loss L:
    delta^L = dL/da^L * sigma'(z^L)
    delta^l = (delta^(l+1) @ W^(l+1)) * sigma'(z^l)      i.e. (W^(l+1))^T delta^(l+1), one row per example
    dL/dW^l = delta^l.T @ a^(l-1)                          i.e. delta^l (a^(l-1))^T, summed over examples
    dL/db^l = delta^l summed over examples
No autodiff is involved: this is the independent second way to a gradient (next to numerical
differences and chainrule's autograd). Every intermediate stays on the layer for inspection:
net.layers[l].a_prev / .z / .a after forward, .delta / .dW / .db after backward.
"""
import numpy as np

from .activations import get_activation
from .losses import get_loss

_TORCH_ACTIVATIONS = {"Identity": "identity", "ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh"}


class Layer:
    """One layer: W (out, in), b (out,) or None, an activation, and what the last passes left on it."""

    def __init__(self, W, b, activation, name):
        self.W, self.b, self.activation, self.name = W, b, activation, name
        self.a_prev = self.z = self.a = None  # filled by forward
        self.delta = self.dW = self.db = None  # filled by backward

    def forward(self, a_prev):
        self.a_prev = a_prev
        self.z = a_prev @ self.W.T if self.b is None else a_prev @ self.W.T + self.b
        self.a = self.activation(self.z)
        return self.a

    def backward(self, dL_da):
        """From dL/da^l: store delta^l, dW^l, db^l; return dL/da^(l-1) = delta^l @ W^l."""
        self.delta = dL_da * self.activation.derivative(self.z)
        self.dW = self.delta.T @ self.a_prev
        self.db = None if self.b is None else self.delta.sum(axis=0)
        return self.delta @ self.W

    def __repr__(self):
        return f"Layer({self.W.shape[1]} -> {self.W.shape[0]}, {self.activation.name})"


class Network:
    """Network(weights, biases, activation='identity', output_activation=None, loss='mse').

    weights: one (out, in) array per layer; biases: one (out,) array per layer (None entries, or
    biases=None, for layers without bias). activation is applied after every layer, the last one
    too (as seed 0 does) unless output_activation is given; it may also be a list, one per layer.
    Names: 'identity', 'square', 'sigmoid', 'relu', 'tanh' or Activation(f, df).
    Arrays are copied; float weights keep their dtype, anything else becomes float64.
    """

    def __init__(self, weights, biases=None, activation="identity", output_activation=None, loss="mse"):
        weights = [_float_array(w, "weight") for w in weights]
        biases = [None] * len(weights) if biases is None else list(biases)
        if len(biases) != len(weights):
            raise ValueError(f"Network: {len(weights)} weights but {len(biases)} biases")
        activations = _per_layer(activation, output_activation, len(weights))
        self.layers = [Layer(w, _bias(b, w, i), act, str(i))
                       for i, (w, b, act) in enumerate(zip(weights, biases, activations))]
        _check_chain(self.layers)
        self.loss_fn = get_loss(loss)
        self._single = False

    # ---- building from / writing to a Sequential -----------------------------------------
    @classmethod
    def from_sequential(cls, seq, activations=None, loss="mse", dtype=None):
        """Read Linear layers and activation modules (Identity, ReLU, Sigmoid, Tanh) from a Sequential.

        activations maps other module types to an activation: {SquareModule: 'square'}. Layer names
        are the Linear's index in seq ('0', '2', ...), so gradient names match seq.named_parameters().
        dtype (e.g. np.float64) overrides the parameters' dtype.
        """
        weights, biases, acts, names = [], [], [], []
        for name, module in _children(seq):
            kind = _module_kind(module, activations or {})
            if kind == "linear":
                weights.append(_read(module.weight, dtype))
                biases.append(None if module.bias is None else _read(module.bias, dtype))
                acts.append("identity")
                names.append(name)
            elif not weights or acts[-1] != "identity":
                raise ValueError(f"Network.from_sequential: module {name} ({type(module).__name__}) must follow "
                                 "a Linear layer (one activation per Linear)")
            else:
                acts[-1] = kind
        if not weights:
            raise ValueError("Network.from_sequential: the Sequential holds no Linear layer")
        net = cls(weights, biases, activation=acts, loss=loss)
        for layer, name in zip(net.layers, names):
            layer.name = name
        return net

    def write_to(self, seq):
        """Copy this network's W and b into seq's Linear layers, in place (outside any autograd graph)."""
        linears = [m for _, m in _children(seq) if _is_linear(m)]
        if len(linears) != len(self.layers):
            raise ValueError(f"write_to: the Sequential has {len(linears)} Linear layers, "
                             f"the network {len(self.layers)}")
        for layer, module in zip(self.layers, linears):
            _write(module.weight, layer.W, "weight")
            if layer.b is not None:
                _write(module.bias, layer.b, "bias")

    # ---- the three steps: forward, backward (delta rule), SGD ------------------------------
    def forward(self, x):
        """x: (N, in) rows of examples, or one example (in,). Returns a^L (N, out) or (out,)."""
        x = np.asarray(x)
        self._single = x.ndim == 1
        a = x[None, :] if self._single else x
        if a.ndim != 2 or a.shape[1] != self.layers[0].W.shape[1]:
            raise ValueError(f"Network.forward: expected x of shape (N, {self.layers[0].W.shape[1]}) or "
                             f"({self.layers[0].W.shape[1]},), got {x.shape}")
        a = a.astype(self.layers[0].W.dtype, copy=False)
        for layer in self.layers:
            a = layer.forward(a)
        return a[0] if self._single else a

    __call__ = forward

    def backward(self, target):
        """Loss of the last forward output against target; fills every layer's delta, dW, db. Returns the loss.

        Gradients are overwritten, not accumulated (unlike PyTorch's .grad).
        """
        output = self.layers[-1].a
        if output is None:
            raise RuntimeError("Network.backward: call forward(x) first")
        target = self._batched(target)
        loss = self.loss_fn(output, target)
        dL_da = self.loss_fn.grad(output, target)
        for layer in reversed(self.layers):
            dL_da = layer.backward(dL_da)
        return loss

    def step(self, lr=0.01):
        """Plain SGD: W -= lr * dW, b -= lr * db (in place)."""
        if self.layers[0].dW is None:
            raise RuntimeError("Network.step: call backward(target) first")
        for layer in self.layers:
            layer.W -= lr * layer.dW
            if layer.b is not None:
                layer.b -= lr * layer.db

    def train_step(self, x, target, lr=0.01):
        """forward, backward, step; returns the loss before the step."""
        self.forward(x)
        loss = self.backward(target)
        self.step(lr)
        return loss

    def loss_value(self, x, target):
        """The loss at x, without a backward pass (forward still records z and a)."""
        self.forward(x)
        return self.loss_fn(self.layers[-1].a, self._batched(target))

    def _batched(self, target):
        """A single example's target gets the batch axis its output has inside the network."""
        target = np.asarray(target)
        return target[None, ...] if self._single else target

    # ---- looking inside ----------------------------------------------------------------
    weights = property(lambda self: [layer.W for layer in self.layers])
    biases = property(lambda self: [layer.b for layer in self.layers])
    zs = property(lambda self: [layer.z for layer in self.layers])
    deltas = property(lambda self: [layer.delta for layer in self.layers])
    dWs = property(lambda self: [layer.dW for layer in self.layers])
    dbs = property(lambda self: [layer.db for layer in self.layers])

    @property
    def activations(self):
        """[a^0 = x, a^1, ..., a^L] from the last forward (as 2-D batches)."""
        return [self.layers[0].a_prev] + [layer.a for layer in self.layers]

    def named_parameters(self):
        """[('0.weight', W), ('0.bias', b), ...] in PyTorch's order."""
        return [pair for layer in self.layers for pair in _named(layer, layer.W, layer.b)]

    def named_gradients(self):
        """[('0.weight', dW), ('0.bias', db), ...] from the last backward."""
        return [pair for layer in self.layers for pair in _named(layer, layer.dW, layer.db)]

    def copy(self, dtype=None):
        """An independent network with copied weights (cast to dtype if given)."""
        weights = [layer.W.astype(dtype or layer.W.dtype) for layer in self.layers]
        biases = [None if layer.b is None else layer.b.astype(dtype or layer.b.dtype) for layer in self.layers]
        twin = Network(weights, biases, activation=[layer.activation for layer in self.layers], loss=self.loss_fn)
        for mine, theirs in zip(twin.layers, self.layers):
            mine.name = theirs.name
        return twin

    def __len__(self):
        return len(self.layers)

    def __repr__(self):
        sizes = " -> ".join(str(n) for n in [self.layers[0].W.shape[1]] + [layer.W.shape[0] for layer in self.layers])
        acts = ", ".join(layer.activation.name for layer in self.layers)
        return f"Network({sizes}, activations=[{acts}], loss={self.loss_fn!r})"


def format_weights(net, decimals=4):
    """The seed 0 notebook's printout: each layer's flattened W, then each layer's b, as '1.0100' strings."""
    rows = [layer.W for layer in net.layers] + [layer.b for layer in net.layers if layer.b is not None]
    return [format_array(row, decimals) for row in rows]


def format_array(array, decimals=4):
    return [f"{value:.{decimals}f}" for value in np.asarray(array).reshape(-1)]


def _float_array(value, what):
    array = np.asarray(value)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if what == "weight" and array.ndim != 2:
        raise ValueError(f"Network: each weight must be 2-D (out, in), got shape {array.shape}")
    return array.copy()


def _bias(value, W, index):
    if value is None:
        return None
    b = np.asarray(value, dtype=W.dtype).copy()
    if b.shape != (W.shape[0],):
        raise ValueError(f"Network: bias {index} must have shape ({W.shape[0]},) to match weight {W.shape}, "
                         f"got {b.shape}")
    return b


def _per_layer(activation, output_activation, count):
    if isinstance(activation, (list, tuple)):
        if len(activation) != count or output_activation is not None:
            raise ValueError(f"Network: a list of activations needs one per layer ({count}) and no output_activation")
        return [get_activation(a) for a in activation]
    last = activation if output_activation is None else output_activation
    return [get_activation(activation)] * (count - 1) + [get_activation(last)]


def _check_chain(layers):
    for i, (before, after) in enumerate(zip(layers, layers[1:])):
        if after.W.shape[1] != before.W.shape[0]:
            raise ValueError(f"Network: weight {i + 1} has shape {after.W.shape} but layer {i} gives "
                             f"{before.W.shape[0]} outputs (W is (out, in))")


def _named(layer, weight, bias):
    pairs = [(f"{layer.name}.weight", weight)]
    return pairs + ([] if layer.b is None else [(f"{layer.name}.bias", bias)])


# ---- reading a Sequential without importing it: by class names (cr.nn's, which are torch.nn's too) ----
def _children(seq):
    if hasattr(seq, "named_children"):
        return list(seq.named_children())
    return [(str(i), m) for i, m in enumerate(seq)]


def _is_linear(module):
    return any(cls.__name__ == "Linear" for cls in type(module).__mro__)


def _module_kind(module, activations):
    for module_type, spec in activations.items():
        if isinstance(module, module_type):
            return get_activation(spec)
    if _is_linear(module):
        return "linear"
    for cls in type(module).__mro__:
        if cls.__name__ in _TORCH_ACTIVATIONS:
            return get_activation(_TORCH_ACTIVATIONS[cls.__name__])
    raise TypeError(f"Network.from_sequential: don't know module {type(module).__name__}; use Linear, Identity, "
                    f"ReLU, Sigmoid, Tanh, or map it: activations={{{type(module).__name__}: 'square'}}")


def _read(param, dtype):
    array = np.array(param.detach().numpy(), copy=True)
    return array.astype(dtype) if dtype is not None else array


def _write(param, value, what):
    target = param.detach().numpy()  # shares memory with the parameter
    if target.shape != value.shape:
        raise ValueError(f"write_to: {what} has shape {target.shape}, the network's is {value.shape}")
    np.copyto(target, value, casting="same_kind")
