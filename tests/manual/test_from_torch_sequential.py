"""Network.from_sequential reads modules by their class names, so a torch.nn.Sequential works as well
as a cr.nn one: the delta rule on it must give torch's own autograd gradients."""
import numpy as np
import pytest
import torch

from chainrule.manual import Network


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
