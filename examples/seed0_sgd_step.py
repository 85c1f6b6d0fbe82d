"""Seed 0: one SGD step of a small fully-connected net, computed by the delta rule (cr.manual, plain NumPy)
and by chainrule's autograd with nn.Linear + optim.SGD, printed like the notebook (4 decimals)."""
import chainrule as cr
from chainrule import nn

EXAMPLES = {
    "example 1: sigma(x) = x": ([[[1, -2], [2, 4], [-3, 1]], [[1, 2, -3], [2, -1, 3]]], [[1, 2, 3], [2, 1]], False),
    "example 2: sigma(x) = x**2": ([[[1, -2], [1, 1]], [[1, -1], [2, -1]]], [[0, 0], [0, 0]], True),
}


class Square(nn.Module):
    def forward(self, x):
        return x**2


def autograd_step(weights, biases, square):
    layers = []
    for w, b in zip(weights, biases):
        linear = nn.Linear(len(w[0]), len(w)).double()
        linear.load_state_dict({"weight": cr.tensor(w, dtype=cr.float64), "bias": cr.tensor(b, dtype=cr.float64)})
        layers += [linear, Square()] if square else [linear]
    model = nn.Sequential(*layers)
    optimizer = cr.optim.SGD(model.parameters(), lr=0.01)
    loss = nn.MSELoss()(model(cr.tensor([1.0, 1.0], dtype=cr.float64)), cr.tensor([2.0, 3.0], dtype=cr.float64))
    loss.backward()
    optimizer.step()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [m.weight for m in linears] + [m.bias for m in linears]


for title, (weights, biases, square) in EXAMPLES.items():
    print(title)
    net = cr.manual.Network(weights, biases, activation="square" if square else "identity", loss="mse")
    net.train_step([1, 1], [2, 3], lr=0.01)
    print("  delta rule (NumPy only):")
    for row in cr.manual.format_weights(net):
        print("   ", row)
    print("  autograd (nn.Linear + optim.SGD):")
    for param in autograd_step(weights, biases, square):
        print("   ", [f"{v:.4f}" for v in param.detach().numpy().ravel()])
