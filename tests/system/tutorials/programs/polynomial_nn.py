"""A third order polynomial trained to predict y = sin(x) from -pi to pi, four ways: with the nn
package and a hand-written update, with an optimizer (RMSprop), as a custom nn.Module trained by SGD,
and as a dynamic network trained by SGD with momentum.

In the style of PyTorch's "Learning PyTorch with Examples" (polynomial_nn.py, polynomial_optim.py,
polynomial_module.py, dynamic_net.py). Weights start from seeded NumPy values, the model is float64
so that two frameworks can be compared tightly, and the dynamic net draws its depth from NumPy.
"""
import numpy as np
import torch

RESULTS = {}
rng = np.random.default_rng(2)
dtype = torch.float64

# Create Tensors to hold input and outputs.
x = torch.linspace(-np.pi, np.pi, 2000, dtype=dtype)
y = torch.sin(x)

# For this example, the output y is a linear function of (x, x^2, x^3), so
# we can consider it as a linear layer neural network. Let's prepare the
# tensor (x, x^2, x^3).
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
RESULTS["xx"] = xx.numpy()


def new_model():
    # The Linear Module computes output from input using a linear function, and the
    # Flatten layer flattens the output of the linear layer to a 1D tensor, to match
    # the shape of `y`.
    model = torch.nn.Sequential(
        torch.nn.Linear(3, 1),
        torch.nn.Flatten(0, 1)
    ).to(dtype)
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(rng.standard_normal((1, 3)) * 0.1))
        model[0].bias.copy_(torch.tensor(rng.standard_normal(1) * 0.1))
    return model


def coefficients(linear_layer):
    return np.array([linear_layer.bias.item()] + [linear_layer.weight[:, i].item() for i in range(3)])


######################################################################
# PyTorch: nn
# -----------
model = new_model()

# The nn package also contains definitions of popular loss functions; in this
# case we will use Mean Squared Error (MSE) as our loss function.
loss_fn = torch.nn.MSELoss(reduction='sum')

learning_rate = 1e-6
losses = []
for t in range(500):
    # Forward pass: compute predicted y by passing x to the model.
    y_pred = model(xx)

    # Compute and print loss.
    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    # Zero the gradients before running the backward pass.
    model.zero_grad()

    # Backward pass: compute gradient of the loss with respect to all the learnable
    # parameters of the model.
    loss.backward()

    # Update the weights using gradient descent.
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

# You can access the first layer of `model` like accessing the first item of a list
linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
RESULTS["nn: losses"] = np.array(losses)
RESULTS["nn: coefficients"] = coefficients(linear_layer)
RESULTS["nn: output shape"] = tuple(model(xx).shape)

######################################################################
# PyTorch: optim
# --------------
model = new_model()
loss_fn = torch.nn.MSELoss(reduction='sum')

# Use the optim package to define an Optimizer that will update the weights of
# the model for us. Here we will use RMSprop.
learning_rate = 1e-3
optimizer = torch.optim.RMSprop(model.parameters(), lr=learning_rate)
losses = []
for t in range(500):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    # Before the backward pass, use the optimizer object to zero all of the
    # gradients for the variables it will update (which are the learnable
    # weights of the model).
    optimizer.zero_grad()
    loss.backward()

    # Calling the step function on an Optimizer makes an update to its parameters
    optimizer.step()

linear_layer = model[0]
print(f'Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + '
      f'{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3')
RESULTS["optim: losses"] = np.array(losses)
RESULTS["optim: coefficients"] = coefficients(linear_layer)


######################################################################
# PyTorch: Custom nn Modules
# --------------------------
class Polynomial3(torch.nn.Module):
    def __init__(self, start):
        """
        In the constructor we instantiate four parameters and assign them as
        member parameters.
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(start[0]))
        self.b = torch.nn.Parameter(torch.tensor(start[1]))
        self.c = torch.nn.Parameter(torch.tensor(start[2]))
        self.d = torch.nn.Parameter(torch.tensor(start[3]))

    def forward(self, x):
        """
        In the forward function we accept a Tensor of input data and we must return
        a Tensor of output data.
        """
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


model = Polynomial3(rng.standard_normal(4))
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
losses = []
for t in range(500):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    # Zero gradients, perform a backward pass, and update the weights.
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
RESULTS["module: losses"] = np.array(losses)
RESULTS["module: coefficients"] = np.array([model.a.item(), model.b.item(), model.c.item(), model.d.item()])
RESULTS["module: parameter count"] = len(list(model.parameters()))


######################################################################
# PyTorch: Control Flow + Weight Sharing
# --------------------------------------
class DynamicNet(torch.nn.Module):
    def __init__(self, start):
        """
        In the constructor we instantiate five parameters and assign them as members.
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(start[0]))
        self.b = torch.nn.Parameter(torch.tensor(start[1]))
        self.c = torch.nn.Parameter(torch.tensor(start[2]))
        self.d = torch.nn.Parameter(torch.tensor(start[3]))
        self.e = torch.nn.Parameter(torch.tensor(start[4]))

    def forward(self, x):
        """
        For the forward pass of the model, we randomly choose either 4, 5
        and reuse the e parameter to compute the contribution of these orders.

        Since each forward pass builds a dynamic computation graph, we can use normal
        Python control-flow operators like loops or conditional statements when
        defining the forward pass of the model.
        """
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, int(rng.integers(4, 6)) + 1):
            y = y + self.e * x ** exp
        return y


model = DynamicNet(rng.standard_normal(5) * 0.1)
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
losses = []
for t in range(500):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

RESULTS["dynamic: losses"] = np.array(losses)
RESULTS["dynamic: parameters"] = np.array([param.item() for param in model.parameters()])
