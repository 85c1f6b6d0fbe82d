"""Seed 1: a linear classifier, Linear(4, 3) + softmax + cross-entropy, on six 2x2 "images" (cat, dog, ship),
trained with the fused gradient dL/dz = p - y that chainrule's cross_entropy computes as one op."""
import numpy as np

import chainrule as cr
import chainrule.nn.functional as F

data = cr.data.seed_images()
x = data.tensors[0].double().reshape(6, 4)  # six flattened 2x2 images
labels = data.tensors[1]
w = cr.tensor(np.random.default_rng(0).random((3, 4)), requires_grad=True)  # as np.random.rand(3, 4)

# the fused gradient: d(sum of cross-entropies)/dW = (p - y)^T x
F.cross_entropy(x @ w.T, labels, reduction="sum").backward()
p = cr.softmax(x @ w.detach().T, dim=1)
y = cr.tensor(np.eye(3)[labels.numpy()])
print("autograd dL/dW equals (p - y)^T x:", np.allclose(w.grad.numpy(), ((p - y).T @ x).numpy()))
w.grad = None

learning_rate = 1e-4
for iteration in range(1, 101):
    loss = F.cross_entropy(x @ w.T, labels, reduction="sum")
    loss.backward()
    with cr.no_grad():
        w -= learning_rate * w.grad
    w.grad = None
    if iteration in (1, 10, 20, 50, 100):
        print(f"iteration: {iteration}, loss: {loss.item() / 6}")

predicted = (x @ w.T).argmax(dim=1)
print("predictions:", [data.classes[i] for i in predicted.tolist()])
print("labels:     ", [data.classes[i] for i in labels.tolist()])
