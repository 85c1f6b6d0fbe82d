"""Seed 4: the derivative of y = (exp(x^2))^2 three ways — numerical differences, backprop by hand through
Square -> Exp -> Square, and chainrule's automatic backprop — for a scalar, a vector and a matrix."""
import numpy as np

import chainrule as cr


def f(x):
    return cr.exp(x**2) ** 2


# 1. numerical differentiation (the notebook's central difference with eps = 1e-4)
x = cr.tensor(0.5, dtype=cr.float64)
(numerical,) = cr.autograd.numerical_grad(f, [x], eps=1e-4)
print("numerical:", float(numerical))

# 2. backprop by hand: each function's local derivative times the gradient from above
a = 0.5**2  # Square
b = np.exp(a)  # Exp
dy_db = 2 * b  # Square'(b), with dy = 1
dy_da = np.exp(a) * dy_db  # Exp'(a)
dy_dx = 2 * 0.5 * dy_da  # Square'(x)
print("by hand:  ", dy_dx)

# 3. automatic backprop: the engine walks the graph the ops recorded
x = cr.tensor(0.5, dtype=cr.float64, requires_grad=True)
f(x).backward()
print("autograd: ", x.grad.item())

# the same code works for vectors and matrices: one gradient per element
for values in ([0.5, 1.0, 2.0], [[0.5, 1.0, 2.0], [2.1, 2.5, 3.0]]):
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    f(x).sum().backward()
    print(x.grad.numpy())
