"""Memory stays flat: 1,000 training steps of an MLP keep no graphs, tensors or arrays alive.

Traced memory (tracemalloc sees Python objects and NumPy's array buffers) and the number of live chainrule
Tensors and graph nodes are measured after a warm-up of 100 steps and again after 900 more. A leak of even
one small graph per step grows them in proportion to the steps; the second test checks that the
measurement does catch such a leak (the classic one: keeping every loss tensor, and so its graph).
"""
import gc
import tracemalloc

import chainrule as cr
import chainrule.nn.functional as F
from chainrule import nn
from chainrule.autograd.function import Node

WARM_UP, STEPS = 100, 1000
SLACK_BYTES = 16 * 1024  # allocator and interpreter noise; one leaked graph per step is ~3.6 KB, ~3 MB in all


def live_objects():
    """(number of chainrule Tensors, number of graph nodes) alive now."""
    gc.collect()
    types = [type(o) for o in gc.get_objects()]  # type(), not isinstance: no lazy module attribute is touched
    return sum(issubclass(t, cr.Tensor) for t in types), sum(issubclass(t, Node) for t in types)


def training_steps(kept_losses=None):
    """A generator: each next() runs one SGD step of a 64-32-10 MLP with dropout on batches of 32."""
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10))
    optimizer = cr.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    data = cr.data.TensorDataset(cr.randn(1024, 64), cr.randint(0, 10, (1024,)))
    loader = cr.data.DataLoader(data, batch_size=32, shuffle=True)
    while True:
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss.item()
            if kept_losses is not None:
                kept_losses.append(loss)
            yield


def growth(kept_losses=None):
    """(traced bytes, Tensors, graph nodes) gained between step WARM_UP and step STEPS."""
    steps = training_steps(kept_losses)
    was_tracing = tracemalloc.is_tracing()
    if not was_tracing:
        tracemalloc.start()
    try:
        for _ in range(WARM_UP):
            next(steps)
        tensors_before, nodes_before = live_objects()
        bytes_before = tracemalloc.get_traced_memory()[0]
        for _ in range(STEPS - WARM_UP):
            next(steps)
        tensors_after, nodes_after = live_objects()
        bytes_after = tracemalloc.get_traced_memory()[0]
    finally:
        if not was_tracing:
            tracemalloc.stop()
    return bytes_after - bytes_before, tensors_after - tensors_before, nodes_after - nodes_before


def test_a_thousand_training_steps_hold_memory_flat():
    grown_bytes, grown_tensors, grown_nodes = growth()
    assert grown_bytes < SLACK_BYTES, f"traced memory grew by {grown_bytes} bytes over {STEPS - WARM_UP} steps"
    assert grown_tensors == 0 and grown_nodes == 0, (grown_tensors, grown_nodes)


def test_the_measurement_catches_leaked_graphs():
    kept_losses = []
    grown_bytes, grown_tensors, grown_nodes = growth(kept_losses)
    steps = STEPS - WARM_UP
    assert grown_bytes > 100 * SLACK_BYTES
    assert grown_tensors >= steps and grown_nodes >= steps
