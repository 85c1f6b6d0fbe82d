"""Gradients by hand: the delta-rule network (NumPy only), and a three-way gradient comparison.

    net = cr.manual.Network(weights, biases, activation='sigmoid', loss='mse')
    net.forward(x); loss = net.backward(target); net.step(lr=0.01)
    net.layers[l].z / .a / .delta / .dW / .db       every intermediate, per layer
    print(cr.manual.compare(model, x, target))       numerical vs delta rule vs autodiff, per parameter
"""
from .activations import ACTIVATIONS, Activation, get_activation  # noqa: F401
from .losses import LOSSES, CrossEntropyLoss, HalfMSELoss, MSELoss, get_loss  # noqa: F401
from .network import Layer, Network, format_array, format_weights  # noqa: F401
from .numerical import numerical_gradients  # noqa: F401
from .compare import Comparison, Row, compare  # noqa: F401
from .examples import seed2_network  # noqa: F401
