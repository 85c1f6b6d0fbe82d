"""A vanilla RNN whose backward pass is backpropagation through time, written out by hand (NumPy only).

Forward, for t = 1..T (rows are examples, h_0 = 0 unless given):
    z_t = x_t @ W_xh.T + h_(t-1) @ W_hh.T + b_h          W has PyTorch's layout (out, in)
    h_t = tanh(z_t)
    y   = h_T @ W_hy.T + b_y                               outputs='last': one output per sequence
    y_t = h_t @ W_hy.T + b_y                               outputs='every': one output per step
Backward (BPTT), from t = T down to 1, carrying g = dL/dh_t:
    g        = dL/dy_t @ W_hy  +  (what step t+1 sent back)    the output's share only at outputs='every' (or t = T)
    delta_t  = g * (1 - h_t^2)                                  dL/dz_t, tanh' = 1 - tanh^2
    dW_xh   += delta_t.T @ x_t,   dW_hh += delta_t.T @ h_(t-1),   db_h += delta_t summed over examples
    step t sends back dL/dh_(t-1) = delta_t @ W_hh
Every step multiplies g by diag(1 - h_t^2) and W_hh, so with ||W_hh||_2 < 1 the gradient reaching early
steps shrinks geometrically: the vanishing gradient. rnn.gradient_norms() is ||dL/dh_t|| per step.
"""
import numpy as np

from .losses import get_loss

PARAMETERS = ("W_xh", "W_hh", "b_h", "W_hy", "b_y")


class ManualRNN:
    """ManualRNN(input_size, hidden_size, output_size, seed=0, loss='mse', outputs='last', recurrent_scale=None).

    Weights start as torch's nn.RNN / nn.Linear do: uniform(-1/sqrt(fan), 1/sqrt(fan)), here from NumPy's
    generator seeded with `seed`, in float64. recurrent_scale rescales W_hh to that spectral norm
    (below 1: contractive, the gradient vanishes over time). loss: 'mse' | 'half_mse' | 'cross_entropy'.
    """

    def __init__(self, input_size, hidden_size, output_size, seed=0, loss="mse", outputs="last",
                 recurrent_scale=None):
        rng = np.random.default_rng(seed)
        k = 1 / np.sqrt(hidden_size)  # nn.RNN and nn.Linear(hidden_size, ...) both use it
        W_hh = rng.uniform(-k, k, (hidden_size, hidden_size))
        if recurrent_scale is not None:
            W_hh *= recurrent_scale / np.linalg.norm(W_hh, 2)
        self._set_weights(dict(
            W_xh=rng.uniform(-k, k, (hidden_size, input_size)), W_hh=W_hh,
            b_h=rng.uniform(-k, k, hidden_size), W_hy=rng.uniform(-k, k, (output_size, hidden_size)),
            b_y=rng.uniform(-k, k, output_size)), loss, outputs)

    @classmethod
    def from_weights(cls, W_xh, W_hh, b_h, W_hy, b_y, loss="mse", outputs="last"):
        """An RNN with these weights (copied). From torch's nn.RNN: b_h = bias_ih_l0 + bias_hh_l0."""
        rnn = cls.__new__(cls)
        rnn._set_weights(dict(W_xh=W_xh, W_hh=W_hh, b_h=b_h, W_hy=W_hy, b_y=b_y), loss, outputs)
        return rnn

    def _set_weights(self, weights, loss, outputs):
        if outputs not in ("last", "every"):
            raise ValueError(f"ManualRNN: outputs must be 'last' or 'every', got {outputs!r}")
        arrays = {name: np.array(weights[name], dtype=np.float64) for name in PARAMETERS}
        hidden, inputs = arrays["W_xh"].shape
        expected = dict(W_xh=(hidden, inputs), W_hh=(hidden, hidden), b_h=(hidden,),
                        W_hy=(arrays["W_hy"].shape[0], hidden), b_y=(arrays["W_hy"].shape[0],))
        for name, shape in expected.items():
            if arrays[name].shape != shape:
                raise ValueError(f"ManualRNN: {name} must have shape {shape}, got {arrays[name].shape}")
        self.params = arrays
        self.loss_fn, self.loss_name, self.outputs = get_loss(loss), loss, outputs
        self.xs = self.hs = self.ys = None  # filled by forward
        self.grads, self.deltas, self.dL_dh = {}, [], []  # filled by backward

    # ---- forward and BPTT ------------------------------------------------------------------
    def forward(self, xs, targets=None, h0=None):
        """xs: (T, N, input_size), sequence first as torch's nn.RNN, or (T, input_size) for one sequence.

        Records every h_t; returns the output ((N, out), or (T, N, out) for outputs='every'), and stores
        targets for backward(). With targets given, returns (output, loss).
        """
        xs = np.asarray(xs, dtype=np.float64)
        if xs.ndim == 2:
            xs = xs[:, None, :]
        if xs.ndim != 3 or xs.shape[2] != self.params["W_xh"].shape[1]:
            raise ValueError(f"ManualRNN.forward: expected xs of shape (T, N, {self.params['W_xh'].shape[1]}), "
                             f"got {xs.shape}")
        p = self.params
        h = np.zeros((xs.shape[1], p["W_hh"].shape[0])) if h0 is None else np.asarray(h0, dtype=np.float64)
        self.xs, self.hs = xs, [h]
        for x in xs:
            h = np.tanh(x @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"])
            self.hs.append(h)
        hidden = np.stack(self.hs[1:]) if self.outputs == "every" else self.hs[-1]
        self.ys = hidden @ p["W_hy"].T + p["b_y"]
        self.targets = targets
        if targets is None:
            return self.ys
        return self.ys, self.loss_value_of_output(targets)

    __call__ = forward

    def loss_value_of_output(self, targets):
        outputs, targets = self._flat(self.ys, targets)
        return self.loss_fn(outputs, targets)

    def loss_value(self, xs, targets):
        """The loss at xs, without a backward pass (the forward still records the hidden states)."""
        self.forward(xs)
        return self.loss_value_of_output(targets)

    def backward(self, targets=None):
        """BPTT: fills .grads (dW_xh, dW_hh, db_h, dW_hy, db_y), .deltas[t-1] = dL/dz_t and .dL_dh[t] = dL/dh_t
        (dL_dh[0] is dL/dh_0). Returns the loss. Gradients are overwritten, not accumulated."""
        if self.ys is None:
            raise RuntimeError("ManualRNN.backward: call forward(xs, targets) first")
        targets = self.targets if targets is None else targets
        if targets is None:
            raise ValueError("ManualRNN.backward: no targets: pass them to forward or backward")
        p, hs, T = self.params, self.hs, len(self.xs)
        outputs, flat_targets = self._flat(self.ys, targets)
        loss = self.loss_fn(outputs, flat_targets)
        dy = self.loss_fn.grad(outputs, flat_targets).reshape(self.ys.shape)
        dy_steps = dy if self.outputs == "every" else [None] * (T - 1) + [dy]
        grads = {name: np.zeros_like(value) for name, value in p.items()}
        deltas, dL_dh = [None] * T, [None] * (T + 1)
        from_later_steps = np.zeros_like(hs[-1])
        for t in range(T, 0, -1):
            g = from_later_steps
            if dy_steps[t - 1] is not None:  # this step's output reads h_t directly
                g = g + dy_steps[t - 1] @ p["W_hy"]
                grads["W_hy"] += dy_steps[t - 1].T @ hs[t]
                grads["b_y"] += dy_steps[t - 1].sum(axis=0)
            dL_dh[t] = g
            delta = g * (1 - hs[t] ** 2)
            grads["W_xh"] += delta.T @ self.xs[t - 1]
            grads["W_hh"] += delta.T @ hs[t - 1]
            grads["b_h"] += delta.sum(axis=0)
            deltas[t - 1] = delta
            from_later_steps = delta @ p["W_hh"]
        dL_dh[0] = from_later_steps
        self.grads, self.deltas, self.dL_dh = grads, deltas, dL_dh
        return loss

    def _flat(self, outputs, targets):
        """The loss sees 2-D outputs: (N, out), or every step's rows stacked (T*N, out)."""
        targets = np.asarray(targets)
        if self.outputs == "every":
            outputs = outputs.reshape(-1, outputs.shape[-1])
            targets = targets.reshape((-1,) + ((outputs.shape[-1],) if targets.dtype.kind == "f" else ()))
        return outputs, targets

    # ---- looking inside ----------------------------------------------------------------------
    def gradient_norms(self):
        """||dL/dh_t|| (over the whole batch) for t = 1..T, from the last backward."""
        if not self.dL_dh:
            raise RuntimeError("ManualRNN.gradient_norms: call backward first")
        return np.array([np.linalg.norm(g) for g in self.dL_dh[1:]])

    def gradient_norm_table(self):
        """A printable table: step t, ||dL/dh_t||, and its ratio to the last step's norm."""
        norms = self.gradient_norms()
        lines = [f"{'t':>4}  {'||dL/dh_t||':>12}  {'/ ||dL/dh_T||':>13}"]
        lines += [f"{t:>4}  {norm:>12.4e}  {norm / norms[-1]:>13.4e}" for t, norm in enumerate(norms, start=1)]
        return "\n".join(lines)

    def named_parameters(self):
        """[('W_xh', array), ...]: the arrays themselves (changing them changes the RNN)."""
        return [(name, self.params[name]) for name in PARAMETERS]

    def named_gradients(self):
        return [(name, self.grads[name]) for name in PARAMETERS]

    def copy(self, dtype=None):
        """An independent RNN with copied weights (dtype is accepted for numerical_gradients: always float64)."""
        return ManualRNN.from_weights(**self.params, loss=self.loss_name, outputs=self.outputs)

    def __repr__(self):
        hidden, inputs = self.params["W_xh"].shape
        return (f"ManualRNN({inputs} -> {hidden} -> {self.params['W_hy'].shape[0]}, outputs={self.outputs!r}, "
                f"loss={self.loss_fn!r})")
