"""The delta-rule network: seed 0's printed numbers, and every gradient against torch autograd (float64);
Network.from_sequential on cr.nn and torch.nn models (it reads modules by their class names), and write_to."""
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from manual_testing import data, small_model

import chainrule as cr
from chainrule import nn
from chainrule.manual import Activation, Network, format_weights

EXAMPLE1 = dict(weights=[[[1, -2], [2, 4], [-3, 1]], [[1, 2, -3], [2, -1, 3]]], biases=[[1, 2, 3], [2, 1]])
EXAMPLE2 = dict(weights=[[[1, -2], [1, 1]], [[1, -1], [2, -1]]], biases=[[0, 0], [0, 0]])
TORCH_ACTIVATIONS = {"identity": lambda z: z, "square": lambda z: z ** 2, "sigmoid": torch.sigmoid,
                     "relu": torch.relu, "tanh": torch.tanh}


def torch_step(weights, biases, activation, x, target, loss="mse", lr=0.01, output_activation=None):
    """The same network in torch: loss, gradients and SGD-updated parameters (float64)."""
    params = []
    for w, b in zip(weights, biases):
        params.append(torch.tensor(np.asarray(w, dtype=np.float64), requires_grad=True))
        params.append(None if b is None else torch.tensor(np.asarray(b, dtype=np.float64), requires_grad=True))
    a = torch.tensor(np.asarray(x, dtype=np.float64))
    acts = [activation] * (len(weights) - 1) + [output_activation or activation]
    for i, act in enumerate(acts):
        a = TORCH_ACTIVATIONS[act](torch.nn.functional.linear(a, params[2 * i], params[2 * i + 1]))
    t = torch.as_tensor(np.asarray(target))
    value = {"mse": torch.nn.functional.mse_loss, "half_mse": lambda o, t: 0.5 * torch.nn.functional.mse_loss(o, t),
             "cross_entropy": torch.nn.functional.cross_entropy}[loss](a, t)
    value.backward()
    kept = [p for p in params if p is not None]
    grads = [p.grad.numpy().copy() for p in kept]
    updated = [(p - lr * p.grad).detach().numpy() for p in kept]
    return value.item(), grads, updated


def manual_step(weights, biases, activation, x, target, loss="mse", lr=0.01, output_activation=None):
    net = Network(weights, biases, activation=activation, output_activation=output_activation, loss=loss)
    net.forward(x)
    value = net.backward(target)
    grads = [g for _, g in net.named_gradients()]
    net.step(lr)
    return value, grads, [p for _, p in net.named_parameters()], net


def assert_matches_torch(weights, biases, activation, x, target, loss="mse", output_activation=None):
    mine = manual_step(weights, biases, activation, x, target, loss, output_activation=output_activation)
    theirs = torch_step(weights, biases, activation, x, target, loss, output_activation=output_activation)
    assert mine[0] == pytest.approx(theirs[0], rel=1e-12, abs=1e-12)
    for g, tg in zip(mine[1], theirs[1]):
        np.testing.assert_allclose(g, tg, rtol=1e-12, atol=1e-12)
    for p, tp in zip(mine[2], theirs[2]):
        np.testing.assert_allclose(p, tp, rtol=1e-12, atol=1e-12)
    return mine[3]


def test_seed0_example1_prints_the_notebook_numbers():
    net = Network(**EXAMPLE1, activation="identity")
    net.train_step([1, 1], [2, 3], lr=0.01)
    assert format_weights(net) == [
        ['1.0100', '-1.9900', '1.6700', '3.6700', '-2.4000', '1.6000'],
        ['1.0000', '0.9600', '-3.1300', '2.0000', '-0.4400', '3.0700'],
        ['1.0100', '1.6700', '3.6000'],
        ['1.8700', '1.0700'],
    ]
    assert_matches_torch(**EXAMPLE1, activation="identity", x=[1.0, 1.0], target=[2.0, 3.0])


@pytest.mark.parametrize("activation", ["square", Activation(lambda z: z ** 2, lambda z: 2 * z)])
def test_seed0_example2_prints_the_notebook_numbers(activation):
    net = Network(**EXAMPLE2, activation=activation)
    net.train_step([1, 1], [2, 3], lr=0.01)
    rows = format_weights(net)
    assert rows[0][0] in ('-0.0000', '0.0000')  # the notebook prints -0.0000 (NumPy) and 0.0000 (torch)
    assert rows == [
        [rows[0][0], '-3.0000', '-0.8400', '-0.8400'],
        ['1.4200', '0.6800', '2.0400', '-0.8400'],
        ['-1.0000', '-1.8400'],
        ['0.4200', '0.0400'],
    ]
    assert_matches_torch(**EXAMPLE2, activation="square", x=[1.0, 1.0], target=[2.0, 3.0])


def test_any_elementwise_function_with_its_derivative():
    weights, biases, x, rng = random_net(5, [3, 4, 2], batch=3)
    target = rng.normal(size=(3, 2))
    net = Network(weights, biases, activation=Activation(np.sin, np.cos, "sin"))
    net.forward(x)
    net.backward(target)
    params = [torch.tensor(p, requires_grad=True) for _, p in net.named_parameters()]
    a = torch.tensor(x)
    for i in range(2):
        a = torch.sin(torch.nn.functional.linear(a, params[2 * i], params[2 * i + 1]))
    torch.nn.functional.mse_loss(a, torch.tensor(target)).backward()
    for (name, grad), param in zip(net.named_gradients(), params):
        np.testing.assert_allclose(grad, param.grad.numpy(), rtol=1e-12, atol=1e-15, err_msg=name)


def test_seed0_example2_keeps_every_intermediate():
    net = Network(**EXAMPLE2, activation="square")
    net.forward([1, 1])
    net.backward([2, 3])
    # hand-checked against torch below: z^1 = W1 x, a^1 = z^1 ** 2, ...
    np.testing.assert_array_equal(net.zs[0], [[-1, 2]])
    np.testing.assert_array_equal(net.activations[1], [[1, 4]])
    np.testing.assert_array_equal(net.layers[1].a, [[9, 4]])
    np.testing.assert_array_equal(net.deltas[1], [[-42, -4]])
    np.testing.assert_array_equal(net.deltas[0], [[100, 184]])
    np.testing.assert_array_equal(net.dWs[1], [[-42, -168], [-4, -16]])
    np.testing.assert_array_equal(net.dbs[0], [100, 184])
    assert net.activations[0] is net.layers[0].a_prev


def test_seed3_relu_softmax_cross_entropy_tiny_gradients():
    # seed 3: W_0, W_1 without bias, ReLU, softmax saturated at logits (-33, 11), so gradients ~1e-19.
    weights = [[[1, -2], [2, 5]], [[3, -3], [-1, 1]]]
    net = Network([np.array(w, dtype=np.float64) for w in weights], [None, None], activation="relu",
                  output_activation="identity", loss="cross_entropy")
    net.forward([[4.0, 1.0]])
    net.backward([1])
    np.testing.assert_array_equal(net.zs[1], [[-33, 11]])
    # torch autograd through the notebook's own softmax -> log -> sum differentiates exactly
    w0 = torch.tensor(weights[0], dtype=torch.float64, requires_grad=True)
    w1 = torch.tensor(weights[1], dtype=torch.float64, requires_grad=True)
    logits = w1 @ torch.relu(w0 @ torch.tensor([4.0, 1.0], dtype=torch.float64))
    numerator = torch.exp(logits - logits.max())
    (-(torch.tensor([0.0, 1.0], dtype=torch.float64) * torch.log(numerator / numerator.sum())).sum()).backward()
    for mine, theirs in zip(net.dWs, (w0.grad, w1.grad)):  # relative to the 1e-19 values themselves
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-12, atol=0)
    # The notebook prints half of each gradient (its stray mean over two elements): twice its numbers.
    np.testing.assert_allclose(net.dWs[1], 2 * np.array([[7.7811e-20, 5.0577e-19], [-7.7811e-20, -5.0577e-19]]), rtol=1e-4)
    np.testing.assert_allclose(net.dWs[0], 2 * np.array([[6.2249e-19, 1.5562e-19], [-6.2249e-19, -1.5562e-19]]), rtol=1e-4)
    assert net.dbs == [None, None]


def random_net(seed, sizes, batch):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(o, i)) for i, o in zip(sizes, sizes[1:])]
    biases = [rng.normal(size=o) for o in sizes[1:]]
    x = rng.normal(size=(batch, sizes[0]))
    return weights, biases, x, rng


@pytest.mark.parametrize("activation", ["identity", "square", "sigmoid", "relu", "tanh"])
@pytest.mark.parametrize("loss", ["mse", "half_mse"])
def test_each_activation_and_regression_loss_matches_torch(activation, loss):
    weights, biases, x, rng = random_net(1, [3, 5, 4, 2], batch=6)
    assert_matches_torch(weights, biases, activation, x, rng.normal(size=(6, 2)), loss=loss)


@pytest.mark.parametrize("target_kind", ["indices", "one_hot", "probabilities"])
@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_cross_entropy_matches_torch(target_kind, activation):
    weights, biases, x, rng = random_net(2, [4, 6, 3], batch=5)
    classes = rng.integers(0, 3, size=5)
    target = {"indices": classes, "one_hot": np.eye(3)[classes],
              "probabilities": rng.dirichlet(np.ones(3), size=5)}[target_kind]
    assert_matches_torch(weights, biases, activation, x, target, loss="cross_entropy", output_activation="identity")


def test_cross_entropy_delta_is_softmax_minus_target_over_batch():
    weights, biases, x, rng = random_net(3, [4, 3], batch=5)
    net = Network(weights, biases, loss="cross_entropy")
    logits = net.forward(x)
    classes = np.array([0, 2, 1, 1, 0])
    net.backward(classes)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.deltas[-1], (p - np.eye(3)[classes]) / 5, rtol=1e-14)


@given(st.integers(0, 2 ** 16), st.lists(st.integers(1, 5), min_size=2, max_size=5), st.integers(1, 4),
       st.sampled_from(["identity", "square", "sigmoid", "relu", "tanh"]))
def test_random_shapes_match_torch(seed, sizes, batch, activation):
    weights, biases, x, rng = random_net(seed, sizes, batch)
    assert_matches_torch(weights, biases, activation, x, rng.normal(size=(batch, sizes[-1])))


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_batched_gradient_is_the_mean_of_per_example_gradients(loss):
    weights, biases, x, rng = random_net(4, [3, 4, 3], batch=5)
    target = rng.integers(0, 3, size=5) if loss == "cross_entropy" else rng.normal(size=(5, 3))
    net = Network(weights, biases, activation="tanh", output_activation="identity", loss=loss)
    net.forward(x)
    batch_loss = net.backward(target)
    batch_grads = [g.copy() for _, g in net.named_gradients()]
    per_example = []
    for xi, ti in zip(x, target):
        out = net.forward(xi)  # one example of shape (in,)
        assert out.shape == (3,)
        per_example.append((net.backward(ti), [g.copy() for _, g in net.named_gradients()]))
    assert batch_loss == pytest.approx(np.mean([value for value, _ in per_example]), rel=1e-13)
    for k, grad in enumerate(batch_grads):
        mean = np.mean([grads[k] for _, grads in per_example], axis=0)
        np.testing.assert_allclose(grad, mean, rtol=1e-12, atol=1e-15)


def test_float32_weights_stay_float32_and_inputs_are_not_modified():
    weights = [np.ones((2, 3), dtype=np.float32), np.ones((1, 2), dtype=np.float32)]
    biases = [np.zeros(2, dtype=np.float32), np.zeros(1, dtype=np.float32)]
    net = Network(weights, biases, activation="sigmoid")
    net.train_step(np.ones((4, 3)), np.zeros((4, 1)), lr=0.1)
    assert all(p.dtype == np.float32 for _, p in net.named_parameters())
    assert all(g.dtype == np.float32 for _, g in net.named_gradients())
    assert net.zs[0].dtype == np.float32
    np.testing.assert_array_equal(weights[0], 1)  # copied, not updated in place


def test_integer_lists_become_float64():
    net = Network(**EXAMPLE1)
    assert net.layers[0].W.dtype == np.float64 and net.layers[0].b.dtype == np.float64


def test_sigmoid_does_not_overflow():
    net = Network([[[1.0]]], [[0.0]], activation="sigmoid")
    with np.errstate(over="raise", invalid="raise"):
        np.testing.assert_array_equal(net.forward([[-1000.0], [1000.0]]), [[0.0], [1.0]])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="weight 1 has shape"):
        Network([np.ones((3, 2)), np.ones((2, 4))], [np.zeros(3), np.zeros(2)])
    with pytest.raises(ValueError, match="bias 0 must have shape"):
        Network([np.ones((3, 2))], [np.zeros(2)])
    with pytest.raises(ValueError, match="unknown activation"):
        Network(**EXAMPLE1, activation="swish")
    with pytest.raises(ValueError, match="unknown loss"):
        Network(**EXAMPLE1, loss="hinge")
    net = Network(**EXAMPLE1)
    with pytest.raises(RuntimeError, match="forward"):
        net.backward([2, 3])
    with pytest.raises(RuntimeError, match="backward"):
        net.step(0.1)
    with pytest.raises(ValueError, match=r"expected x of shape \(N, 2\)"):
        net.forward([1, 2, 3])
    net.forward([1, 1])
    with pytest.raises(ValueError, match="target shape"):
        net.backward([1, 2, 3])
    net = Network(**EXAMPLE1, loss="cross_entropy")
    net.forward([[1, 1]])
    with pytest.raises(ValueError, match="class indices must lie in"):
        net.backward([5])


# ---- from_sequential and write_to ---------------------------------------------------------------------
def test_cr_nn_round_trip_from_sequential_and_write_to():
    model = small_model(nn.Tanh(), last=nn.Sigmoid())
    x, target = data("mse")
    net = Network.from_sequential(model)
    assert [name for name, _ in net.named_parameters()] == [name for name, _ in model.named_parameters()]
    np.testing.assert_allclose(net.forward(x), model(cr.tensor(x)).detach().numpy(), rtol=1e-14)
    for _ in range(3):
        net.train_step(x, target, lr=0.5)
    net.write_to(model)
    np.testing.assert_allclose(net.forward(x), model(cr.tensor(x)).detach().numpy(), rtol=1e-14)
    float32 = Network.from_sequential(small_model(nn.Tanh(), dtype=cr.float32))
    assert float32.layers[0].W.dtype == np.float32
    cast = Network.from_sequential(small_model(nn.Tanh(), dtype=cr.float32), dtype=np.float64)
    assert cast.layers[0].W.dtype == np.float64


class Square(torch.nn.Module):
    def forward(self, x):
        return x ** 2


def torch_model(*layers):
    torch.manual_seed(0)
    return torch.nn.Sequential(*layers).double()


@pytest.mark.parametrize("activation", [torch.nn.ReLU, torch.nn.Sigmoid, torch.nn.Tanh, torch.nn.Identity])
def test_from_torch_sequential_gives_torch_gradients(activation):
    model = torch_model(torch.nn.Linear(3, 4), activation(), torch.nn.Linear(4, 2, bias=False), torch.nn.Sigmoid())
    x, target = np.random.default_rng(0).normal(size=(2, 5, 3))[0], np.random.default_rng(1).normal(size=(5, 2))
    torch.nn.functional.mse_loss(model(torch.tensor(x)), torch.tensor(target)).backward()
    net = Network.from_sequential(model)
    net.forward(x)
    net.backward(target)
    names = [name for name, _ in net.named_gradients()]
    assert names == [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight"]
    for (name, grad), (_, param) in zip(net.named_gradients(), model.named_parameters()):
        np.testing.assert_allclose(grad, param.grad.numpy(), rtol=1e-12, atol=1e-14, err_msg=name)


def test_custom_module_needs_a_mapping():
    model = torch_model(torch.nn.Linear(2, 2), Square(), torch.nn.Linear(2, 1))
    with pytest.raises(TypeError, match="activations="):
        Network.from_sequential(model)
    net = Network.from_sequential(model, activations={Square: "square"})
    assert [layer.activation.name for layer in net.layers] == ["square", "identity"]


def test_write_to_copies_weights_into_the_modules_in_place():
    model = torch_model(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    weight = model[0].weight
    net = Network.from_sequential(model)
    net.train_step(np.ones((4, 2)), np.zeros((4, 1)), lr=0.5)
    net.write_to(model)
    assert model[0].weight is weight
    for (_, mine), (_, theirs) in zip(net.named_parameters(), model.named_parameters()):
        np.testing.assert_array_equal(mine, theirs.detach().numpy())


def test_from_sequential_rejects_what_it_cannot_read():
    with pytest.raises(ValueError, match="must follow a Linear"):
        Network.from_sequential(torch_model(torch.nn.ReLU(), torch.nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="must follow a Linear"):
        Network.from_sequential(torch_model(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Tanh()))
    with pytest.raises(ValueError, match="no Linear"):
        Network.from_sequential(torch_model())
    with pytest.raises(ValueError, match="2 Linear layers, the network 1"):
        Network([np.ones((1, 2))]).write_to(torch_model(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)))
