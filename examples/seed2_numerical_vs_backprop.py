"""Seed 2: numerical gradients vs backprop in a deep sigmoid net (10 inputs, 5 hidden layers of 32, 2 outputs,
1/2-mean MSE): all three ways agree, and numerical differences cost two loss evaluations per parameter."""
import time

import chainrule as cr
import chainrule.nn.functional as F

model, x, y = cr.manual.seed2_network(hidden_depth=5)
print(cr.manual.compare(model, x, y, loss="half_mse", eps=1e-4))

optimizer = cr.optim.SGD(model.parameters(), lr=0.01)
start = time.perf_counter()
for epoch in range(100):
    optimizer.zero_grad()
    loss = 0.5 * F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    if epoch % 20 == 0 or epoch == 99:
        print(f"Epoch {epoch}: Test loss {loss.item()}")
print(f"{time.perf_counter() - start:.3f} seconds elapsed.")
