"""Losses for the delta rule: each gives its value and dL/d(output), the start of the backward pass.

The network's output a^L has rows = examples. Every loss returns a Python float and a gradient of
a^L's shape; the network turns that into delta^L = dL/da^L * sigma'(z^L).
"""
import numpy as np


class MSELoss:
    """mean((a - t)^2) over all elements, as PyTorch's nn.MSELoss. dL/da = 2 (a - t) / numel."""

    scale = 1.0

    def __call__(self, output, target):
        return float(self.scale * np.mean((output - _as_float_target(output, target, self)) ** 2))

    def grad(self, output, target):
        return self.scale * 2 * (output - _as_float_target(output, target, self)) / output.size

    def __repr__(self):
        return type(self).__name__ + "()"


class HalfMSELoss(MSELoss):
    """Seed 2's loss: 1/2 * mean((a - t)^2). dL/da = (a - t) / numel."""

    scale = 0.5


class CrossEntropyLoss:
    """Softmax and cross-entropy fused, mean over the batch, as PyTorch's nn.CrossEntropyLoss.

    Takes logits (N, C); targets are class indices (N,) or probabilities / one-hot rows (N, C).
    The fused gradient is simple: dL/dlogits = (softmax(logits) - y) / N. With an identity output
    activation the logits are z^L, so this is delta^L directly.
    """

    def __call__(self, logits, target):
        y = self.probabilities(logits, target)
        return float(-(y * log_softmax(logits)).sum() / logits.shape[0])

    def grad(self, logits, target):
        y = self.probabilities(logits, target)
        grad = softmax(logits) - y
        # p - y cancels to 0 at a dominant class (p = 1 - e^-44 rounds to 1); with rows of y summing
        # to 1, p - y = (1 - y) - (1 - p) there, and 1 - p = rest / (1 + rest) keeps the e^-44.
        rows, top, rest = _dominant(logits)
        grad[rows, top] = (1 - y[rows, top]) - rest / (1 + rest)
        return grad / logits.shape[0]

    @staticmethod
    def probabilities(logits, target):
        """Targets as rows of probabilities: class indices become one-hot rows."""
        target = np.asarray(target)
        n, classes = logits.shape
        if target.dtype.kind in "iub" and target.shape == (n,):
            if target.size and (target.min() < 0 or target.max() >= classes):
                raise ValueError(f"CrossEntropyLoss: class indices must lie in [0, {classes}), "
                                 f"got values from {target.min()} to {target.max()}")
            return np.eye(classes, dtype=logits.dtype)[target]
        if target.dtype.kind == "f" and target.shape == logits.shape:
            return target.astype(logits.dtype, copy=False)
        raise ValueError(f"CrossEntropyLoss: target must be class indices of shape ({n},) or probabilities of "
                         f"shape {logits.shape}, got {target.dtype} of shape {target.shape}")

    def __repr__(self):
        return "CrossEntropyLoss()"


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(logits):
    """log p, exact for a dominant class too: log(1 + rest) is log1p(rest), not log(1.0) = 0."""
    rows, top, rest = _dominant(logits)
    return logits - logits[rows, top][:, None] - np.log1p(rest)[:, None]


def _dominant(logits):
    """Each row's largest logit (rows, columns) and rest = sum of exp(z_j - z_top) over the other classes."""
    rows, top = np.arange(logits.shape[0]), logits.argmax(axis=1)
    others = np.exp(logits - logits[rows, top][:, None])
    others[rows, top] = 0
    return rows, top, others.sum(axis=1)


LOSSES = {"mse": MSELoss, "half_mse": HalfMSELoss, "cross_entropy": CrossEntropyLoss}


def get_loss(spec):
    """'mse' | 'half_mse' | 'cross_entropy', or any object with __call__(output, target) and grad(output, target)."""
    if isinstance(spec, str):
        if spec not in LOSSES:
            raise ValueError(f"unknown loss {spec!r}; choose one of {sorted(LOSSES)}")
        return LOSSES[spec]()
    if callable(spec) and callable(getattr(spec, "grad", None)):
        return spec
    raise TypeError(f"loss must be a name or an object with __call__ and grad, got {type(spec).__name__}")


def _as_float_target(output, target, loss):
    target = np.asarray(target, dtype=output.dtype)
    if target.shape != output.shape:
        raise ValueError(f"{type(loss).__name__}: target shape {target.shape} does not match "
                         f"output shape {output.shape}")
    return target
