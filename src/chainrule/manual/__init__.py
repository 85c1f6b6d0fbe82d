"""Gradients by hand: the delta-rule network and BPTT for an RNN (NumPy only), and three-way gradient comparisons.

    net = cr.manual.Network(weights, biases, activation='sigmoid', loss='mse')
    net.forward(x); loss = net.backward(target); net.step(lr=0.01)
    net.layers[l].z / .a / .delta / .dW / .db       every intermediate, per layer
    print(cr.manual.compare(model, x, target))       numerical vs delta rule vs autodiff, per parameter
    rnn = cr.manual.ManualRNN(3, 8, 2); rnn.forward(xs, targets); rnn.backward()   BPTT by hand
    print(rnn.gradient_norm_table())                 ||dL/dh_t|| per step: the vanishing gradient
    print(cr.manual.compare_rnn(rnn, xs, targets))   numerical vs BPTT vs autodiff
    table = cr.manual.LayerTable(net); net.train_step(x, t); table.record(); print(table)   per-layer statistics
"""
from .activations import ACTIVATIONS, Activation, get_activation  # noqa: F401
from .losses import LOSSES, CrossEntropyLoss, HalfMSELoss, MSELoss, get_loss  # noqa: F401
from .network import Layer, Network, format_array, format_weights  # noqa: F401
from .numerical import numerical_gradients  # noqa: F401
from .compare import Comparison, Row, compare  # noqa: F401
from .examples import seed2_network  # noqa: F401
from .rnn import ManualRNN  # noqa: F401
from .compare_rnn import compare_rnn  # noqa: F401
from .tables import LayerTable, layer_table  # noqa: F401
