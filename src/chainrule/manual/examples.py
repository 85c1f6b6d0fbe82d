"""Seed 2's deep sigmoid network, as a cr.nn.Sequential with data to compare gradients on.

    model, x, y = cr.manual.seed2_network(hidden_depth=5)
    print(cr.manual.compare(model, x, y, loss="half_mse"))
"""
import numpy as np

from .. import nn
from ..random import Generator, default_generator, normal_array
from ..creation import tensor
from .network import Network


def seed2_network(hidden_depth=5, width=32, inputs=10, outputs=2, batch_size=4, seed=0, dtype=np.float64):
    """(model, x, y): Linear(10, 32), Sigmoid, then hidden_depth - 1 more Linear(32, 32), Sigmoid, and
    Linear(32, 2) with a sigmoid on the output too, as in seed 2 (hidden_depth hidden layers of width units).

    Weights ~ N(0, 0.01^2) and zero biases (seed 2's init); x and y ~ N(0, 1), x of shape (batch_size, 10).
    seed=None draws from chainrule's global generator (cr.manual_seed) instead of a fresh seeded one.
    """
    if hidden_depth < 1:
        raise ValueError(f"seed2_network: hidden_depth must be at least 1, got {hidden_depth}")
    rng = default_generator if seed is None else Generator().manual_seed(seed)
    sizes = [inputs] + [width] * hidden_depth + [outputs]
    weights = [0.01 * normal_array((o, i), dtype, rng) for i, o in zip(sizes, sizes[1:])]
    biases = [np.zeros(o, dtype=dtype) for o in sizes[1:]]
    model = nn.Sequential(*[m for i, o in zip(sizes, sizes[1:]) for m in (nn.Linear(i, o, dtype=dtype), nn.Sigmoid())])
    Network(weights, biases).write_to(model)
    x = tensor(normal_array((batch_size, inputs), dtype, rng))
    y = tensor(normal_array((batch_size, outputs), dtype, rng))
    return model, x, y
