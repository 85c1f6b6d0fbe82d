"""The speed issue's design checks: fused ops give the unfused numbers, and nothing upcasts float32."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F

RNG = np.random.default_rng(0)


def leaf(*shape, dtype=cr.float32):
    return cr.tensor(RNG.standard_normal(shape), dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("dtype, rtol", [(cr.float64, 1e-12), (cr.float32, 1e-5)])
def test_fused_linear_equals_matmul_plus_bias(dtype, rtol):
    x, w, b = leaf(5, 4, dtype=dtype), leaf(3, 4, dtype=dtype), leaf(3, dtype=dtype)
    fused = F.linear(x, w, b)
    (fused * fused).sum().backward()
    fused_grads = [t.grad.numpy().copy() for t in (x, w, b)]
    for t in (x, w, b):
        t.grad = None
    unfused = x @ w.T + b
    (unfused * unfused).sum().backward()
    np.testing.assert_allclose(fused.detach().numpy(), unfused.detach().numpy(), rtol=rtol)
    for got, expected, t in zip(fused_grads, [t.grad.numpy() for t in (x, w, b)], (x, w, b)):
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol)
    assert len(fused.grad_fn.next_functions) == 3 and "Linear" in fused.grad_fn.name()


@pytest.mark.parametrize("dtype, rtol", [(cr.float64, 1e-12), (cr.float32, 1e-5)])
def test_fused_cross_entropy_equals_log_softmax_then_nll(dtype, rtol):
    z = leaf(6, 5, dtype=dtype)
    target = cr.tensor([0, 4, 2, 2, 1, 3])
    onehot = cr.tensor(np.eye(5)[target.numpy()], dtype=dtype)
    fused = F.cross_entropy(z, target)
    fused.backward()
    fused_grad = z.grad.numpy().copy()
    z.grad = None
    unfused = -(cr.log_softmax(z, dim=1) * onehot).sum(dim=1).mean()
    unfused.backward()
    np.testing.assert_allclose(fused.item(), unfused.item(), rtol=rtol)
    np.testing.assert_allclose(fused_grad, z.grad.numpy(), rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype, rtol", [(cr.float64, 1e-12), (cr.float32, 1e-5)])
def test_fused_cross_entropy_with_weights_and_ignored_targets_equals_unfused(dtype, rtol):
    # the general path (class weights, an ignored sample, label smoothing) against log_softmax and sums
    z = leaf(6, 5, dtype=dtype)
    target = cr.tensor([0, 4, -100, 2, 1, 3])
    weight = cr.tensor([0.5, 1.0, 2.0, 1.5, 0.25], dtype=dtype)
    kept = target.numpy() != -100
    y = np.eye(5)[np.where(kept, target.numpy(), 0)] * 0.9 + 0.1 / 5  # smoothed one-hot rows
    per_class = cr.tensor(y * weight.numpy() * kept[:, None], dtype=dtype)
    fused = F.cross_entropy(z, target, weight=weight, label_smoothing=0.1)
    fused.backward()
    fused_grad = z.grad.numpy().copy()
    z.grad = None
    picked_weight = (weight.numpy()[np.where(kept, target.numpy(), 0)] * kept).sum()
    unfused = -(cr.log_softmax(z, dim=1) * per_class).sum() / float(picked_weight)
    unfused.backward()
    np.testing.assert_allclose(fused.item(), unfused.item(), rtol=rtol)
    np.testing.assert_allclose(fused_grad, z.grad.numpy(), rtol=rtol, atol=rtol)


def _image():
    return leaf(2, 3, 6, 6)


FLOAT32_OPS = {
    "add scalar": (lambda a: a + 2, lambda: [leaf(3, 4)]),
    "mul int scalar": (lambda a: a * 3, lambda: [leaf(3, 4)]),
    "rdiv": (lambda a: 1.5 / (a * a + 1), lambda: [leaf(3, 4)]),
    "pow": (lambda a: (a * a + 1) ** 1.5, lambda: [leaf(3, 4)]),
    "exp log sqrt": (lambda a: cr.sqrt(cr.exp(a)) + cr.log(a * a + 1), lambda: [leaf(3, 4)]),
    "sin cos tanh sigmoid relu abs": (lambda a: a.sin() + a.cos() + a.tanh() + a.sigmoid() + a.relu() + a.abs(), lambda: [leaf(3, 4)]),
    "log1p expm1": (lambda a: cr.log1p(a * a) + cr.expm1(a), lambda: [leaf(3, 4)]),
    "broadcast binary": (lambda a, b: a * b - a / (b * b + 1), lambda: [leaf(3, 1), leaf(1, 4)]),
    "sum mean var std": (lambda a: a.sum(0) + a.mean(0) + a.var(0) + a.std(0), lambda: [leaf(3, 4)]),
    "max min amax logsumexp": (lambda a: a.max(1).values + a.min(1).values + a.amax(1) + a.logsumexp(1), lambda: [leaf(3, 4)]),
    "shape ops": (lambda a: a.reshape(4, 3).T.unsqueeze(0).expand(2, 3, 4).flatten(1).squeeze(), lambda: [leaf(3, 4)]),
    "cat stack index": (lambda a: cr.cat([a, a[1:]], 0).sum(0) + cr.stack([a, a]).sum((0, 1)) + a[[0, 0, 2], 1:3].sum(0).sum(), lambda: [leaf(3, 4)]),
    "matmul batched": (lambda a, b: a @ b, lambda: [leaf(2, 3, 4), leaf(4, 5)]),
    "softmax log_softmax": (lambda a: cr.softmax(a, 1) + cr.log_softmax(a, 1), lambda: [leaf(3, 4)]),
    "where clamp maximum": (lambda a, b: cr.where(a > 0, a, b).clamp(-1, 1) + cr.maximum(a, b), lambda: [leaf(3, 4), leaf(3, 4)]),
    "linear": (lambda x, w, b: F.linear(x, w, b), lambda: [leaf(5, 4), leaf(3, 4), leaf(3)]),
    "conv2d": (lambda x, w: F.conv2d(x, w, padding=1), lambda: [_image(), leaf(4, 3, 3, 3)]),
    "pools": (lambda x: F.max_pool2d(x, 2).sum() + F.avg_pool2d(x, 2).sum() + F.adaptive_avg_pool2d(x, 1).sum(), lambda: [_image()]),
    "batch_norm layer_norm": (lambda x: F.batch_norm(x, None, None, training=True).sum() + F.layer_norm(x, (6,)).sum(), lambda: [_image()]),
    "gelu leaky softplus": (lambda a: F.gelu(a) + F.leaky_relu(a) + F.softplus(a), lambda: [leaf(3, 4)]),
    "losses": (lambda z, p: F.cross_entropy(z, cr.tensor([0, 1, 2])) + F.mse_loss(z, p) + F.binary_cross_entropy_with_logits(z, p.sigmoid().detach())
               + F.binary_cross_entropy(z.sigmoid(), p.sigmoid().detach()) + F.nll_loss(F.log_softmax(z, 1), cr.tensor([1, 0, 3]))
               + F.l1_loss(z, p) + F.smooth_l1_loss(z, p, beta=0.5) + F.huber_loss(z, p, delta=0.5),
               lambda: [leaf(3, 4), leaf(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_OPS))
def test_no_op_upcasts_float32(name):
    fn, make_inputs = FLOAT32_OPS[name]
    inputs = make_inputs()
    out = fn(*inputs)
    assert out.dtype == cr.float32, f"{name}: output is {out.dtype}"
    out.sum().backward()
    for index, t in enumerate(inputs):
        assert t.grad is not None and t.grad.dtype == cr.float32, f"{name}: gradient {index} is {t.grad.dtype}"


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop", "Adadelta", "Adagrad"])
def test_optimizer_state_stays_float32(optimizer):
    model = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.ReLU(), cr.nn.Linear(3, 2))
    options = {"SGD": dict(momentum=0.9, nesterov=True), "RMSprop": dict(momentum=0.5, centered=True),
               "Adam": dict(amsgrad=True)}.get(optimizer, {})
    opt = getattr(cr.optim, optimizer)(model.parameters(), lr=0.01, **options)
    for _ in range(3):
        opt.zero_grad()
        F.mse_loss(model(cr.randn(5, 4)), cr.randn(5, 2)).backward()
        opt.step()
    for p in model.parameters():
        assert p.dtype == cr.float32
        for value in opt.state[p].values():
            if isinstance(value, cr.Tensor):
                assert value.dtype == cr.float32
