"""seed2_network: the seed 2 notebook's deep sigmoid network, and the vanishing-gradient lesson."""
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.manual import compare, seed2_network


def test_seed2_network_shape_init_and_the_vanishing_gradient_lesson():
    model, x, y = seed2_network()
    linears = [m for m in model if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(10, 32)] + [(32, 32)] * 4 + [(32, 2)]
    assert all(isinstance(m, nn.Sigmoid) for m in list(model)[1::2]) and len(model) == 12
    assert x.shape == (4, 10) and y.shape == (4, 2) and x.dtype == cr.float64
    weights = np.concatenate([m.weight.detach().numpy().ravel() for m in linears])
    assert 0.008 < weights.std() < 0.012 and all(not m.bias.detach().numpy().any() for m in linears)
    again, _, _ = seed2_network()
    np.testing.assert_array_equal(again[0].weight.detach().numpy(), model[0].weight.detach().numpy())

    small, x, y = seed2_network(hidden_depth=2, width=6, batch_size=3, seed=1)
    assert [m.out_features for m in small if isinstance(m, nn.Linear)] == [6, 6, 2]
    result = compare(small, x, y, loss="half_mse")
    assert result.max_discrepancy("delta_vs_autodiff") < 1e-12
    first, last = result.rows[0], result.rows[-2]  # the first and the last layer's weights
    # backprop stays exact; central differences lose the first layer's tiny gradient to rounding
    assert first.numerical_vs_delta_rel > last.numerical_vs_delta_rel
