"""Automatic differentiation with torch.autograd: a one-layer network, its gradients, disabling
gradient tracking, Jacobian-vector products and gradients of non-leaf tensors.

In the style of PyTorch's beginner tutorial "Automatic Differentiation with torch.autograd"; the
weights come from seeded NumPy arrays instead of torch.randn so that two frameworks can be compared.
"""
import numpy as np
import torch

RESULTS = {}
rng = np.random.default_rng(1)

######################################################################
# Tensors, Functions and Computational graph
# ------------------------------------------
x = torch.ones(5)  # input tensor
y = torch.zeros(3)  # expected output
w = torch.tensor(rng.standard_normal((5, 3)), dtype=torch.float32, requires_grad=True)
b = torch.tensor(rng.standard_normal(3), dtype=torch.float32, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)

print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
RESULTS["z has grad_fn"] = z.grad_fn is not None
RESULTS["w is leaf"] = w.is_leaf and w.grad_fn is None
RESULTS["loss"] = loss.item()

######################################################################
# Computing Gradients
# -------------------
loss.backward()
print(w.grad)
print(b.grad)
RESULTS["w.grad"] = w.grad.numpy()
RESULTS["b.grad"] = b.grad.numpy()

######################################################################
# Disabling Gradient Tracking
# ---------------------------
z = torch.matmul(x, w) + b
print(z.requires_grad)
RESULTS["z.requires_grad"] = z.requires_grad

with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
RESULTS["z.requires_grad under no_grad"] = z.requires_grad

z = torch.matmul(x, w) + b
z_det = z.detach()
print(z_det.requires_grad)
RESULTS["z_det.requires_grad"] = z_det.requires_grad

######################################################################
# Tensor Gradients and Jacobian Products
# --------------------------------------
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
RESULTS["first call"] = inp.grad.numpy().copy()
out.backward(torch.ones_like(out))
print(f"\nSecond call\n{inp.grad}")
RESULTS["second call (accumulated)"] = inp.grad.numpy().copy()
inp.grad.zero_()
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out))
print(f"\nCall after zeroing gradients\n{inp.grad}")
RESULTS["call after zeroing"] = inp.grad.numpy().copy()

######################################################################
# Gradients of intermediate tensors: retain_grad
# ----------------------------------------------
a = torch.tensor(rng.standard_normal(4), requires_grad=True)  # float64, from NumPy
h = a.exp() * 2
h.retain_grad()
s = (h * h.sin()).sum()
s.backward()
print(f"h.is_leaf = {h.is_leaf}, h.grad = {h.grad}, a.grad = {a.grad}")
RESULTS["h.is_leaf"] = h.is_leaf
RESULTS["h.grad"] = h.grad.numpy()
RESULTS["a.grad"] = a.grad.numpy()
RESULTS["a.grad is float64"] = a.grad.dtype == torch.float64
