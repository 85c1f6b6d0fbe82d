"""Tensors: creating them, their attributes, indexing, joining, arithmetic and the NumPy bridge.

In the style of PyTorch's beginner tutorial "Tensors"; the random values of the tutorial are replaced
by seeded NumPy data wherever a result is printed, so two frameworks can be compared.
"""
import numpy as np
import torch

RESULTS = {}
rng = np.random.default_rng(0)

######################################################################
# Initializing a Tensor
# ---------------------
# Directly from data, from a NumPy array, or from another tensor.
data = [[1, 2], [3, 4]]
x_data = torch.tensor(data)

np_array = np.array(data)
x_np = torch.from_numpy(np_array)

x_ones = torch.ones_like(x_data)  # retains the properties of x_data
print(f"Ones Tensor: \n {x_ones} \n")

x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
print(f"Random Tensor: \n {x_rand} \n")

RESULTS["x_data"] = x_data.numpy()
RESULTS["x_data is int64"] = x_data.dtype == torch.int64
RESULTS["x_np"] = x_np.numpy()
RESULTS["x_ones"] = x_ones.numpy()
RESULTS["x_rand shape"] = tuple(x_rand.shape)
RESULTS["x_rand is float32"] = x_rand.dtype == torch.float32
RESULTS["x_rand in [0, 1)"] = bool(((x_rand >= 0) & (x_rand < 1)).all())

# With random or constant values; shape is a tuple of tensor dimensions.
shape = (2, 3,)
rand_tensor = torch.rand(shape)
ones_tensor = torch.ones(shape)
zeros_tensor = torch.zeros(shape)
print(f"Random Tensor: \n {rand_tensor} \n")
print(f"Ones Tensor: \n {ones_tensor} \n")
print(f"Zeros Tensor: \n {zeros_tensor}")
RESULTS["rand shape"] = tuple(rand_tensor.shape)
RESULTS["ones"] = ones_tensor.numpy()
RESULTS["zeros"] = zeros_tensor.numpy()

######################################################################
# Attributes of a Tensor
# ----------------------
tensor = torch.rand(3, 4)
print(f"Shape of tensor: {tensor.shape}")
print(f"Datatype of tensor: {tensor.dtype}")
print(f"Device tensor is stored on: {tensor.device}")
RESULTS["shape"] = tuple(tensor.shape)
RESULTS["device"] = str(tensor.device)

######################################################################
# Operations on Tensors
# ---------------------
# We move our tensor to the current accelerator if available
if torch.accelerator.is_available():
    tensor = tensor.to(torch.accelerator.current_accelerator())
tensor = tensor.to("cpu")
RESULTS["device after to"] = str(tensor.device)

# Standard numpy-like indexing and slicing:
tensor = torch.ones(4, 4)
print(f"First row: {tensor[0]}")
print(f"First column: {tensor[:, 0]}")
print(f"Last column: {tensor[..., -1]}")
tensor[:, 1] = 0
print(tensor)
RESULTS["after tensor[:, 1] = 0"] = tensor.numpy().copy()

# Joining tensors
t1 = torch.cat([tensor, tensor, tensor], dim=1)
print(t1)
RESULTS["cat"] = t1.numpy()

# Arithmetic operations, on seeded values so the products can be compared.
tensor = torch.tensor(rng.standard_normal((4, 4)))
# This computes the matrix multiplication between two tensors. y1, y2, y3 will have the same value
# ``tensor.T`` returns the transpose of a tensor
y1 = tensor @ tensor.T
y2 = tensor.matmul(tensor.T)

y3 = torch.rand_like(y1)
torch.matmul(tensor, tensor.T, out=y3)
RESULTS["y1"] = y1.numpy()
RESULTS["y2"] = y2.numpy()
RESULTS["y3"] = y3.numpy()

# This computes the element-wise product. z1, z2, z3 will have the same value
z1 = tensor * tensor
z2 = tensor.mul(tensor)

z3 = torch.rand_like(tensor)
torch.mul(tensor, tensor, out=z3)
RESULTS["z1"] = z1.numpy()
RESULTS["z2"] = z2.numpy()
RESULTS["z3"] = z3.numpy()

# Single-element tensors
agg = tensor.sum()
agg_item = agg.item()
print(agg_item, type(agg_item))
RESULTS["agg_item"] = agg_item
RESULTS["agg_item is float"] = isinstance(agg_item, float)

# In-place operations
print(f"{tensor} \n")
tensor.add_(5)
print(tensor)
RESULTS["after add_"] = tensor.numpy().copy()

######################################################################
# Bridge with NumPy
# -----------------
# Tensor to NumPy array: a change in the tensor reflects in the NumPy array.
t = torch.ones(5)
print(f"t: {t}")
n = t.numpy()
print(f"n: {n}")
t.add_(1)
print(f"t: {t}")
print(f"n: {n}")
RESULTS["numpy sees add_"] = n.copy()

# NumPy array to Tensor: changes in the NumPy array reflect in the tensor.
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print(f"t: {t}")
print(f"n: {n}")
RESULTS["tensor sees np.add"] = t.numpy().copy()
