"""Seed 3: a 2-layer ReLU net whose softmax saturates (logits -33 and 11), so its gradients are about 1e-19.
The delta rule by hand (cr.manual) and chainrule's autograd give the same tiny numbers: nothing is flushed to 0."""
import numpy as np

import chainrule as cr
import chainrule.nn.functional as F

I = cr.tensor([4.0, 1.0])
label = cr.tensor([0.0, 1.0])
W_0 = cr.tensor([[1.0, -2.0], [2.0, 5.0]], requires_grad=True)
W_1 = cr.tensor([[3.0, -3.0], [-1.0, 1.0]], requires_grad=True)

h = W_0 @ I
L = cr.relu(h)
O = W_1 @ L
print("logits:", O)
loss = F.cross_entropy(O.unsqueeze(0), label.unsqueeze(0))  # softmax + cross-entropy, one fused op
loss.backward()
print("loss:", loss.item())
print("W_1.grad (autograd):", W_1.grad)
print("W_0.grad (autograd):", W_0.grad)

net = cr.manual.Network([W_0.detach().numpy(), W_1.detach().numpy()], None, activation="relu",
                        output_activation="identity", loss="cross_entropy")
net.forward(I.numpy())
net.backward(label.numpy())
print("W_1.grad (by hand):", net.layers[1].dW)
print("W_0.grad (by hand):", net.layers[0].dW)
print("agree:", np.allclose(net.layers[1].dW, W_1.grad.numpy(), rtol=1e-5, atol=0)
      and np.allclose(net.layers[0].dW, W_0.grad.numpy(), rtol=1e-5, atol=0))
