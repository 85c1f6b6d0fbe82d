"""Helpers shared by the tests of chainrule.manual: a small model and data for each loss."""
import numpy as np

import chainrule as cr
import chainrule.nn as nn


def small_model(activation, dtype=cr.float64, last=None):
    cr.manual_seed(0)
    layers = [nn.Linear(3, 4, dtype=dtype), activation, nn.Linear(4, 3, dtype=dtype)]
    return nn.Sequential(*layers + ([last] if last is not None else []))


def data(loss, batch=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, 3))
    target = rng.integers(0, 3, size=batch) if loss == "cross_entropy" else rng.normal(size=(batch, 3))
    return x, target
