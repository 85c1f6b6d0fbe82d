"""Elementwise activation functions with their derivatives, for the hand-written delta rule.

Each one is an `Activation(f, df)`: f(z) gives a = sigma(z), df(z) gives sigma'(z), both on NumPy arrays.
The delta rule needs sigma'(z^l) at every layer, so every activation carries its derivative.
"""
import numpy as np


class Activation:
    """An elementwise function f with its derivative df, both taking the pre-activation z.

        square = Activation(lambda z: z ** 2, lambda z: 2 * z, name="square")
    """

    def __init__(self, f, df, name=None):
        if not (callable(f) and callable(df)):
            raise TypeError("Activation(f, df): f and df must be callables taking a NumPy array")
        self.f = f
        self.df = df
        self.name = name or getattr(f, "__name__", "custom")

    def __call__(self, z):
        return self.f(z)

    def derivative(self, z):
        return self.df(z)

    def __repr__(self):
        return f"Activation({self.name})"


def sigmoid(z):
    """1 / (1 + exp(-z)), computed without overflow for large negative z."""
    e = np.exp(-np.abs(z))  # never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1 - s)


def _relu(z):
    return np.maximum(z, 0)


def _relu_derivative(z):
    return (z > 0).astype(z.dtype)  # 0 at z == 0, as PyTorch


def _tanh_derivative(z):
    return 1 - np.tanh(z) ** 2


ACTIVATIONS = {
    "identity": Activation(lambda z: z, np.ones_like, "identity"),
    "square": Activation(lambda z: z * z, lambda z: 2 * z, "square"),
    "sigmoid": Activation(sigmoid, _sigmoid_derivative, "sigmoid"),
    "relu": Activation(_relu, _relu_derivative, "relu"),
    "tanh": Activation(np.tanh, _tanh_derivative, "tanh"),
}


def get_activation(spec):
    """'identity' | 'square' | 'sigmoid' | 'relu' | 'tanh' | an Activation | None (identity)."""
    if spec is None:
        return ACTIVATIONS["identity"]
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str):
        if spec.lower() not in ACTIVATIONS:
            raise ValueError(f"unknown activation {spec!r}; choose one of {sorted(ACTIVATIONS)} "
                             "or pass Activation(f, df)")
        return ACTIVATIONS[spec.lower()]
    raise TypeError(f"activation must be a name or an Activation(f, df), got {type(spec).__name__}")
