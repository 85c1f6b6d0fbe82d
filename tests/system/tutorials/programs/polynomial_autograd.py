"""A third order polynomial, trained to predict y = sin(x) from -pi to pi by minimizing squared
Euclidean distance: first with gradients computed by hand, then with autograd.

In the style of PyTorch's "Learning PyTorch with Examples" (polynomial_tensor.py and
polynomial_autograd.py). The weights start from seeded NumPy values instead of torch.randn, and
the tensors are float64 so that two frameworks can be compared tightly.
"""
import numpy as np
import torch

RESULTS = {}

# Train on the current accelerator if one is available, on the CPU otherwise.
dtype = torch.float64
device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")
torch.set_default_device(device)

# Create Tensors to hold input and outputs.
x = torch.linspace(-np.pi, np.pi, 2000, dtype=dtype)
y = torch.sin(x)

# Random starting weights, the same in every framework.
start = np.random.default_rng(0).standard_normal(4)

######################################################################
# PyTorch: Tensors (gradients by hand)
# ------------------------------------
a, b, c, d = (torch.tensor(value, dtype=dtype) for value in start)

learning_rate = 1e-6
losses = []
for t in range(1000):
    # Forward pass: compute predicted y
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    # Compute and print loss
    loss = (y_pred - y).pow(2).sum().item()
    losses.append(loss)
    if t % 100 == 99:
        print(t, loss)

    # Backprop to compute gradients of a, b, c, d with respect to loss
    grad_y_pred = 2.0 * (y_pred - y)
    grad_a = grad_y_pred.sum()
    grad_b = (grad_y_pred * x).sum()
    grad_c = (grad_y_pred * x ** 2).sum()
    grad_d = (grad_y_pred * x ** 3).sum()

    # Update weights using gradient descent
    a -= learning_rate * grad_a
    b -= learning_rate * grad_b
    c -= learning_rate * grad_c
    d -= learning_rate * grad_d

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
RESULTS["by hand: losses"] = np.array(losses)
RESULTS["by hand: coefficients"] = np.array([a.item(), b.item(), c.item(), d.item()])

######################################################################
# PyTorch: Tensors and autograd
# -----------------------------
# Setting requires_grad=True indicates that we want to compute gradients with
# respect to these Tensors during the backward pass.
a, b, c, d = (torch.tensor(value, dtype=dtype, requires_grad=True) for value in start)

losses = []
for t in range(1000):
    # Forward pass: compute predicted y using operations on Tensors.
    y_pred = a + b * x + c * x ** 2 + d * x ** 3

    # Compute and print loss using operations on Tensors.
    # Now loss is a Tensor of shape (1,)
    # loss.item() gets the scalar value held in the loss.
    loss = (y_pred - y).pow(2).sum()
    losses.append(loss.item())
    if t % 100 == 99:
        print(t, loss.item())

    # Use autograd to compute the backward pass. This call will compute the
    # gradient of loss with respect to all Tensors with requires_grad=True.
    loss.backward()

    # Manually update weights using gradient descent. Wrap in torch.no_grad()
    # because weights have requires_grad=True, but we don't need to track this
    # in autograd.
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad

        # Manually zero the gradients after updating weights
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
RESULTS["autograd: losses"] = np.array(losses)
RESULTS["autograd: coefficients"] = np.array([a.item(), b.item(), c.item(), d.item()])
RESULTS["weights are still leaves"] = all(p.is_leaf and p.requires_grad for p in (a, b, c, d))
